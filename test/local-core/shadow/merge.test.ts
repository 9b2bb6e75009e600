import { describe, expect, it } from 'vitest';
import { mergeShadowStates } from '../../../local-core/src/shadow/merge.ts';

describe('three-way shadow merge', () => {
  it('keeps a change made on one side only', () => {
    const base = { desired: { a: 1 } };
    expect(mergeShadowStates(base, { desired: { a: 1 } }, { desired: { a: 2, b: 3 } })).toEqual({
      desired: { a: 2, b: 3 },
    });
    expect(mergeShadowStates(base, { desired: { a: 5 } }, { desired: { a: 1 } })).toEqual({
      desired: { a: 5 },
    });
  });

  it('lets the cloud win a conflicting desired value', () => {
    const base = { desired: { a: 1 } };
    expect(mergeShadowStates(base, { desired: { a: 2 } }, { desired: { a: 3 } })).toEqual({
      desired: { a: 3 },
    });
  });

  it('lets the device win a conflicting reported value', () => {
    const base = { reported: { a: 1 } };
    expect(mergeShadowStates(base, { reported: { a: 2 } }, { reported: { a: 3 } })).toEqual({
      reported: { a: 2 },
    });
  });

  it('propagates the deletion of a key named constructor and keeps a __proto__ key', () => {
    const base = { desired: { constructor: 1, keep: 1 } };
    const merged = mergeShadowStates(
      base,
      { desired: JSON.parse('{"keep":1,"__proto__":{"x":1}}') },
      { desired: { constructor: 1, keep: 1, cloud: 2 } },
    );
    expect([JSON.stringify(merged), Object.hasOwn(merged.desired ?? {}, 'constructor')]).toEqual([
      '{"desired":{"keep":1,"__proto__":{"x":1},"cloud":2}}',
      false,
    ]);
  });

  it('propagates a key deleted on one side', () => {
    const base = { desired: { a: 1, b: 2 } };
    expect(mergeShadowStates(base, { desired: { b: 2 } }, { desired: { a: 1, b: 2, c: 4 } })).toEqual({
      desired: { b: 2, c: 4 },
    });
  });

  it('merges distinct keys changed on both sides of one object', () => {
    const base = { desired: { o: { x: 1, y: 1 } } };
    expect(
      mergeShadowStates(base, { desired: { o: { x: 2, y: 1 } } }, { desired: { o: { x: 1, y: 3 } } }),
    ).toEqual({
      desired: { o: { x: 2, y: 3 } },
    });
  });

  it('unions both sides on a first sync without a base', () => {
    expect(mergeShadowStates(undefined, { reported: { a: 1 } }, { desired: { b: 2 } })).toEqual({
      desired: { b: 2 },
      reported: { a: 1 },
    });
  });
});
