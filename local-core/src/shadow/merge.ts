/**
 * The three-way merge of a synchronised shadow (ShadowManager's full sync): what changed on one side
 * since the last synchronised state wins; where both sides changed the same value, the cloud wins for
 * `desired` and the device wins for `reported` (betweenDeviceAndCloud). Objects merge per key; arrays
 * and scalars are whole values.
 */
import { isObject, type Json, type JsonObject, jsonEquals, type StoredShadow } from './document.ts';

export type Side = 'local' | 'cloud';
type State = StoredShadow['state'];

/** `node[key]` when it is an own key: a `constructor` key absent on one side is absent, not inherited. */
function own(node: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(node, key) ? node[key] : undefined;
}

function mergeValue(
  base: Json | undefined,
  local: Json | undefined,
  cloud: Json | undefined,
  winner: Side,
): Json | undefined {
  if (jsonEquals(local, cloud)) return local;
  if (jsonEquals(local, base)) return cloud;
  if (jsonEquals(cloud, base)) return local;
  if (isObject(local) && isObject(cloud)) {
    return mergeObjects(isObject(base) ? base : undefined, local, cloud, winner);
  }
  return winner === 'local' ? local : cloud;
}

function mergeObjects(
  base: JsonObject | undefined,
  local: JsonObject,
  cloud: JsonObject,
  winner: Side,
): JsonObject | undefined {
  const result: JsonObject = {};
  const keys = new Set([...Object.keys(local), ...Object.keys(cloud)]);
  for (const key of keys) {
    const value = mergeValue(base && own(base, key), own(local, key), own(cloud, key), winner);
    if (value !== undefined) {
      // defineProperty: a `__proto__` key stays a plain key.
      Object.defineProperty(result, key, { value, writable: true, enumerable: true, configurable: true });
    }
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

/** Merges both sides' states against the last synchronised state `base`. */
export function mergeShadowStates(base: State | undefined, local: State, cloud: State): State {
  const merged: State = {};
  const desired = mergeValue(base?.desired, local.desired, cloud.desired, 'cloud');
  const reported = mergeValue(base?.reported, local.reported, cloud.reported, 'local');
  if (isObject(desired ?? null) && Object.keys(desired as JsonObject).length > 0) {
    merged.desired = desired as JsonObject;
  }
  if (isObject(reported ?? null) && Object.keys(reported as JsonObject).length > 0) {
    merged.reported = reported as JsonObject;
  }
  return merged;
}
