import { describe, expect, it } from 'vitest';
import { createConfigStore } from '../../../local-core/src/nucleus/config-store.ts';

function storeAt(start = 1_000) {
  let now = start;
  const store = createConfigStore(() => now);
  return { store, advance: (ms: number) => (now += ms) };
}

function record(store: ReturnType<typeof createConfigStore>, component: string, keyPath: string[] = []) {
  const changes: string[][] = [];
  store.subscribe(component, keyPath, (changed) => changes.push([...changed]));
  return changes;
}

describe('ConfigStore (nucleus/config-store)', () => {
  it('returns copies, so callers cannot change the stored configuration', () => {
    const { store } = storeAt();
    store.replace('C', { a: { b: 1 } });
    (store.get('C', ['a']) as { b: number }).b = 2;
    expect(store.get('C', ['a', 'b'])).toBe(1);
  });

  it('answers undefined for an unknown component or key', () => {
    const { store } = storeAt();
    store.replace('C', { a: null });
    expect([store.get('X', []), store.get('C', ['b']), store.get('C', ['a'])]).toEqual([
      undefined,
      undefined,
      null,
    ]);
  });

  it('fires one event per changed, added or removed leaf on replace, and none for unchanged ones', () => {
    const { store } = storeAt();
    store.replace('C', { keep: 1, change: 1, drop: { x: 1 }, list: [1, 2] });
    const changes = record(store, 'C');
    store.replace('C', { keep: 1, change: 2, add: { y: 1 }, list: [1, 2] });
    expect(changes).toEqual([['change'], ['drop'], ['add', 'y']]);
  });

  it('treats a list as one leaf', () => {
    const { store } = storeAt();
    store.replace('C', { list: [1, 2] });
    const changes = record(store, 'C');
    store.replace('C', { list: [1, 3] });
    expect(changes).toEqual([['list']]);
  });

  it('notifies only subscriptions whose key path contains the change', () => {
    const { store } = storeAt();
    store.replace('C', { a: { x: 1 }, b: { x: 1 } });
    const underA = record(store, 'C', ['a']);
    store.replace('C', { a: { x: 1 }, b: { x: 2 } });
    store.replace('C', { a: { x: 3 }, b: { x: 2 } });
    expect(underA).toEqual([['a', 'x']]);
  });

  it('merges an update into the node at the key path and creates missing containers', () => {
    const { store } = storeAt();
    store.replace('C', { a: { x: 1, y: 1 } });
    store.update('C', ['a'], { y: 2, z: { deep: true } }, 2_000);
    store.update('C', ['new', 'node'], { v: 1 }, 2_000);
    expect(store.get('C', [])).toEqual({ a: { x: 1, y: 2, z: { deep: true } }, new: { node: { v: 1 } } });
  });

  it('ignores leaves whose stored value is newer than the update, and reports the node as newer', () => {
    const { store } = storeAt();
    store.replace('C', { a: {} });
    store.update('C', ['a'], { v: 'fresh' }, 5_000);
    const changes = record(store, 'C');
    store.update('C', ['a'], { v: 'stale', w: 'new' }, 4_000);
    expect(store.get('C', ['a'])).toEqual({ v: 'fresh', w: 'new' });
    expect(changes).toEqual([['a', 'w']]);
    expect(store.modifiedAt('C', ['a'])).toBe(5_000);
  });

  it('stamps a container created by an update with the current time, as the nucleus does', () => {
    const { store } = storeAt(7_000);
    store.update('C', ['made'], { v: 1 }, 1_000);
    expect(store.modifiedAt('C', ['made'])).toBe(7_000);
  });

  it('replaces a leaf addressed directly by the key path', () => {
    const { store } = storeAt();
    store.replace('C', { port: 1 });
    const changes = record(store, 'C');
    store.update('C', ['port'], 2, 9_000);
    expect([store.get('C', ['port']), changes]).toEqual([2, [['port']]]);
  });

  it('matches keys case-insensitively and keeps the first spelling, as the nucleus CaseInsensitiveString does', () => {
    const { store } = storeAt();
    store.replace('C', { Net: { Host: 'a' } });
    const changes = record(store, 'C', ['NET']);
    store.update('C', ['net'], { HOST: 'b' }, 5_000);
    expect([store.get('C', ['nEt', 'hOsT']), store.get('C', []), changes]).toEqual([
      'b',
      { Net: { Host: 'b' } },
      [['Net', 'Host']],
    ]);
  });

  it('keeps a key named __proto__ as a plain key and never merges into Object.prototype', () => {
    const { store } = storeAt();
    store.replace('C', { a: 1 });
    store.update('C', [], JSON.parse('{"__proto__": {"polluted": "merge"}}'), 5_000);
    store.update('C', ['__proto__', 'inner'], JSON.parse('{"polluted": "path"}'), 5_000);
    expect([
      (Object.prototype as Record<string, unknown>).polluted,
      store.get('C', ['__proto__']),
      JSON.stringify(store.get('C', [])),
    ]).toEqual([
      undefined,
      { polluted: 'merge', inner: { polluted: 'path' } },
      '{"a":1,"__proto__":{"polluted":"merge","inner":{"polluted":"path"}}}',
    ]);
  });

  it('stops notifying after unsubscribe', () => {
    const { store } = storeAt();
    store.replace('C', { a: 1 });
    const changes: string[][] = [];
    const unsubscribe = store.subscribe('C', [], (changed) => changes.push([...changed]));
    unsubscribe();
    store.replace('C', { a: 2 });
    expect(changes).toEqual([]);
  });
});
