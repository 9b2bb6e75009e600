/**
 * Component configuration as a deployment resolves it (NUC KernelConfigResolver.resolveConfigurationToApply):
 * the running configuration, minus the reset pointers, with the recipe's defaults merged underneath
 * (they never overwrite a value set by a deployment or UpdateConfiguration), then the deployment's merge.
 * Pure functions: no I/O, inputs are never mutated.
 */

export type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as JsonObject);
  const kb = Object.keys(b as JsonObject);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as JsonObject)[k], (b as JsonObject)[k]));
}

export { deepEqual };

/** Parses an RFC 6901 JSON pointer; `""` is the whole document. Throws on anything else not starting with `/`. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new Error(`expected a JSON pointer starting with "/" or "" (got ${JSON.stringify(pointer)})`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The node at `path`, or undefined. */
export function nodeAt(root: unknown, path: readonly string[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      node = node[Number(key)];
    } else if (isObject(node) && Object.hasOwn(node, key)) {
      node = node[key];
    } else {
      return undefined;
    }
  }
  return node;
}

/** Deep merge as the nucleus merges a deployment's `merge`: objects merge, everything else (lists, nulls) replaces. */
export function mergeUpdate(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const existing = out[key];
    out[key] = isObject(value) && isObject(existing) ? mergeUpdate(existing, value) : structuredClone(value);
  }
  return out;
}

/**
 * Merges recipe defaults underneath `target`, as the nucleus does with timestamp 1: a missing key gets the
 * default; a leaf still holding the previous recipe's default (also timestamp 1) takes the new default; a
 * value set by a deployment or UpdateConfiguration is kept; keys the new defaults no longer have stay.
 */
export function mergeDefaults(
  target: JsonObject,
  defaults: JsonObject,
  previousDefaults: unknown,
): JsonObject {
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(defaults)) {
    const previous = isObject(previousDefaults) ? previousDefaults[key] : undefined;
    if (!Object.hasOwn(out, key)) {
      out[key] = structuredClone(value);
    } else if (isObject(value) && isObject(out[key])) {
      out[key] = mergeDefaults(out[key] as JsonObject, value, previous);
    } else if (previous !== undefined && !isObject(previous) && deepEqual(out[key], previous)) {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

function removeAt(root: JsonObject, path: readonly string[]): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined || !Object.hasOwn(root, head)) return root;
  const out: JsonObject = { ...root };
  if (rest.length === 0) {
    delete out[head];
    return out;
  }
  const child = out[head];
  if (isObject(child)) out[head] = removeAt(child, rest);
  return out;
}

/** A deployment's `configurationUpdate` for one component (CreateDeployment's shape). */
export interface ConfigurationUpdate {
  /** A serialized JSON object. */
  readonly merge?: string | undefined;
  /** JSON pointers reset to their default before the merge; `""` resets everything. */
  readonly reset?: readonly string[] | undefined;
}

/** Parses `merge`; throws naming the problem when it is not a serialized JSON object. */
export function parseMerge(merge: string | undefined): JsonObject | undefined {
  if (merge === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(merge);
  } catch (cause) {
    throw new Error(`expected a serialized JSON object (${String(cause)})`);
  }
  if (!isObject(value)) throw new Error(`expected a serialized JSON object (got ${JSON.stringify(value)})`);
  return value;
}

/**
 * The configuration a deployment gives a component.
 * @param current the running configuration, or undefined on first install
 * @param previousDefaults the running version's DefaultConfiguration (undefined on first install)
 * @param defaults the deployed version's DefaultConfiguration
 */
export function resolveConfiguration(
  current: JsonObject | undefined,
  previousDefaults: JsonObject | undefined,
  defaults: JsonObject,
  update: ConfigurationUpdate | undefined,
): JsonObject {
  let config: JsonObject = structuredClone(current ?? {});
  for (const pointer of update?.reset ?? []) {
    const path = parsePointer(pointer);
    if (path.length === 0) {
      config = {};
      break;
    }
    // The nucleus refuses to reset a single list element; it logs and skips the pointer.
    if (path.some((p) => /^\d+$/.test(p) || p === '-') && Array.isArray(nodeAt(config, path.slice(0, -1))))
      continue;
    config = removeAt(config, path);
  }
  config = mergeDefaults(config, defaults, previousDefaults);
  const merge = parseMerge(update?.merge);
  return merge === undefined ? config : mergeUpdate(config, merge);
}
