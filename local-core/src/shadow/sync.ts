/**
 * Synchronises a thing's listed local shadows with their cloud copies while the thing is online, as
 * ShadowManager's `synchronize` configuration asks: a change on either side (or coming back online)
 * triggers a sync of that shadow against the last synchronised state (kept durably with the local
 * shadows), so edits made on either side while offline meet on reconnect. Never syncs an unlisted shadow.
 */
import type { ThingCloud } from '../nucleus/services.ts';
import { diffPatch, type JsonObject, type StoredShadow } from './document.ts';
import { mergeShadowStates } from './merge.ts';
import { type CloudShadows, findCloudShadows, onCloudShadowsChange } from './registry.ts';
import type { ShadowBook, ShadowChange } from './shadow-book.ts';

export type SyncDirection = 'betweenDeviceAndCloud' | 'deviceToCloud' | 'cloudToDevice';

export interface SyncSettings {
  direction: SyncDirection;
  /** `<thing>/<shadow>` keys (`''` shadow = classic) that synchronise. */
  shadows: ReadonlySet<string>;
  /** `realTime` syncs on every change; `periodic` every `delaySeconds`. */
  strategy: { type: 'realTime' | 'periodic'; delaySeconds: number };
}

interface SyncBase {
  state: StoredShadow['state'];
  localVersion: number | null;
  cloudVersion: number | null;
}

const ORIGIN = 'sync';
export const syncKey = (thingName: string, shadowName: string) => `${thingName}/${shadowName}`;

export class ShadowSynchronizer {
  private settings: SyncSettings = {
    direction: 'betweenDeviceAndCloud',
    shadows: new Set(),
    strategy: { type: 'realTime', delaySeconds: 300 },
  };
  private cloud: CloudShadows | undefined;
  private detachCloud: (() => void) | undefined;
  private readonly cleanups: (() => void)[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly local: ShadowBook,
    private readonly thing: ThingCloud,
    private readonly log: (event: string, fields?: Record<string, unknown>) => void,
  ) {}

  start(settings: SyncSettings): void {
    this.settings = settings;
    this.cleanups.push(
      this.local.onChange((change) => this.onChange('local', change)),
      this.thing.onConnectivityChange((online) => {
        if (online) this.syncAll();
      }),
      onCloudShadowsChange(() => this.attachCloud()),
    );
    this.attachCloud();
    this.schedulePeriodic();
  }

  /** Applies new settings and syncs whatever is now listed. */
  reconfigure(settings: SyncSettings): void {
    this.settings = settings;
    this.schedulePeriodic();
    this.syncAll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.detachCloud?.();
    await this.chain;
  }

  /** Resolves when every sync queued so far has finished. */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.chain) {
      seen = this.chain;
      await seen;
    }
  }

  /** Every listed shadow that exists on either side. */
  syncAll(): void {
    for (const key of this.settings.shadows) this.dirty.add(key);
    this.flushDirty();
  }

  private attachCloud(): void {
    const found = findCloudShadows(this.thing);
    if (found === this.cloud) return;
    this.detachCloud?.();
    this.detachCloud = undefined;
    this.cloud = found;
    if (found) {
      this.detachCloud = found.book.onChange((change) => this.onChange('cloud', change));
      this.syncAll();
    }
  }

  private onChange(side: 'local' | 'cloud', change: ShadowChange): void {
    if (change.origin === ORIGIN) return;
    const key = syncKey(change.thingName, change.shadowName);
    if (!this.settings.shadows.has(key)) return;
    const { direction } = this.settings;
    if (side === 'cloud' && direction === 'deviceToCloud') return;
    if (side === 'local' && direction === 'cloudToDevice') return;
    this.dirty.add(key);
    if (this.settings.strategy.type === 'realTime') this.flushDirty();
  }

  private schedulePeriodic(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.settings.strategy.type !== 'periodic') return;
    this.timer = setInterval(() => this.flushDirty(), this.settings.strategy.delaySeconds * 1000);
    this.timer.unref();
  }

  private flushDirty(): void {
    if (this.stopped || !this.cloud || !this.thing.isOnline()) return;
    const keys = [...this.dirty];
    this.dirty.clear();
    for (const key of keys) {
      const at = key.lastIndexOf('/');
      const thingName = key.slice(0, at);
      const shadowName = key.slice(at + 1);
      this.chain = this.chain
        .then(() => this.syncOne(thingName, shadowName))
        .catch((error: unknown) => {
          this.dirty.add(key);
          this.log('shadow.sync.failed', { thingName, shadowName, error: String(error) });
        });
    }
  }

  private bases(): Record<string, SyncBase> {
    const aux = this.local.aux as { syncBases?: Record<string, SyncBase> };
    aux.syncBases ??= {};
    return aux.syncBases;
  }

  private async syncOne(thingName: string, shadowName: string): Promise<void> {
    const cloud = this.cloud;
    if (this.stopped || !cloud || !this.thing.isOnline()) {
      this.dirty.add(syncKey(thingName, shadowName));
      return;
    }
    const key = syncKey(thingName, shadowName);
    const bases = this.bases();
    const base = bases[key];
    const local = this.local.peek(thingName, shadowName);
    const remote = cloud.book.peek(thingName, shadowName);
    const localVersion = local?.version ?? null;
    const cloudVersion = remote?.version ?? null;
    if (base && base.localVersion === localVersion && base.cloudVersion === cloudVersion) return;
    if (!base && !local && !remote) return;
    const { direction } = this.settings;

    if (base && !local && base.localVersion !== null && direction !== 'cloudToDevice') {
      if (remote && (cloudVersion === base.cloudVersion || direction === 'deviceToCloud')) {
        await cloud.book.delete(thingName, shadowName, undefined, ORIGIN);
      }
      if (!remote || cloudVersion === base.cloudVersion || direction === 'deviceToCloud') {
        delete bases[key];
        await this.local.saveAux();
        this.log('shadow.sync.deleted', { thingName, shadowName, side: 'cloud' });
        return;
      }
    }
    if (base && !remote && base.cloudVersion !== null && direction !== 'deviceToCloud') {
      if (local && (localVersion === base.localVersion || direction === 'cloudToDevice')) {
        await this.local.delete(thingName, shadowName, undefined, ORIGIN);
      }
      if (!local || localVersion === base.localVersion || direction === 'cloudToDevice') {
        delete bases[key];
        await this.local.saveAux();
        this.log('shadow.sync.deleted', { thingName, shadowName, side: 'local' });
        return;
      }
    }

    const localState = local?.state ?? {};
    const cloudState = remote?.state ?? {};
    const merged =
      direction === 'deviceToCloud'
        ? localState
        : direction === 'cloudToDevice'
          ? cloudState
          : mergeShadowStates(base?.state, localState, cloudState);

    let newLocalVersion = localVersion;
    let newCloudVersion = cloudVersion;
    const localPatch = patchBetween(localState, merged);
    if (localPatch && (local || Object.keys(merged).length > 0)) {
      const accepted = await this.local.update(thingName, shadowName, localPatch, ORIGIN);
      newLocalVersion = accepted.version as number;
    }
    const cloudPatch = patchBetween(cloudState, merged);
    if (cloudPatch && (remote || Object.keys(merged).length > 0)) {
      const accepted = await cloud.book.update(thingName, shadowName, cloudPatch, ORIGIN);
      newCloudVersion = accepted.version as number;
    }
    bases[key] = {
      state: structuredClone(merged),
      localVersion: newLocalVersion,
      cloudVersion: newCloudVersion,
    };
    // written with the next shadow write at the latest; a base lost in a crash only makes the next sync a
    // three-way merge against an older base, which converges to the same document
    this.local
      .saveAux()
      .catch((error: unknown) => this.log('shadow.sync.base-save-failed', { error: String(error) }));
    this.log('shadow.sync.synced', {
      thingName,
      shadowName,
      localVersion: newLocalVersion,
      cloudVersion: newCloudVersion,
    });
  }
}

/** The update request turning `from` into `to`, or `undefined` when they are equal. */
export function patchBetween(from: StoredShadow['state'], to: StoredShadow['state']): JsonObject | undefined {
  const state: JsonObject = {};
  for (const section of ['desired', 'reported'] as const) {
    const a = from[section];
    const b = to[section];
    if (b === undefined) {
      if (a !== undefined) state[section] = null;
      continue;
    }
    const patch = diffPatch(a, b);
    if (Object.keys(patch).length > 0) state[section] = patch;
  }
  return Object.keys(state).length > 0 ? { state } : undefined;
}
