/**
 * The nucleus's `services.<name>.configuration` trees for one thing: values, per-node modification times
 * (as UpdateConfiguration's timestamp check needs them) and configuration-update listeners.
 * Objects are interior nodes; everything else (arrays included) is a leaf, as in the nucleus's Topic/Topics.
 * Keys are matched case-insensitively and keep the spelling they were created with (CaseInsensitiveString).
 * Never hands out its own objects: every read is a deep copy.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ConfigStore } from './services.ts';

type Tree = Record<string, unknown>;
type Listener = (changed: readonly string[]) => void;

interface ComponentState {
  tree: Tree;
  /** Modification time (ms) of every node, keyed by its joined path; the root is ''. */
  modtimes: Map<string, number>;
  listeners: Set<{ keyPath: readonly string[]; listener: Listener }>;
}

const SEPARATOR = '\u0000';

function isInterior(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function copy<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

function keyOf(path: readonly string[]): string {
  return path.join(SEPARATOR);
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return (
    prefix.length <= path.length &&
    prefix.every((segment, index) => path[index]?.toLowerCase() === segment.toLowerCase())
  );
}

/** The key of `node` that equals `key` ignoring case (the stored spelling), or `key` itself. */
function storedKey(node: Tree, key: string): string {
  if (Object.hasOwn(node, key)) return key;
  const wanted = key.toLowerCase();
  return Object.keys(node).find((candidate) => candidate.toLowerCase() === wanted) ?? key;
}

/** `node[key]` if `node` has it as an own key (never an inherited value such as `__proto__`). */
function own(node: Tree, key: string): unknown {
  return Object.hasOwn(node, key) ? node[key] : undefined;
}

/** Sets `node[key]` as an own data property: a key named `__proto__` is a plain key, as in the nucleus. */
function setOwn(node: Tree, key: string, value: unknown): void {
  Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Leaf or removed-node paths where `before` and `after` differ, relative to `base`. */
function diff(before: unknown, after: unknown, base: readonly string[], out: string[][]): void {
  if (isInterior(before) && isInterior(after)) {
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) out.push([...base, key]);
      else diff(before[key], after[key], [...base, key], out);
    }
    for (const key of Object.keys(after)) {
      if (!Object.hasOwn(before, key)) collectLeaves(after[key], [...base, key], out);
    }
    return;
  }
  if (isInterior(after)) {
    collectLeaves(after, base, out);
    return;
  }
  if (!isDeepStrictEqual(before, after)) out.push([...base]);
}

function collectLeaves(value: unknown, base: readonly string[], out: string[][]): void {
  if (isInterior(value)) {
    for (const [key, child] of Object.entries(value)) collectLeaves(child, [...base, key], out);
    return;
  }
  out.push([...base]);
}

/** Creates an empty store; components appear on their first replace() or update(). */
export function createConfigStore(now: () => number = Date.now): ConfigStore & {
  /** Modification time (ms) of the node at `keyPath`, or undefined when absent. */
  modifiedAt(component: string, keyPath: readonly string[]): number | undefined;
  /** Names of every component with a configuration. */
  components(): string[];
} {
  const states = new Map<string, ComponentState>();

  function state(component: string): ComponentState {
    let found = states.get(component);
    if (!found) {
      found = { tree: {}, modtimes: new Map([['', now()]]), listeners: new Set() };
      states.set(component, found);
    }
    return found;
  }

  function nodeAt(tree: Tree, keyPath: readonly string[]): unknown {
    let node: unknown = tree;
    for (const segment of keyPath) {
      if (!isInterior(node)) return undefined;
      const key = storedKey(node, segment);
      if (!Object.hasOwn(node, key)) return undefined;
      node = node[key];
    }
    return node;
  }

  /** `keyPath` with every segment that exists spelled as stored. */
  function canonical(tree: Tree, keyPath: readonly string[]): string[] {
    const out: string[] = [];
    let node: unknown = tree;
    for (const segment of keyPath) {
      const key = isInterior(node) ? storedKey(node, segment) : segment;
      out.push(key);
      node = isInterior(node) ? own(node, key) : undefined;
    }
    return out;
  }

  function touch(current: ComponentState, path: readonly string[], time: number): void {
    for (let length = path.length; length >= 0; length -= 1) {
      const key = keyOf(path.slice(0, length));
      current.modtimes.set(key, Math.max(current.modtimes.get(key) ?? 0, time));
    }
  }

  function forget(current: ComponentState, path: readonly string[]): void {
    const prefix = keyOf(path);
    for (const key of [...current.modtimes.keys()]) {
      if (key === prefix || key.startsWith(prefix + SEPARATOR)) current.modtimes.delete(key);
    }
  }

  function notify(current: ComponentState, changed: readonly (readonly string[])[]): void {
    for (const path of changed) {
      for (const { keyPath, listener } of [...current.listeners]) {
        if (startsWith(path, keyPath) || startsWith(keyPath, path)) listener([...path]);
      }
    }
  }

  /** MERGE as the nucleus's updateFromMap does it: per-leaf, skipping leaves newer than `time`. */
  function merge(
    current: ComponentState,
    target: Tree,
    base: readonly string[],
    value: Tree,
    time: number,
    changed: string[][],
  ): void {
    for (const [rawKey, incoming] of Object.entries(value)) {
      const key = storedKey(target, rawKey);
      const path = [...base, key];
      const existing = own(target, key);
      const existingTime = current.modtimes.get(keyOf(path));
      if (isInterior(incoming)) {
        if (!isInterior(existing)) {
          if (existing !== undefined && existingTime !== undefined && time < existingTime) continue;
          if (existing !== undefined) forget(current, path);
          setOwn(target, key, {});
          touch(current, path, time);
        }
        merge(current, own(target, key) as Tree, path, incoming, time, changed);
        continue;
      }
      if (existing !== undefined && existingTime !== undefined && time < existingTime) continue;
      if (isInterior(existing) || !isDeepStrictEqual(existing, incoming) || !Object.hasOwn(target, key)) {
        if (isInterior(existing)) forget(current, path);
        setOwn(target, key, copy(incoming));
        changed.push(path);
      }
      touch(current, path, time);
    }
  }

  return {
    get(component, keyPath) {
      const current = states.get(component);
      if (!current) return undefined;
      return copy(nodeAt(current.tree, keyPath));
    },

    replace(component, configuration) {
      const current = state(component);
      const next = copy(configuration);
      const changed: string[][] = [];
      diff(current.tree, next, [], changed);
      current.tree = next;
      const time = now();
      for (const path of changed) {
        forget(current, path);
        if (nodeAt(next, path) !== undefined) touch(current, path, time);
      }
      notify(current, changed);
    },

    update(component, requestedPath, valueToMerge, timestampMs) {
      const current = state(component);
      const keyPath = canonical(current.tree, requestedPath);
      const changed: string[][] = [];
      const node = nodeAt(current.tree, keyPath);
      if (node === undefined || isInterior(node)) {
        let time = timestampMs;
        if (node === undefined) {
          // A newly created container takes the current time, as the nucleus does.
          time = now();
          let target = current.tree;
          const walked: string[] = [];
          for (const segment of keyPath) {
            walked.push(segment);
            if (!isInterior(own(target, segment))) {
              if (own(target, segment) !== undefined) forget(current, walked);
              setOwn(target, segment, {});
              touch(current, walked, time);
            }
            target = own(target, segment) as Tree;
          }
        }
        if (isInterior(valueToMerge)) {
          merge(current, nodeAt(current.tree, keyPath) as Tree, keyPath, valueToMerge, time, changed);
        }
      } else {
        const parentPath = keyPath.slice(0, -1);
        const leafKey = keyPath[keyPath.length - 1] as string;
        merge(
          current,
          nodeAt(current.tree, parentPath) as Tree,
          parentPath,
          { [leafKey]: valueToMerge },
          timestampMs,
          changed,
        );
      }
      notify(current, changed);
    },

    subscribe(component, keyPath, listener) {
      const entry = { keyPath: [...keyPath], listener };
      const current = state(component);
      current.listeners.add(entry);
      return () => {
        current.listeners.delete(entry);
      };
    },

    modifiedAt(component, keyPath) {
      const current = states.get(component);
      if (!current || nodeAt(current.tree, keyPath) === undefined) return undefined;
      return current.modtimes.get(keyOf(canonical(current.tree, keyPath)));
    },

    components() {
      return [...states.keys()];
    },
  };
}
