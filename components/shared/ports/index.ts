/**
 * Ports: the small structural interfaces through which a component core reaches the outside world.
 * Cores import only these and the contracts; adapters (Greengrass IPC, Node fs, timers) and the fakes in
 * test/fakes implement them.
 */
import type { Inbound, MetricName, MetricUnit, TopicDef } from '../contracts/index.ts';

/** Something that can be closed: a subscription, a timer. */
export interface Closable {
  close(): Promise<void>;
}

/** How a subscriber receives a topic's messages. */
export type ReceiveMode = 'all' | 'others';

/**
 * Local publish/subscribe (Greengrass IPC `PublishToTopic` / `SubscribeToTopic`). Typed topics are
 * validated at the edge with `decodeMessage`: invalid events never reach the handler, invalid requests
 * arrive as `InvalidRequest`. Handlers of one subscription are called one message at a time, in order.
 */
export interface PubSub {
  publish<T>(topic: TopicDef<T>, message: T): Promise<void>;
  subscribe<T>(topic: TopicDef<T>, handler: (message: Inbound<T>) => void | Promise<void>): Promise<Closable>;
  /** Untyped access for topics outside the contracts (e.g. ShadowManager's `$aws/things/...` topics). */
  publishRaw(topic: string, message: RawMessage): Promise<void>;
  subscribeRaw(
    topic: string,
    handler: (message: RawMessage, topic: string) => void | Promise<void>,
    mode?: ReceiveMode,
  ): Promise<Closable>;
}

/** A raw local message: JSON (an object) or bytes. */
export type RawMessage = { readonly json: unknown } | { readonly binary: Uint8Array };

/** AWS IoT Core MQTT through the nucleus (`PublishToIoTCore` / `SubscribeToIoTCore`). */
export interface IotCoreMqtt {
  publish(topic: string, payload: Uint8Array | string, qos?: 0 | 1): Promise<void>;
  subscribe(
    topicFilter: string,
    handler: (topic: string, payload: Uint8Array) => void | Promise<void>,
    qos?: 0 | 1,
  ): Promise<Closable>;
}

/** A shadow document as ShadowManager returns it (parsed JSON). */
export interface ShadowDocument {
  state: {
    desired?: Record<string, unknown> | null;
    reported?: Record<string, unknown> | null;
    delta?: Record<string, unknown>;
  };
  metadata?: { desired?: Record<string, unknown>; reported?: Record<string, unknown> };
  version: number;
  timestamp: number;
  clientToken?: string;
}

/** The local device shadow (ShadowManager IPC). Errors are `GreengrassError`s (`ConflictError` on 409). */
export interface ShadowStore {
  /** The document, or `undefined` when the shadow does not exist. */
  get(thingName: string, shadowName: string): Promise<ShadowDocument | undefined>;
  /** Applies an update request document; returns the response document (with the new version). */
  update(thingName: string, shadowName: string, request: Record<string, unknown>): Promise<ShadowDocument>;
  delete(thingName: string, shadowName: string): Promise<void>;
}

/** The component's own configuration (Greengrass `GetConfiguration` / `SubscribeToConfigurationUpdate`). */
export interface ComponentConfig {
  /** The whole configuration object (`keyPath: []`). */
  get(): Promise<unknown>;
  /** Called with the changed key path whenever any configuration value changes. */
  onChange(handler: (keyPath: readonly string[]) => void | Promise<void>): Promise<Closable>;
}

/** A deployment is about to stop or update this component, or has just done so. */
export type UpdateEvent =
  | { readonly kind: 'pre'; readonly deploymentId: string; readonly isGgcRestarting: boolean }
  | { readonly kind: 'post'; readonly deploymentId: string };

/** Lifecycle (Greengrass `UpdateState`, `SubscribeToComponentUpdates`, `DeferComponentUpdate`). */
export interface Lifecycle {
  reportState(state: 'RUNNING' | 'ERRORED'): Promise<void>;
  onUpdate(handler: (event: UpdateEvent) => void | Promise<void>): Promise<Closable>;
  /** Answers a `pre` event: `recheckAfterMs > 0` defers (the nucleus asks again), `0` lets it proceed. */
  deferUpdate(deploymentId: string, recheckAfterMs: number, message?: string): Promise<void>;
}

/** A cancellable timer. */
export interface Timer {
  cancel(): void;
}

/** Wall-clock time and timers; `FakeClock` controls both in unit tests. */
export interface Clock {
  /** Milliseconds since the epoch (the wall clock, which may jump). */
  now(): number;
  /** Milliseconds from an arbitrary origin that never jumps. */
  monotonic(): number;
  /** Calls `fn` once after `ms` (clamped to the platform maximum by the implementation). */
  setTimer(ms: number, fn: () => void): Timer;
}

/** Structured log fields: plain JSON values. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * JSON-lines logger. `event` is a stable code such as `scheduler.command.rejected`; operators grep for
 * it, so it never changes meaning.
 */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** Metrics for aws.greengrass.Cloudwatch: counters aggregated per interval, gauges sent as the last value. */
export interface Metrics {
  count(name: MetricName, by?: number): void;
  gauge(name: MetricName, value: number, unit?: MetricUnit): void;
}

/** The few file-system calls durable writes need. Paths are absolute. */
export interface FileSystem {
  /** The file's bytes, or `undefined` when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /** Creates or truncates `path` and writes `data`, then fsyncs the file before resolving. */
  writeFileSynced(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** fsyncs a directory, so that a rename inside it survives a power cut. */
  syncDir(path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdirp(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
}
