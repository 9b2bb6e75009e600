/**
 * A ShadowStore in memory with ShadowManager's semantics (it runs local-core's shadow engine: merge,
 * metadata, delta, version conflicts, size limit) that publishes `…/update/accepted` and `…/update/delta`
 * and `…/update/documents` on an InMemoryBus as binaryMessage, as ShadowManager does. `userUpdate` is an edit by someone else
 * (the dashboard through cloud sync); `beforeNextUpdate` lets a test slip a write in between a read and
 * a write of the component.
 */
import { GreengrassError } from '../../components/shared/errors.ts';
import type { ShadowDocument, ShadowStore } from '../../components/shared/ports/index.ts';
import {
  applyUpdate,
  getResponse,
  parseUpdateRequest,
  ShadowRequestError,
  type StoredShadow,
  shadowTopicPrefix,
} from '../../local-core/src/shadow/document.ts';
import type { FakeClock, InMemoryBus } from '../fakes/index.ts';

export class FakeShadowStore implements ShadowStore {
  readonly shadows = new Map<string, StoredShadow>();
  /** Every update request the component sent. */
  readonly requests: Record<string, unknown>[] = [];
  conflicts = 0;
  private hooks: (() => void)[] = [];

  constructor(
    private readonly clock: FakeClock,
    private readonly bus?: InMemoryBus,
    readonly sizeLimit = 8192,
  ) {}

  /** Runs `hook` just before the next update is applied. */
  beforeNextUpdate(hook: () => void): void {
    this.hooks.push(hook);
  }

  async get(thingName: string, shadowName: string): Promise<ShadowDocument | undefined> {
    const shadow = this.shadows.get(`${thingName}/${shadowName}`);
    if (!shadow) return undefined;
    return getResponse(shadow, this.seconds()) as unknown as ShadowDocument;
  }

  async update(
    thingName: string,
    shadowName: string,
    request: Record<string, unknown>,
  ): Promise<ShadowDocument> {
    this.requests.push(structuredClone(request));
    for (const hook of this.hooks.splice(0)) hook();
    return this.apply(thingName, shadowName, request);
  }

  async delete(thingName: string, shadowName: string): Promise<void> {
    this.shadows.delete(`${thingName}/${shadowName}`);
  }

  /** An update by someone else (no ShadowSync clientToken). */
  userUpdate(thingName: string, shadowName: string, request: Record<string, unknown>): ShadowDocument {
    return this.apply(thingName, shadowName, request);
  }

  document(thingName: string, shadowName: string): StoredShadow | undefined {
    return this.shadows.get(`${thingName}/${shadowName}`);
  }

  private apply(thingName: string, shadowName: string, request: Record<string, unknown>): ShadowDocument {
    const key = `${thingName}/${shadowName}`;
    try {
      const outcome = applyUpdate(this.shadows.get(key), parseUpdateRequest(structuredClone(request)), {
        now: this.seconds(),
        sizeLimit: this.sizeLimit,
      });
      this.shadows.set(key, outcome.next);
      const prefix = shadowTopicPrefix(thingName, shadowName);
      const endpoint = this.bus?.endpoint('aws.greengrass.ShadowManager');
      if (outcome.delta) void endpoint?.publishRaw(`${prefix}/update/delta`, binary(outcome.delta));
      void endpoint?.publishRaw(`${prefix}/update/documents`, binary(outcome.documents));
      void endpoint?.publishRaw(`${prefix}/update/accepted`, binary(outcome.accepted));
      return outcome.accepted as unknown as ShadowDocument;
    } catch (error) {
      if (error instanceof ShadowRequestError) {
        if (error.code === 409) this.conflicts++;
        throw new GreengrassError(error.ipcErrorCode as 'ConflictError', error.message, { cause: error });
      }
      throw error;
    }
  }

  private seconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }
}

function binary(payload: unknown): { binary: Uint8Array } {
  return { binary: new TextEncoder().encode(JSON.stringify(payload)) };
}
