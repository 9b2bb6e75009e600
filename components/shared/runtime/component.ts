/**
 * What a component is to the shared runtime: a config parser and a factory for its core. `runComponent`
 * (run-component.ts) connects IPC, builds the context, reports RUNNING / ERRORED and stops on SIGTERM.
 */
import type {
  Clock,
  FileSystem,
  IotCoreMqtt,
  Lifecycle,
  Logger,
  Metrics,
  PubSub,
  ShadowStore,
} from '../ports/index.ts';

/** Everything a component core may use. Cores never read env, process or IPC directly. */
export interface ComponentContext<C> {
  /** The frozen, validated configuration. */
  readonly config: C;
  readonly pubsub: PubSub;
  readonly iotCore: IotCoreMqtt;
  readonly shadows: ShadowStore;
  readonly lifecycle: Lifecycle;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly fs: FileSystem;
  /** The component's work folder (`{work:path}`, its CWD under Greengrass). */
  readonly workDir: string;
  /** `AWS_IOT_THING_NAME`. */
  readonly thingName: string;
}

/** A running core. */
export interface ComponentInstance {
  start(): Promise<void>;
  /** Orderly stop: must finish within 5 s (the nucleus SIGKILLs after its grace period). */
  stop(): Promise<void>;
  /**
   * Applies a new configuration in place. When absent, the runtime restarts the core (stop, create,
   * start) on a configuration change.
   */
  reconfigure?(config: unknown): Promise<void>;
}

export interface ComponentDefinition<C> {
  /** The recipe's ComponentName, e.g. `com.matchdayalert.Scheduler`. */
  readonly name: string;
  /** Validates the raw configuration; throws a `ConfigError` naming the field. */
  parseConfig(raw: unknown): C;
  create(context: ComponentContext<C>): ComponentInstance;
}
