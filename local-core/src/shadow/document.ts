/**
 * The shadow document engine shared by the local ShadowManager and the cloud shadow service: request
 * validation, the merge (null deletes, objects recursive, arrays whole values), per-leaf metadata
 * timestamps, delta, version checks, the size and nesting limits, and the response shapes — as
 * aws.greengrass.ShadowManager and the AWS IoT Device Shadow service compute them. Pure: no I/O.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** What is stored for one shadow (as SM stores it: state, metadata, version). */
export interface StoredShadow {
  state: { desired?: JsonObject; reported?: JsonObject };
  metadata: { desired?: JsonObject; reported?: JsonObject };
  version: number;
}

/** The HTTP-style code of a rejected request, with the IPC error the nucleus sends for it. */
export type RejectCode = 400 | 401 | 404 | 409 | 413 | 500;

/** A rejected shadow request: `code` and `message` as `/rejected` carries them. */
export class ShadowRequestError extends Error {
  constructor(
    readonly code: RejectCode,
    message: string,
  ) {
    super(message);
    this.name = 'ShadowRequestError';
  }

  /** The modeled IPC error ShadowManager answers with. */
  get ipcErrorCode(): string {
    switch (this.code) {
      case 400:
      case 413:
        return 'InvalidArgumentsError';
      case 401:
        return 'UnauthorizedError';
      case 404:
        return 'ResourceNotFoundError';
      case 409:
        return 'ConflictError';
      default:
        return 'ServiceError';
    }
  }
}

/** Shadow and thing names: `[a-zA-Z0-9:_-]+` (SM `Constants.SHADOW_PATTERN`). */
export const NAME_PATTERN = /^[a-zA-Z0-9:_-]+$/;
export const MAX_THING_NAME_LENGTH = 128;
export const MAX_SHADOW_NAME_LENGTH = 64;
export const MAX_CLIENT_TOKEN_BYTES = 64;
/** ShadowManager's default and maximum `shadowDocumentSizeLimitBytes`; the cloud limit is 8 KB. */
export const DEFAULT_DOCUMENT_SIZE = 8192;
export const MAX_DOCUMENT_SIZE = 30720;
/** Levels counted from the `state` node: state, desired/reported, then at most 6 inside them. */
const MAX_STATE_DEPTH = 8;

export const MESSAGES = {
  invalidVersion: 'Invalid version',
  depth: 'JSON contains too many levels of nesting; maximum is 6',
  stateNotObject: 'State node must be an object',
  clientToken: 'Invalid clientToken',
  unauthorized: 'Unauthorized',
  missingPayload: 'Missing update payload',
  tooLarge: 'The payload exceeds the maximum size allowed',
  conflict: 'Version conflict',
  internal: 'Internal service failure',
} as const;

export function shadowNotFoundMessage(shadowName: string): string {
  return `No shadow exists with name: ${shadowName === '' ? 'Unnamed Shadow' : shadowName}`;
}

/** Throws a 400 unless `thingName` and `shadowName` (`''` = classic) are valid names. */
export function validateNames(thingName: unknown, shadowName: unknown): void {
  if (typeof thingName !== 'string' || thingName === '') {
    throw new ShadowRequestError(400, 'Invalid thing name. ThingName is missing');
  }
  if (thingName.length > MAX_THING_NAME_LENGTH) {
    throw new ShadowRequestError(
      400,
      `Invalid thing name. ThingName has a maximum length of ${MAX_THING_NAME_LENGTH}`,
    );
  }
  if (!NAME_PATTERN.test(thingName)) {
    throw new ShadowRequestError(
      400,
      `Invalid thing name. ThingName must match pattern ${NAME_PATTERN.source}`,
    );
  }
  if (shadowName === undefined || shadowName === null || shadowName === '') return;
  if (typeof shadowName !== 'string')
    throw new ShadowRequestError(400, 'Invalid shadow name. Expected a string');
  if (shadowName.length > MAX_SHADOW_NAME_LENGTH) {
    throw new ShadowRequestError(
      400,
      `Invalid shadow name. ShadowName has a maximum length of ${MAX_SHADOW_NAME_LENGTH}`,
    );
  }
  if (!NAME_PATTERN.test(shadowName)) {
    throw new ShadowRequestError(
      400,
      `Invalid shadow name. ShadowName must match pattern ${NAME_PATTERN.source}`,
    );
  }
}

/** The topic prefix (and accessControl resource) of a shadow. */
export function shadowTopicPrefix(thingName: string, shadowName: string): string {
  return shadowName === ''
    ? `$aws/things/${thingName}/shadow`
    : `$aws/things/${thingName}/shadow/name/${shadowName}`;
}

/** Splits a `$aws/things/<thing>/shadow[/name/<shadow>]/<op>[/<result>]` topic. */
export function parseShadowTopic(
  topic: string,
): { thingName: string; shadowName: string; operation: string; suffix: string | undefined } | undefined {
  const m = /^\$aws\/things\/([^/]+)\/shadow(?:\/name\/([^/]+))?\/(get|update|delete)(?:\/([a-z]+))?$/.exec(
    topic,
  );
  if (!m) return undefined;
  return { thingName: m[1]!, shadowName: m[2] ?? '', operation: m[3]!, suffix: m[4] };
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `node[key]` when `node` has that own key: `constructor` or `valueOf` in a document are never inherited values. */
function own(node: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(node, key) ? node[key] : undefined;
}

/** Sets `node[key]` as an own property, so a `__proto__` key is kept as a plain key, as JSON has it. */
function put(node: JsonObject, key: string, value: Json): void {
  Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true });
}

/** SM's `isNullOrMissing`: null, absent or an empty object. */
function isNullish(value: Json | undefined): value is null | undefined {
  return value === undefined || value === null || (isObject(value) && Object.keys(value).length === 0);
}

function nullIfEmpty(value: Json | undefined): JsonObject | undefined {
  return isNullish(value) || !isObject(value) ? undefined : value;
}

/** The byte length of `value` serialised compactly (how the size limit is measured). */
export function jsonBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** The state size the limit applies to: serialised desired + reported, metadata excluded. */
export function stateSize(state: StoredShadow['state']): number {
  return jsonBytes(state.desired) + jsonBytes(state.reported);
}

/** A parsed, validated update request. */
export interface UpdateRequest {
  state: { desired?: JsonObject | null; reported?: JsonObject | null };
  clientToken?: string;
  version?: number;
}

/**
 * Parses and validates an update request payload (bytes or a parsed value) against SM's update
 * schema: an object with `state` (object or null; desired/reported object or null), `clientToken`
 * (string ≤ 64 bytes), `version` (number ≥ 0), nesting ≤ 6 inside desired/reported. A user `delta`
 * is dropped. Does not check the version against the current document.
 */
export function parseUpdateRequest(payload: Uint8Array | string | unknown): UpdateRequest {
  let raw: unknown = payload;
  if (payload instanceof Uint8Array || typeof payload === 'string') {
    const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
    if (text.trim() === '') throw new ShadowRequestError(400, MESSAGES.missingPayload);
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ShadowRequestError(400, `Invalid JSON\n${(error as Error).message}`);
    }
  }
  if (raw === undefined || raw === null) throw new ShadowRequestError(400, MESSAGES.missingPayload);
  if (!isObject(raw as Json)) throw new ShadowRequestError(400, 'Invalid JSON\nExpected an object');
  const doc = raw as JsonObject;
  if (!('state' in doc))
    throw new ShadowRequestError(400, 'Invalid JSON\nobject has missing required properties (["state"])');
  const stateNode = doc.state;
  if (stateNode !== null && !isObject(stateNode)) throw new ShadowRequestError(400, MESSAGES.stateNotObject);
  const request: UpdateRequest = { state: {} };
  if ('clientToken' in doc) {
    const token = doc.clientToken;
    if (typeof token !== 'string' || Buffer.byteLength(token, 'utf8') > MAX_CLIENT_TOKEN_BYTES) {
      throw new ShadowRequestError(400, MESSAGES.clientToken);
    }
    request.clientToken = token;
  }
  if ('version' in doc && doc.version !== null) {
    const version = doc.version;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
      throw new ShadowRequestError(400, 'Invalid JSON\nInvalid version. Expected a number >= 0');
    }
    request.version = version;
  }
  if (stateNode === null) {
    request.state = { desired: null, reported: null };
    return request;
  }
  for (const section of ['desired', 'reported', 'delta'] as const) {
    const value = stateNode[section];
    if (value !== undefined && value !== null && !isObject(value)) {
      throw new ShadowRequestError(400, MESSAGES.stateNotObject);
    }
  }
  if (depthOf(stateNode) > MAX_STATE_DEPTH) throw new ShadowRequestError(400, MESSAGES.depth);
  if ('desired' in stateNode) request.state.desired = stateNode.desired as JsonObject | null;
  if ('reported' in stateNode) request.state.reported = stateNode.reported as JsonObject | null;
  return request;
}

/** Levels of objects and arrays, counting `value` itself (SM `calculateDepth`). */
export function depthOf(value: Json): number {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child));
    if (deepest > MAX_STATE_DEPTH) break;
  }
  return 1 + deepest;
}

/** Drops nulls and objects that become empty (SM `createMergeTree`); `undefined` when nothing is left. */
function mergeTree(node: JsonObject): JsonObject | undefined {
  const result: JsonObject = {};
  let sawNull = false;
  for (const [key, value] of Object.entries(node)) {
    if (isNullish(value)) {
      sawNull = true;
      continue;
    }
    if (isObject(value)) {
      const child = mergeTree(value);
      if (child === undefined) sawNull = true;
      else put(result, key, child);
      continue;
    }
    put(result, key, value);
  }
  return sawNull && Object.keys(result).length === 0 ? undefined : result;
}

/** Merges `patch` into `target` in place: null deletes, objects recurse, anything else replaces. */
function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    const original = own(target, key);
    if (isNullish(value)) {
      if (!isNullish(original)) delete target[key];
      continue;
    }
    if (isNullish(original)) {
      if (isObject(value)) {
        const child = mergeTree(value);
        if (child !== undefined) put(target, key, child);
      } else {
        put(target, key, structuredClone(value));
      }
      continue;
    }
    if (isObject(original) && isObject(value)) {
      mergeInto(original, value);
      continue;
    }
    const replacement = isObject(value) ? mergeTree(value) : structuredClone(value);
    if (replacement === undefined) delete target[key];
    else put(target, key, replacement);
  }
}

function mergeSection(current: JsonObject | undefined, patch: JsonObject | null): JsonObject | undefined {
  if (isNullish(patch)) return undefined;
  if (current === undefined) return nullIfEmpty(mergeTree(patch));
  const copy = structuredClone(current);
  mergeInto(copy, patch);
  return nullIfEmpty(copy);
}

/** The metadata of a request patch: every leaf (nulls included) becomes `{timestamp}`; arrays per element. */
function metadataPatch(value: Json, timestamp: number): Json {
  if (Array.isArray(value)) return value.map((v) => metadataPatch(v, timestamp));
  if (isObject(value)) {
    const result: JsonObject = {};
    for (const [key, child] of Object.entries(value)) put(result, key, metadataPatch(child, timestamp));
    return result;
  }
  return { timestamp };
}

function isMetadataLeaf(node: Json | undefined): boolean {
  return isObject(node) && Object.keys(node).length === 1 && typeof node.timestamp === 'number';
}

/** Merges a metadata patch into the stored metadata, keeping only what the merged state still has. */
function mergeMetadata(state: JsonObject, metadata: JsonObject, patch: JsonObject): void {
  for (const [key, patchNode] of Object.entries(patch)) {
    const stateNode = own(state, key);
    if (isNullish(stateNode)) {
      delete metadata[key];
      continue;
    }
    const existing = own(metadata, key);
    if (
      Array.isArray(patchNode) ||
      isMetadataLeaf(patchNode) ||
      existing === undefined ||
      isMetadataLeaf(existing) ||
      Array.isArray(existing) ||
      !isObject(stateNode)
    ) {
      put(metadata, key, pruneMetadata(stateNode, structuredClone(patchNode)));
      continue;
    }
    if (isObject(existing) && isObject(patchNode)) mergeMetadata(stateNode, existing, patchNode);
  }
}

/** Keeps only the metadata entries whose state still exists (a patch's nulls were dropped from state). */
function pruneMetadata(state: Json, metadata: Json): Json {
  if (!isObject(state) || !isObject(metadata) || isMetadataLeaf(metadata)) return metadata;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(metadata)) {
    const stateChild = own(state, key);
    if (stateChild === undefined) continue;
    put(result, key, pruneMetadata(stateChild, child));
  }
  return result;
}

/** SM `calculateDelta(reported, desired)`: the desired fields that differ from or are missing in reported. */
export function computeDelta(
  desired: JsonObject | undefined,
  reported: JsonObject | undefined,
): JsonObject | undefined {
  if (desired === undefined) return undefined;
  if (reported === undefined) return desired;
  const delta = diffObjects(reported, desired);
  return Object.keys(delta).length > 0 ? delta : undefined;
}

function diffValues(reported: Json, desired: Json): Json | undefined {
  if (isObject(reported) && isObject(desired)) {
    const result = diffObjects(reported, desired);
    return Object.keys(result).length > 0 ? result : undefined;
  }
  if (typeof reported === 'number' && typeof desired === 'number') {
    return reported === desired ? undefined : desired;
  }
  return jsonEquals(reported, desired) ? undefined : desired;
}

function diffObjects(reported: JsonObject, desired: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, desiredValue] of Object.entries(desired)) {
    const reportedValue = own(reported, key);
    if (isNullish(desiredValue)) {
      if (!isNullish(reportedValue)) put(result, key, null);
      continue;
    }
    if (isNullish(reportedValue)) {
      put(result, key, desiredValue);
      continue;
    }
    const diff = diffValues(reportedValue, desiredValue);
    if (diff !== undefined) put(result, key, diff);
  }
  return result;
}

/** Deep equality of JSON values (object key order ignored). */
export function jsonEquals(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEquals(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && jsonEquals(a[k], b[k]));
  }
  return false;
}

/** The metadata of the delta, taken from desired's metadata along the delta's shape. */
function deltaMetadata(delta: Json, metadata: Json | undefined): Json | undefined {
  if (metadata === undefined) return undefined;
  if (!isObject(delta) || isMetadataLeaf(metadata)) {
    if (Array.isArray(delta) && Array.isArray(metadata)) {
      return delta.map((d, i) => deltaMetadata(d, metadata[i]) ?? null);
    }
    return metadata;
  }
  if (!isObject(metadata)) return metadata;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(delta)) {
    const m = deltaMetadata(child, own(metadata, key));
    if (m !== undefined) put(result, key, m);
  }
  return result;
}

/** The outcome of an accepted update: the new stored shadow and every message to publish. */
export interface UpdateOutcome {
  next: StoredShadow;
  /** The response and `/update/accepted` payload. */
  accepted: JsonObject;
  /** The `/update/delta` payload, when desired and reported differ after the update. */
  delta: JsonObject | undefined;
  /** The `/update/documents` payload. */
  documents: JsonObject;
}

export interface UpdateOptions {
  /** Epoch seconds for metadata and `timestamp`. */
  now: number;
  /** Maximum serialised desired + reported bytes. */
  sizeLimit: number;
}

/**
 * Applies a validated update to `current` (undefined when the shadow does not exist yet). Throws a
 * ShadowRequestError: 409 when `version` is supplied and differs from the current version, 400
 * "Invalid version" when a new shadow is given a version other than 1, 413 over the size limit.
 */
export function applyUpdate(
  current: StoredShadow | undefined,
  request: UpdateRequest,
  options: UpdateOptions,
): UpdateOutcome {
  if (request.version !== undefined) {
    if (current === undefined) {
      if (request.version !== 1) throw new ShadowRequestError(400, MESSAGES.invalidVersion);
    } else if (request.version !== current.version) {
      throw new ShadowRequestError(409, MESSAGES.conflict);
    }
  }
  const base: StoredShadow = current ?? { state: {}, metadata: {}, version: 0 };
  const next: StoredShadow = structuredClone(base);
  const patchState: JsonObject = {};
  for (const section of ['desired', 'reported'] as const) {
    if (!(section in request.state)) continue;
    const patch = request.state[section] ?? null;
    patchState[section] = patch;
    const merged = mergeSection(next.state[section], patch);
    if (merged === undefined) delete next.state[section];
    else next.state[section] = merged;
  }
  if (stateSize(next.state) > options.sizeLimit) throw new ShadowRequestError(413, MESSAGES.tooLarge);

  const metaPatch = metadataPatch(patchState, options.now) as JsonObject;
  for (const section of ['desired', 'reported'] as const) {
    const stateSection = next.state[section];
    const sectionPatch = metaPatch[section];
    if (sectionPatch === undefined) continue;
    if (stateSection === undefined) {
      delete next.metadata[section];
      continue;
    }
    const target = next.metadata[section] ?? {};
    if (isObject(sectionPatch)) mergeMetadata(stateSection, target, sectionPatch);
    next.metadata[section] = target;
  }
  next.version = base.version + 1;

  const accepted: JsonObject = {
    state: patchState,
    metadata: metaPatch,
    version: next.version,
    timestamp: options.now,
  };
  if (request.clientToken !== undefined) accepted.clientToken = request.clientToken;

  const delta = computeDelta(next.state.desired, next.state.reported);
  let deltaMessage: JsonObject | undefined;
  if (delta !== undefined) {
    deltaMessage = {
      state: delta,
      metadata: (deltaMetadata(delta, next.metadata.desired) ?? {}) as Json,
      version: next.version,
      timestamp: options.now,
    };
    if (request.clientToken !== undefined) deltaMessage.clientToken = request.clientToken;
  }

  const documents: JsonObject = {
    ...(current === undefined ? {} : { previous: documentView(current) }),
    current: documentView(next),
    timestamp: options.now,
  };
  if (request.clientToken !== undefined) documents.clientToken = request.clientToken;
  return { next, accepted, delta: deltaMessage, documents };
}

function documentView(shadow: StoredShadow): JsonObject {
  return {
    state: structuredClone(shadow.state) as JsonObject,
    metadata: structuredClone(shadow.metadata) as JsonObject,
    version: shadow.version,
  };
}

/** The GetThingShadow response / `/get/accepted` payload: state with delta, metadata, version, timestamp. */
export function getResponse(shadow: StoredShadow, now: number, clientToken?: string): JsonObject {
  const state: JsonObject = structuredClone(shadow.state) as JsonObject;
  const delta = computeDelta(shadow.state.desired, shadow.state.reported);
  if (delta !== undefined) state.delta = structuredClone(delta);
  const metadata: JsonObject = structuredClone(shadow.metadata) as JsonObject;
  const response: JsonObject = { state, metadata, version: shadow.version, timestamp: now };
  if (clientToken !== undefined) response.clientToken = clientToken;
  return response;
}

/** The `/delete/accepted` payload (the deleted version). */
export function deleteResponse(shadow: StoredShadow, now: number, clientToken?: string): JsonObject {
  const response: JsonObject = { version: shadow.version, timestamp: now };
  if (clientToken !== undefined) response.clientToken = clientToken;
  return response;
}

/** A `/rejected` payload. */
export function rejectedMessage(error: ShadowRequestError, now: number, clientToken?: string): JsonObject {
  const message: JsonObject = { code: error.code, message: error.message, timestamp: now };
  if (clientToken !== undefined) message.clientToken = clientToken;
  return message;
}

/** Reads a clientToken from a raw request for `/rejected` echoes, when one is usable. */
export function clientTokenOf(payload: unknown): string | undefined {
  let raw = payload;
  if (payload instanceof Uint8Array || typeof payload === 'string') {
    try {
      raw = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
    } catch {
      return undefined;
    }
  }
  if (!isObject(raw as Json)) return undefined;
  const token = (raw as JsonObject).clientToken;
  return typeof token === 'string' && Buffer.byteLength(token, 'utf8') <= MAX_CLIENT_TOKEN_BYTES
    ? token
    : undefined;
}

/**
 * The smallest update patch turning `from` into `to` for one section: changed leaves, nulls for
 * removed keys, arrays as whole values. Empty when equal.
 */
export function diffPatch(from: JsonObject | undefined, to: JsonObject | undefined): JsonObject {
  const result: JsonObject = {};
  const a = from ?? {};
  const b = to ?? {};
  for (const key of Object.keys(a)) if (!Object.hasOwn(b, key)) put(result, key, null);
  for (const [key, value] of Object.entries(b)) {
    const old = own(a, key);
    if (old !== undefined && jsonEquals(old, value)) continue;
    if (isObject(old) && isObject(value)) {
      const child = diffPatch(old, value);
      if (Object.keys(child).length > 0) put(result, key, child);
    } else {
      put(result, key, structuredClone(value));
    }
  }
  return result;
}
