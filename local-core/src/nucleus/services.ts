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
   * configuration-update events with the path of every changed or added leaf and every removed node, as
   * the nucleus does (Topics.childChanged passes the changed node itself up to every watcher).
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
  /**
   * Modification time (ms since epoch) of the node at `keyPath`, or `undefined` when absent. Optional:
   * when present, IPC UpdateConfiguration answers FailedUpdateConditionCheckError for stale timestamps.
   */
  modifiedAt?(component: string, keyPath: readonly string[]): number | undefined;
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

/** A modeled IPC error thrown by an operation handler; the server sends it as the nucleus does. */
export interface IpcErrorShape {
  /** `ServiceError`, `UnauthorizedError`, `ResourceNotFoundError`, `InvalidArgumentsError`, `ConflictError`, … */
  readonly errorCode: string;
  readonly message: string;
  /** Extra modeled fields, e.g. `resourceType`, `resourceName`, `context`. */
  readonly extra?: Record<string, unknown>;
}

/** Who is calling an IPC operation, and the nucleus's authorization check for them. */
export interface IpcCaller {
  readonly component: string;
  /**
   * Throws UnauthorizedError unless the caller's accessControl grants `operation` of `service` on
   * `resource`, with the nucleus's matching rules for that service.
   */
  authorize(service: string, operation: string, resource: string): void;
}

/** A request/response operation served by a plugin (e.g. ShadowManager's GetThingShadow). */
export type IpcOperationHandler = (request: Record<string, unknown>, caller: IpcCaller) => Promise<unknown>;

/** Lets plugins serve IPC operations on a thing's socket (`aws.greengrass#GetThingShadow`, …). */
export interface OperationRegistry {
  /** Registers `handler` for `aws.greengrass#<operation>`; replaces the "not supported" default answer. */
  register(operation: string, handler: IpcOperationHandler): void;
  unregister(operation: string): void;
}

/** One simulated thing's connection to the cloud. */
export interface ThingCloud {
  readonly thingName: string;
  readonly thingGroups: readonly string[];
  isOnline(): boolean;
  onConnectivityChange(listener: (online: boolean) => void): () => void;
}

/**
 * A platform component that runs inside local-core rather than as a process (as plugins run inside
 * the nucleus JVM): aws.greengrass.ShadowManager, aws.greengrass.Cloudwatch, aws.greengrass.LogManager.
 */
export interface PluginContext {
  readonly thingName: string;
  /** The thing's root folder (`{kernel:rootPath}`); a plugin keeps its state under it. */
  readonly rootDir: string;
  /** The plugin's current configuration (DefaultConfiguration of its built-in recipe + deployment). */
  config(): Record<string, unknown>;
  onConfigChange(listener: () => void): () => void;
  readonly bus: LocalBus;
  readonly operations: OperationRegistry;
  readonly cloud: ThingCloud;
  readonly log: (event: string, fields?: Record<string, unknown>) => void;
}

export interface NucleusPlugin {
  readonly name: string;
  start(context: PluginContext): Promise<void>;
  stop(): Promise<void>;
}

/** The IoT Core stand-in seen from the cloud side (what AWS services publish and receive). */
export interface CloudBroker {
  publish(topic: string, payload: Uint8Array): Promise<void>;
  subscribe(filter: string, listener: (topic: string, payload: Uint8Array) => void): Promise<() => void>;
}

/** A route on local-core's loopback cloud API server (AWS IoT data plane and control plane shapes). */
export type CloudApiHandler = (request: {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}) => Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>;

/** Fleet-wide simulated AWS services (cloud shadows, IoT Jobs), started once per local-core. */
export interface CloudServiceContext {
  /** Every thing of the fleet, by name. */
  readonly things: ReadonlyMap<string, ThingCloud>;
  readonly broker: CloudBroker;
  /** `pattern` like `/things/:thingName/shadow`; methods in upper case. */
  route(method: string, pattern: string, handler: CloudApiHandler): void;
  /** `--jobs-time-scale`: 1 in production use; tests shrink timeouts with it. */
  readonly timeScale: number;
  readonly stateDir: string;
  readonly log: (event: string, fields?: Record<string, unknown>) => void;
}

export interface CloudService {
  readonly name: string;
  start(context: CloudServiceContext): Promise<void>;
  stop(): Promise<void>;
}
