import { describe, expect, it } from 'vitest';
import { interpolate } from '../../../local-core/src/supervisor/variables.ts';

const context = {
  configuration: { s: 'text', n: 3, nul: null, obj: { k: [1] } },
  artifactsPath: '/r/packages/artifacts/c/1.0.0',
  decompressedPath: '/r/packages/artifacts-unarchived/c/1.0.0',
  workPath: '/r/work/c',
  rootPath: '/r',
  thingName: 'T1',
  dependencies: new Map([
    [
      'dep.A',
      { configuration: { port: 8 }, artifactsPath: '/a', decompressedPath: '/ad', workPath: '/r/work/dep.A' },
    ],
  ]),
};

describe('recipe variables', () => {
  it('replaces configuration values as text and objects as JSON', () => {
    expect(
      interpolate('{configuration:/s} {configuration:/n} {configuration:/nul} {configuration:/obj}', context),
    ).toBe('text 3 null {"k":[1]}');
  });

  it('leaves a missing configuration node unreplaced', () => {
    expect(interpolate('x{configuration:/nope}y', context)).toBe('x{configuration:/nope}y');
  });

  it('replaces paths, the thing name and the root path', () => {
    expect(
      interpolate(
        '{artifacts:path}|{artifacts:decompressedPath}|{work:path}|{kernel:rootPath}|{iot:thingName}',
        context,
      ),
    ).toBe('/r/packages/artifacts/c/1.0.0|/r/packages/artifacts-unarchived/c/1.0.0|/r/work/c|/r|T1');
  });

  it('resolves variables of direct dependencies only', () => {
    expect(interpolate('{dep.A:configuration:/port} {dep.A:work:path} {other.B:work:path}', context)).toBe(
      '8 /r/work/dep.A {other.B:work:path}',
    );
  });
});
