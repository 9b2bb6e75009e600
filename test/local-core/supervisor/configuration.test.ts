import { describe, expect, it } from 'vitest';
import { resolveConfiguration } from '../../../local-core/src/supervisor/configuration.ts';

const defaults = { a: 1, list: [1, 2, 3], nested: { x: 'x', y: 'y' } };

describe('deployment configuration', () => {
  it('starts from DefaultConfiguration on first install and merges on top', () => {
    const config = resolveConfiguration(undefined, undefined, defaults, {
      merge: '{"nested":{"x":"X"},"b":2}',
    });
    expect(config).toEqual({ a: 1, b: 2, list: [1, 2, 3], nested: { x: 'X', y: 'y' } });
  });

  it('replaces lists wholesale and allows nulls', () => {
    const config = resolveConfiguration(undefined, undefined, defaults, { merge: '{"list":[9],"a":null}' });
    expect(config.list).toEqual([9]);
    expect(config.a).toBeNull();
  });

  it('resets pointers to their default before merging', () => {
    const current = { a: 5, list: [7], nested: { x: 'changed', y: 'y' } };
    const config = resolveConfiguration(current, defaults, defaults, { reset: ['/nested/x', '/list'] });
    expect(config).toEqual({ a: 5, list: [1, 2, 3], nested: { x: 'x', y: 'y' } });
  });

  it('resets everything with the empty pointer', () => {
    const config = resolveConfiguration({ a: 5, extra: true }, defaults, defaults, { reset: [''] });
    expect(config).toEqual(defaults);
  });

  it('keeps values set by an earlier deployment when the next one does not mention them', () => {
    const first = resolveConfiguration(undefined, undefined, defaults, { merge: '{"a":42}' });
    expect(resolveConfiguration(first, defaults, defaults, undefined).a).toBe(42);
  });

  it('keeps keys a new version no longer has in its defaults unless reset (stale accessControl)', () => {
    const v1 = { accessControl: { svc: { 'p:1': { operations: ['Op'], resources: ['a'] } } } };
    const v2 = { accessControl: { svc: { 'p:2': { operations: ['Op'], resources: ['b'] } } } };
    const kept = resolveConfiguration(structuredClone(v1), v1, v2, undefined);
    expect(Object.keys((kept.accessControl as { svc: object }).svc)).toEqual(['p:1', 'p:2']);
    const reset = resolveConfiguration(structuredClone(v1), v1, v2, { reset: ['/accessControl'] });
    expect(reset).toEqual(v2);
  });

  it('gives a leaf still holding the old default the new version default', () => {
    const config = resolveConfiguration({ a: 1 }, { a: 1 }, { a: 2 }, undefined);
    expect(config.a).toBe(2);
  });
});
