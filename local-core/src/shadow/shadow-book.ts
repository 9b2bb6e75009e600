/**
 * A set of shadows (one device's local shadows, or the cloud's copy of every thing's shadows) with
 * the shadow operations and their notifications. Owns the durable JSON file they live in (written
 * atomically: temp file, fsync, rename, fsync the folder); a request is answered only after its
 * change is durable. Knows nothing about IPC, HTTP or MQTT: callers pass a publisher.
 */

import type { FileSystem } from '../../../components/shared/ports/index.ts';
import { writeFileDurably } from '../../../components/shared/runtime/durable-file.ts';
import {
  applyUpdate,
  clientTokenOf,
  deleteResponse,
  getResponse,
  type JsonObject,
  parseUpdateRequest,
  rejectedMessage,
  ShadowRequestError,
  type StoredShadow,
  shadowNotFoundMessage,
  shadowTopicPrefix,
  validateNames,
} from './document.ts';

/** What changed, and who changed it (`origin` is the caller's tag, e.g. `sync`). */
export interface ShadowChange {
  thingName: string;
  shadowName: string;
  kind: 'update' | 'delete';
  origin: string | undefined;
}

export interface ShadowBookOptions {
  /** The durable file, or `undefined` to keep shadows in memory only. */
  file: string | undefined;
  fs: FileSystem;
  /** Current maximum desired + reported bytes. */
  sizeLimit: () => number;
  /** Wall clock in epoch milliseconds. */
  now: () => number;
  /** Publishes a notification (`…/update/accepted`, `…/delta`, …) with its JSON payload. */
  publish: (topic: string, payload: JsonObject) => void;
}

interface FileContent {
  format: 1;
  shadows: Record<string, StoredShadow>;
  aux: Record<string, unknown>;
}

const SEP = '\u0000';
const keyOf = (thingName: string, shadowName: string) => `${thingName}${SEP}${shadowName}`;

export class ShadowBook {
  private shadows = new Map<string, StoredShadow>();
  /** Extra state persisted with the shadows (the sync bases). */
  aux: Record<string, unknown> = {};
  private readonly listeners = new Set<(change: ShadowChange) => void>();
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(private readonly options: ShadowBookOptions) {}

  /** Loads the durable file; a missing file is an empty book. */
  async load(): Promise<void> {
    const { file, fs } = this.options;
    if (file === undefined) return;
    const bytes = await fs.readFile(file);
    if (bytes === undefined) return;
    const content = JSON.parse(Buffer.from(bytes).toString('utf8')) as FileContent;
    this.shadows = new Map(Object.entries(content.shadows ?? {}));
    this.aux = content.aux ?? {};
  }

  onChange(listener: (change: ShadowChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The stored shadow (a copy), or `undefined`. */
  peek(thingName: string, shadowName: string): StoredShadow | undefined {
    const shadow = this.shadows.get(keyOf(thingName, shadowName));
    return shadow && structuredClone(shadow);
  }

  /**
   * GetThingShadow. Throws ShadowRequestError. `notify: false` answers without the `/get/accepted` and
   * `/get/rejected` messages (the cloud's REST GetThingShadow publishes nothing; MQTT and IPC gets do).
   */
  async get(thingName: string, shadowName: string, clientToken?: string, notify = true): Promise<JsonObject> {
    const body = async () => {
      const shadow = this.shadows.get(keyOf(thingName, shadowName));
      if (!shadow) throw new ShadowRequestError(404, shadowNotFoundMessage(shadowName));
      const response = getResponse(shadow, this.seconds(), clientToken);
      if (notify) this.options.publish(`${shadowTopicPrefix(thingName, shadowName)}/get/accepted`, response);
      return response;
    };
    if (notify) return this.run(thingName, shadowName, 'get', clientToken, body);
    validateNames(thingName, shadowName);
    return body();
  }

  /** UpdateThingShadow with a raw payload (bytes, text or a parsed object). */
  async update(
    thingName: string,
    shadowName: string,
    payload: unknown,
    origin?: string,
  ): Promise<JsonObject> {
    return this.run(thingName, shadowName, 'update', clientTokenOf(payload), async () => {
      const request = parseUpdateRequest(payload);
      const key = keyOf(thingName, shadowName);
      const outcome = applyUpdate(this.shadows.get(key), request, {
        now: this.seconds(),
        sizeLimit: this.options.sizeLimit(),
      });
      this.shadows.set(key, outcome.next);
      await this.persist();
      const prefix = shadowTopicPrefix(thingName, shadowName);
      if (outcome.delta) this.options.publish(`${prefix}/update/delta`, outcome.delta);
      this.options.publish(`${prefix}/update/documents`, outcome.documents);
      this.options.publish(`${prefix}/update/accepted`, outcome.accepted);
      this.emit({ thingName, shadowName, kind: 'update', origin });
      return outcome.accepted;
    });
  }

  /** DeleteThingShadow: returns the `/delete/accepted` payload. */
  async delete(
    thingName: string,
    shadowName: string,
    clientToken?: string,
    origin?: string,
  ): Promise<JsonObject> {
    return this.run(thingName, shadowName, 'delete', clientToken, async () => {
      const key = keyOf(thingName, shadowName);
      const shadow = this.shadows.get(key);
      if (!shadow) throw new ShadowRequestError(404, shadowNotFoundMessage(shadowName));
      this.shadows.delete(key);
      await this.persist();
      const response = deleteResponse(shadow, this.seconds(), clientToken);
      this.options.publish(`${shadowTopicPrefix(thingName, shadowName)}/delete/accepted`, response);
      this.emit({ thingName, shadowName, kind: 'delete', origin });
      return response;
    });
  }

  /** ListNamedShadowsForThing: named shadows in name order, paged (`pageSize` 1–100, default 25). */
  list(
    thingName: string,
    nextToken?: string,
    pageSize?: number,
  ): { results: string[]; timestamp: number; nextToken?: string } {
    validateNames(thingName, '');
    const size = pageSize ?? 25;
    if (!Number.isInteger(size) || size < 1 || size > 100) {
      throw new ShadowRequestError(400, `pageSize must be an integer from 1 to 100, got ${String(pageSize)}`);
    }
    let offset = 0;
    if (nextToken !== undefined && nextToken !== '') {
      offset = Number(Buffer.from(nextToken, 'base64').toString('utf8'));
      if (!Number.isInteger(offset) || offset < 0) throw new ShadowRequestError(400, 'Invalid nextToken');
    }
    const names = [...this.shadows.keys()]
      .map((k) => k.split(SEP))
      .filter(([thing, shadow]) => thing === thingName && shadow !== '')
      .map(([, shadow]) => shadow!)
      .sort();
    const page = names.slice(offset, offset + size);
    const result: { results: string[]; timestamp: number; nextToken?: string } = {
      results: page,
      timestamp: this.seconds(),
    };
    if (offset + size < names.length)
      result.nextToken = Buffer.from(String(offset + size)).toString('base64');
    return result;
  }

  /** Every (thing, shadow) pair in the book. */
  entries(): { thingName: string; shadowName: string }[] {
    return [...this.shadows.keys()].map((k) => {
      const [thingName, shadowName] = k.split(SEP) as [string, string];
      return { thingName, shadowName };
    });
  }

  /** Persists `aux` changes. */
  async saveAux(): Promise<void> {
    await this.persist();
  }

  /** Waits for pending writes. */
  async flush(): Promise<void> {
    await this.writing;
  }

  private async run<T>(
    thingName: string,
    shadowName: string,
    operation: 'get' | 'update' | 'delete',
    clientToken: string | undefined,
    body: () => Promise<T>,
  ): Promise<T> {
    try {
      validateNames(thingName, shadowName);
      return await body();
    } catch (error) {
      const rejection =
        error instanceof ShadowRequestError ? error : new ShadowRequestError(500, 'Internal service failure');
      if (typeof thingName === 'string' && thingName !== '') {
        this.options.publish(
          `${shadowTopicPrefix(thingName, shadowName)}/${operation}/rejected`,
          rejectedMessage(rejection, this.seconds(), clientToken),
        );
      }
      throw rejection === error ? error : Object.assign(rejection, { cause: error });
    }
  }

  private emit(change: ShadowChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private seconds(): number {
    return Math.floor(this.options.now() / 1000);
  }

  /** Coalesces writes: one in flight, at most one queued, each writing the latest content. */
  private persist(): Promise<void> {
    const { file, fs } = this.options;
    if (file === undefined) return Promise.resolve();
    this.dirty = true;
    const next = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      const content: FileContent = { format: 1, shadows: Object.fromEntries(this.shadows), aux: this.aux };
      await writeFileDurably(fs, file, Buffer.from(JSON.stringify(content)));
    });
    this.writing = next.catch(() => undefined);
    return next;
  }
}
