/**
 * The seam between local-core's IPC server (local-core/src/ipc, local-core/src/nucleus) and its
 * supervisor, deployments and things (local-core/src/supervisor, cli). The IPC side implements the
 * nucleus services below; the supervisor owns processes, recipes, deployments and the cloud link.
 */

/** Configuration of every component of one thing (the nucleus's `services.<name>.configuration`). */
export interface ConfigStore {
  /** The node at `keyPath` in `component`'s configuration, or `undefined` when absent. */
  get(component: string, keyPath: readonly string[]): unknown;
  /**
   * Replaces `component`'s whole configuration (as a deployment does after reset + merge) and fires
   * configuration-update events for every changed leaf's parent path, as the nucleus does.
   */
  replace(component: string, configuration: Record<string, unknown>): void;
  /** IPC UpdateConfiguration: merge `valueToMerge` at `keyPath`; stale timestamps are ignored. */
  update(component: string, keyPath: readonly string[], valueToMerge: unknown, timestampMs: number): void;
  /** Calls `listener` with the changed key path (relative to the configuration root). */
  subscribe(
    component: string,
    keyPath: readonly string[],
    listener: (changed: readonly string[]) => void,
  ): () => void;
}

/** A component-update notification, as ComponentUpdatePolicyEvents carries it. */
export type ComponentUpdateEvent =
  | { preUpdateEvent: { deploymentId: string; isGgcRestarting: boolean } }
  | { postUpdateEvent: { deploymentId: string } };

/** NOTIFY_COMPONENTS: the deployment side asks, components defer through IPC. */
export interface ComponentUpdateHub {
  /**
   * Sends preUpdateEvent to every subscribed component and resolves when the update may proceed: all
   * subscribers acknowledged, or `timeoutMs` passed without a deferral. A deferral
   * (`recheckAfterMs > 0`) waits that long and asks again; resolves with the deferral messages seen.
   */
  notifyPreUpdate(deploymentId: string, timeoutMs: number): Promise<{ deferrals: string[] }>;
  notifyPostUpdate(deploymentId: string): void;
}

/** The thing's link to the IoT Core stand-in (the MQTT broker), honouring the cloud connection. */
export interface IotCoreLink {
  /** QoS 1 messages published while offline are spooled and sent on reconnect; QoS 0 are dropped. */
  publish(topic: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): Promise<void>;
  /** Subscriptions survive going offline and are re-established on reconnect. */
  subscribe(
    filter: string,
    qos: 0 | 1,
    listener: (topic: string, payload: Uint8Array) => void,
  ): Promise<() => void>;
}

/** What the supervisor learns from IPC. */
export interface LifecycleListener {
  reportState(component: string, state: 'RUNNING' | 'ERRORED'): void;
}

/** Local pub/sub as the nucleus's own services use it (the Cloudwatch sink, later ShadowManager). */
export interface LocalBus {
  publish(topic: string, message: { json: unknown } | { binary: Uint8Array }, fromComponent: string): void;
  subscribe(
    filter: string,
    listener: (topic: string, message: { json: unknown } | { binary: Uint8Array }) => void,
    owner: string,
  ): () => void;
}
