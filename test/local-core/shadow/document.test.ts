import { describe, expect, it } from 'vitest';
import {
  applyUpdate,
  computeDelta,
  diffPatch,
  type JsonObject,
  parseUpdateRequest,
  ShadowRequestError,
  type StoredShadow,
} from '../../../local-core/src/shadow/document.ts';

const T0 = 1_780_000_000;

function update(current: StoredShadow | undefined, payload: unknown, now = T0, sizeLimit = 8192) {
  return applyUpdate(current, parseUpdateRequest(payload), { now, sizeLimit });
}

function rejection(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof ShadowRequestError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a rejection');
}

/** An object `levels` objects deep, counting itself: nested(2) = {a:{leaf:1}}. */
function nested(levels: number): JsonObject {
  let value: JsonObject = { leaf: 1 };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

describe('shadow document merge', () => {
  it('deletes a desired key set to null and keeps the others', () => {
    const first = update(undefined, { state: { desired: { a: 1, b: 2 } } }).next;
    const second = update(first, { state: { desired: { a: null } } }).next;
    expect(second.state.desired).toEqual({ b: 2 });
    expect(second.metadata.desired).toEqual({ b: { timestamp: T0 } });
  });

  it('removes the whole desired section when desired is null', () => {
    const first = update(undefined, { state: { desired: { a: 1 }, reported: { a: 1 } } }).next;
    const second = update(first, { state: { desired: null } }).next;
    expect(second.state).toEqual({ reported: { a: 1 } });
    expect(second.metadata.desired).toBeUndefined();
  });

  it('merges objects recursively and replaces arrays as whole values', () => {
    const first = update(undefined, { state: { reported: { o: { x: 1, y: 2 }, list: [1, 2, 3] } } }).next;
    const second = update(first, { state: { reported: { o: { y: 3 }, list: [9] } } }).next;
    expect(second.state.reported).toEqual({ o: { x: 1, y: 3 }, list: [9] });
  });

  it('stamps only the leaves an update touched', () => {
    const first = update(undefined, { state: { desired: { o: { x: 1, y: 2 } } } }, T0).next;
    const second = update(first, { state: { desired: { o: { y: 5 } } } }, T0 + 60).next;
    expect(second.metadata.desired).toEqual({ o: { x: { timestamp: T0 }, y: { timestamp: T0 + 60 } } });
  });

  it('gives each array element its own metadata entry', () => {
    const next = update(undefined, { state: { reported: { list: ['a', 'b'] } } }).next;
    expect(next.metadata.reported).toEqual({ list: [{ timestamp: T0 }, { timestamp: T0 }] });
  });

  it('drops nulls inside a new object and never stores an emptied object', () => {
    const next = update(undefined, { state: { desired: { o: { x: null }, p: { q: 1, r: null } } } }).next;
    expect(next.state.desired).toEqual({ p: { q: 1 } });
  });

  it('ignores a delta supplied by the client', () => {
    const next = update(undefined, { state: { reported: { a: 1 }, delta: { a: 2 } } }).next;
    expect(next.state).toEqual({ reported: { a: 1 } });
  });

  it('increments the version on every accepted update', () => {
    const first = update(undefined, { state: { reported: { a: 1 } } });
    const second = update(first.next, { state: { reported: { a: 2 } } });
    expect([first.accepted.version, second.accepted.version]).toEqual([1, 2]);
  });
});

describe('shadow keys named like Object.prototype members', () => {
  it('keeps __proto__, constructor and valueOf as plain keys with their metadata and delta', () => {
    const payload = '{"state":{"desired":{"__proto__":{"x":1},"constructor":1,"valueOf":{"a":1}}}}';
    const outcome = update(undefined, payload);
    const stamp = { timestamp: T0 };
    expect(JSON.stringify([outcome.next.state, outcome.next.metadata, outcome.delta?.metadata])).toBe(
      JSON.stringify([
        JSON.parse('{"desired":{"__proto__":{"x":1},"constructor":1,"valueOf":{"a":1}}}'),
        JSON.parse(
          `{"desired":{"__proto__":{"x":${JSON.stringify(stamp)}},"constructor":${JSON.stringify(stamp)},"valueOf":{"a":${JSON.stringify(stamp)}}}}`,
        ),
        JSON.parse(
          `{"__proto__":{"x":${JSON.stringify(stamp)}},"constructor":${JSON.stringify(stamp)},"valueOf":{"a":${JSON.stringify(stamp)}}}`,
        ),
      ]),
    );
    expect((Object.prototype as Record<string, unknown>).x).toBeUndefined();
  });

  it('puts a __proto__ key into a sync patch as a plain key', () => {
    expect(JSON.stringify(diffPatch({ a: 1 }, JSON.parse('{"a":1,"__proto__":{"x":1}}')))).toBe(
      '{"__proto__":{"x":1}}',
    );
  });

  it('drops the metadata of a removed constructor key', () => {
    const first = update(undefined, { state: { desired: { constructor: 1, b: 2 } } }).next;
    const second = update(first, { state: { desired: { constructor: null } } }).next;
    expect(JSON.stringify([second.state.desired, second.metadata.desired])).toBe(
      JSON.stringify([{ b: 2 }, { b: { timestamp: T0 } }]),
    );
  });
});

describe('shadow delta', () => {
  it('lists desired fields that differ from or are missing in reported', () => {
    expect(computeDelta({ a: 1, b: { c: 2, d: 3 }, e: 4 }, { a: 1, b: { c: 2, d: 9 } })).toEqual({
      b: { d: 3 },
      e: 4,
    });
  });

  it('compares arrays as whole values', () => {
    expect(computeDelta({ list: [1, 2] }, { list: [1, 2] })).toBeUndefined();
    expect(computeDelta({ list: [1, 2] }, { list: [2, 1] })).toEqual({ list: [1, 2] });
  });

  it('publishes a delta with the desired metadata only when desired and reported differ', () => {
    const withDelta = update(undefined, { state: { desired: { a: 1 } }, clientToken: 'tok' });
    expect(withDelta.delta).toEqual({
      state: { a: 1 },
      metadata: { a: { timestamp: T0 } },
      version: 1,
      timestamp: T0,
      clientToken: 'tok',
    });
    const settled = update(withDelta.next, { state: { reported: { a: 1 } } });
    expect(settled.delta).toBeUndefined();
  });
});

describe('shadow update responses', () => {
  it('answers with the request state, a metadata patch for every leaf (nulls included) and the clientToken', () => {
    const first = update(undefined, { state: { desired: { a: 1, b: 2 } } }).next;
    const outcome = update(first, { state: { desired: { a: null, c: 3 } }, clientToken: 'abc' }, T0 + 5);
    expect(outcome.accepted).toEqual({
      state: { desired: { a: null, c: 3 } },
      metadata: { desired: { a: { timestamp: T0 + 5 }, c: { timestamp: T0 + 5 } } },
      version: 2,
      timestamp: T0 + 5,
      clientToken: 'abc',
    });
  });

  it('publishes the previous and current documents, without previous for a new shadow', () => {
    const first = update(undefined, { state: { reported: { a: 1 } } });
    expect(first.documents.previous).toBeUndefined();
    const second = update(first.next, { state: { reported: { a: 2 } } });
    expect(second.documents).toMatchObject({
      previous: { state: { reported: { a: 1 } }, version: 1 },
      current: { state: { reported: { a: 2 } }, version: 2 },
    });
  });
});

describe('shadow versions', () => {
  const existing = () =>
    update(update(undefined, { state: { reported: { a: 1 } } }).next, { state: { reported: { a: 2 } } }).next;

  it('accepts an update whose version equals the current version', () => {
    expect(update(existing(), { state: { reported: { a: 3 } }, version: 2 }).next.version).toBe(3);
  });

  it('rejects an update whose version differs from the current one with 409', () => {
    expect(rejection(() => update(existing(), { state: { reported: { a: 3 } }, version: 3 }))).toEqual({
      code: 409,
      message: 'Version conflict',
    });
    expect(rejection(() => update(existing(), { state: { reported: { a: 3 } }, version: 1 })).code).toBe(409);
  });

  it('rejects a version other than 1 for a shadow that does not exist yet', () => {
    expect(rejection(() => update(undefined, { state: { reported: { a: 1 } }, version: 4 }))).toEqual({
      code: 400,
      message: 'Invalid version',
    });
    expect(update(undefined, { state: { reported: { a: 1 } }, version: 1 }).next.version).toBe(1);
  });
});

describe('shadow limits and validation', () => {
  it('rejects a document whose desired + reported exceed the size limit with 413', () => {
    const big = 'x'.repeat(5000);
    const first = update(undefined, { state: { desired: { big } } }).next;
    expect(rejection(() => update(first, { state: { reported: { big } } }))).toEqual({
      code: 413,
      message: 'The payload exceeds the maximum size allowed',
    });
  });

  it('accepts a document exactly at the size limit', () => {
    // {"k":"…"} is 8 bytes of framing around the value
    const value = 'y'.repeat(100 - 8);
    expect(update(undefined, { state: { reported: { k: value } } }, T0, 100).next.version).toBe(1);
    expect(
      rejection(() => update(undefined, { state: { reported: { k: `${value}z` } } }, T0, 100)).code,
    ).toBe(413);
  });

  it('accepts six levels of nesting inside desired and rejects seven', () => {
    // desired itself plus six levels inside it
    expect(update(undefined, { state: { desired: nested(7) } }).next.version).toBe(1);
    expect(rejection(() => update(undefined, { state: { desired: nested(8) } }))).toEqual({
      code: 400,
      message: 'JSON contains too many levels of nesting; maximum is 6',
    });
  });

  it('rejects a clientToken longer than 64 bytes', () => {
    expect(rejection(() => parseUpdateRequest({ state: {}, clientToken: 'é'.repeat(33) }))).toEqual({
      code: 400,
      message: 'Invalid clientToken',
    });
  });

  it('rejects a state, desired or reported that is not an object', () => {
    expect(rejection(() => parseUpdateRequest({ state: 5 })).message).toBe('State node must be an object');
    expect(rejection(() => parseUpdateRequest({ state: { desired: [1] } })).message).toBe(
      'State node must be an object',
    );
  });

  it('rejects bytes that are not JSON and an empty payload', () => {
    expect(rejection(() => parseUpdateRequest(Buffer.from('{nope'))).message).toMatch(/^Invalid JSON/);
    expect(rejection(() => parseUpdateRequest(Buffer.from(''))).message).toBe('Missing update payload');
  });

  it('rejects a negative or fractional version', () => {
    expect(rejection(() => parseUpdateRequest({ state: {}, version: -1 })).code).toBe(400);
    expect(rejection(() => parseUpdateRequest({ state: {}, version: 1.5 })).code).toBe(400);
  });
});
