import { describe, expect, it } from 'vitest';
import { parseShadowManagerConfig } from '../../../local-core/src/shadow/config.ts';

describe('ShadowManager configuration', () => {
  it('synchronises nothing unless listed', () => {
    expect([...parseShadowManagerConfig({}, 'core').sync.shadows]).toEqual([]);
  });

  it('lists the core thing, shadowDocuments and shadowDocumentsMap, classic by default', () => {
    const config = parseShadowManagerConfig(
      {
        synchronize: {
          coreThing: { classic: false, namedShadows: ['matchday'] },
          shadowDocuments: [{ thingName: 'sensor-1', namedShadows: ['a'] }],
          shadowDocumentsMap: { 'sensor-2': { classic: 'false', namedShadows: ['b'] } },
        },
      },
      'core',
    );
    expect([...config.sync.shadows].sort()).toEqual([
      'core/matchday',
      'sensor-1/',
      'sensor-1/a',
      'sensor-2/b',
    ]);
  });

  it('defaults to betweenDeviceAndCloud, realTime and 8192 bytes, and accepts the other spellings', () => {
    const defaults = parseShadowManagerConfig({}, 'core');
    expect(defaults.sync.direction).toBe('betweenDeviceAndCloud');
    expect(defaults.sync.strategy.type).toBe('realTime');
    expect(defaults.sizeLimit).toBe(8192);
    expect(
      parseShadowManagerConfig({ synchronize: { direction: 'DEVICE_TO_CLOUD' } }, 'core').sync.direction,
    ).toBe('deviceToCloud');
    expect(parseShadowManagerConfig({ shadowDocumentSizeLimitBytes: '30720' }, 'core').sizeLimit).toBe(30720);
  });

  it('rejects a size limit above 30720 bytes, naming the field', () => {
    expect(() => parseShadowManagerConfig({ shadowDocumentSizeLimitBytes: 40000 }, 'core')).toThrow(
      /`shadowDocumentSizeLimitBytes`/,
    );
  });

  it('rejects an unknown direction', () => {
    expect(() => parseShadowManagerConfig({ synchronize: { direction: 'sideways' } }, 'core')).toThrow(
      /synchronize\.direction/,
    );
  });
});
