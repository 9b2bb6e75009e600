/**
 * The component runner: reads the environment, connects IPC, parses the configuration (ERRORED + exit 78
 * when invalid), creates and starts the core, reports RUNNING, applies configuration changes, and stops in
 * order on SIGTERM / SIGINT within the nucleus's 5 s grace period. `runComponent` is what every main.ts calls;
 * `runComponentWith` is the same logic over injected dependencies, for tests.
 */
import { ConfigError, MatchdayError } from '../errors.ts';
import { isLogLevel, JsonLogger } from '../logging/json-logger.ts';
import { LOG_EVENTS } from '../logging/log-events.ts';
import type { Clock, Closable, FileSystem, Logger, Metrics } from '../ports/index.ts';
import { CloudwatchMetrics } from './cloudwatch-metrics.ts';
import type { ComponentContext, ComponentDefinition, ComponentInstance } from './component.ts';
import { NodeFileSystem } from './node-file-system.ts';
import { SystemClock } from './system-clock.ts';

/** The IPC side the runner needs: the five ports plus connect/close (the Greengrass adapter). */
export interface RuntimeIpc {
  readonly pubsub: ComponentContext<unknown>['pubsub'];
  readonly iotCore: ComponentContext<unknown>['iotCore'];
  readonly shadows: ComponentContext<unknown>['shadows'];
  readonly lifecycle: ComponentContext<unknown>['lifecycle'];
  readonly config: {
    get(): Promise<unknown>;
    onChange(handler: (keyPath: readonly string[]) => void | Promise<void>): Promise<Closable>;
  };
  connect(): Promise<void>;
  close(): Promise<void>;
}

/** The signals that start an orderly stop. */
export type StopSignal = 'SIGTERM' | 'SIGINT';

/** Where stop signals and uncaught errors come from (the process, or a test). */
export interface SignalSource {
  onSignal(handler: (signal: StopSignal) => void): void;
  /** Errors nobody caught (`uncaughtException`, `unhandledRejection`). */
  onFatal(handler: (error: unknown) => void): void;
}

/** A Metrics implementation the runner starts and flushes (CloudwatchMetrics). */
export interface RuntimeMetrics extends Metrics {
  start(): void;
  stop(): Promise<void>;
}

/** Everything `runComponentWith` needs from the outside world; `runComponent` builds the real ones. */
export interface RuntimeDependencies {
  readonly ipc: RuntimeIpc;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fs: FileSystem;
  readonly thingName: string;
  readonly workDir: string;
  /** Ends the process with `code`. */
  readonly exit: (code: number) => void;
  readonly signals: SignalSource;
  /** @default a CloudwatchMetrics over `ipc.pubsub` */
  readonly metrics?: RuntimeMetrics;
  /** Budget for the core's `stop()`, ms; flushing metrics and closing IPC share what is left of 5 s. @default 4000 */
  readonly stopTimeoutMs?: number;
  /** Budget for flushing metrics and for closing IPC on the way out, ms each. @default 500 */
  readonly exitStepTimeoutMs?: number;
  /** Configuration change events arriving within this window are applied once, ms. @default 250 */
  readonly configDebounceMs?: number;
}

/** Exit code for configuration errors (EX_CONFIG), also used for a missing environment. */
export const EXIT_CONFIG = 78;

/** The process exit code an error calls for: its family's `exitCode`, else 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof MatchdayError ? error.exitCode : 1;
}

/**
 * Runs a component under Greengrass: the composition root every main.ts calls. Resolves once the core is
 * RUNNING (the IPC client keeps the process alive); on failure it logs and exits with the error's code.
 */
export async function runComponent<C>(definition: ComponentDefinition<C>): Promise<void> {
  const level = process.env.MATCHDAY_LOG_LEVEL;
  const logger = new JsonLogger(definition.name, isLogLevel(level) ? { level } : {});
  const exit = (code: number) => process.exit(code);
  const required = ['SVCUID', 'AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT', 'AWS_IOT_THING_NAME'];
  const missing = required.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    logger.error(LOG_EVENTS.componentEnvMissing, { variables: missing });
    exit(EXIT_CONFIG);
    return;
  }
  try {
    const clock = new SystemClock();
    // Loaded lazily so that importing the runner (e.g. in unit tests) does not load aws-crt.
    const { GreengrassAdapter } = await import('../greengrass/greengrass-adapter.ts');
    const { createSdkClientFactory } = await import('../greengrass/sdk-client.ts');
    const ipc = new GreengrassAdapter({ clientFactory: createSdkClientFactory(), clock, logger });
    await runComponentWith(definition, {
      ipc,
      clock,
      logger,
      fs: new NodeFileSystem(),
      thingName: process.env.AWS_IOT_THING_NAME ?? '',
      workDir: process.cwd(),
      exit,
      signals: {
        onSignal: (handler) => {
          process.on('SIGTERM', () => handler('SIGTERM'));
          process.on('SIGINT', () => handler('SIGINT'));
        },
        onFatal: (handler) => {
          process.on('uncaughtException', handler);
          process.on('unhandledRejection', handler);
        },
      },
    });
  } catch (error) {
    // Only reached when the runtime itself cannot be set up (e.g. the aws-crt binary is missing).
    logger.error(LOG_EVENTS.componentFatal, { error, exitCode: exitCodeOf(error) });
    exit(exitCodeOf(error));
  }
}

/** What `runComponentWith` hands back: the exit code once the runner has called `exit`. */
export interface RunningComponent {
  readonly exited: Promise<number>;
}

/**
 * The runner over injected dependencies. Resolves once the core is RUNNING, or once `exit` has been called
 * when starting failed.
 */
export async function runComponentWith<C>(
  definition: ComponentDefinition<C>,
  deps: RuntimeDependencies,
): Promise<RunningComponent> {
  return new ComponentRunner(definition, deps).run();
}

type Phase = 'starting' | 'running' | 'exiting';

class ComponentRunner<C> {
  private readonly ipc: RuntimeIpc;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly metrics: RuntimeMetrics;
  private readonly stopTimeoutMs: number;
  private readonly exitStepTimeoutMs: number;
  private readonly configDebounceMs: number;
  private phase: Phase = 'starting';
  private instance: ComponentInstance | undefined;
  private currentRaw = '';
  private configErrored = false;
  private debounce: ReturnType<Clock['setTimer']> | undefined;
  private changePending = false;
  private work: Promise<void> = Promise.resolve();
  private resolveExited!: (code: number) => void;
  private readonly exited = new Promise<number>((resolve) => {
    this.resolveExited = resolve;
  });

  constructor(
    private readonly definition: ComponentDefinition<C>,
    private readonly deps: RuntimeDependencies,
  ) {
    this.ipc = deps.ipc;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.metrics =
      deps.metrics ??
      new CloudwatchMetrics({
        pubsub: deps.ipc.pubsub,
        clock: deps.clock,
        logger: deps.logger,
        component: definition.name,
      });
    this.stopTimeoutMs = deps.stopTimeoutMs ?? 4_000;
    this.exitStepTimeoutMs = deps.exitStepTimeoutMs ?? 500;
    this.configDebounceMs = deps.configDebounceMs ?? 250;
  }

  async run(): Promise<RunningComponent> {
    const result: RunningComponent = { exited: this.exited };
    this.deps.signals.onSignal((signal) => void this.shutdown(signal));
    this.deps.signals.onFatal((error) => void this.fatal(error));
    this.logger.info(LOG_EVENTS.componentStarting, {
      thingName: this.deps.thingName,
      workDir: this.deps.workDir,
    });
    try {
      await this.ipc.connect();
    } catch (error) {
      await this.fatal(error);
      return result;
    }
    if (this.phase !== 'starting') return result;
    this.metrics.start();
    let config: C;
    try {
      // Subscribe before reading, so a change between the read and the subscription is not lost.
      await this.ipc.config.onChange(() => this.onConfigChange());
      const raw = stripAccessControl(await this.ipc.config.get());
      if (this.phase !== 'starting') return result;
      config = this.parse(raw);
      this.currentRaw = stableJson(raw);
    } catch (error) {
      if (error instanceof ConfigError) await this.failConfig(error);
      else await this.fatal(error);
      return result;
    }
    if (this.phase !== 'starting') return result;
    try {
      const instance = this.definition.create(this.context(config));
      this.instance = instance;
      await instance.start();
    } catch (error) {
      this.logger.error(LOG_EVENTS.componentStartFailed, { error });
      await this.exitWithError(error, { stopInstance: true });
      return result;
    }
    if (this.phase !== 'starting') return result;
    this.phase = 'running';
    await this.reportState('RUNNING');
    this.logger.info(LOG_EVENTS.componentStarted, {});
    if (this.changePending) this.onConfigChange();
    return result;
  }

  private context(config: C): ComponentContext<C> {
    return {
      config,
      pubsub: this.ipc.pubsub,
      iotCore: this.ipc.iotCore,
      shadows: this.ipc.shadows,
      lifecycle: this.ipc.lifecycle,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
      fs: this.deps.fs,
      workDir: this.deps.workDir,
      thingName: this.deps.thingName,
    };
  }

  /** Parses with the component's schema; anything it throws that is not a ConfigError becomes one. */
  private parse(raw: unknown): C {
    try {
      return this.definition.parseConfig(raw);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError('(root)', error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }

  // ---- configuration changes ------------------------------------------------------------------------

  private onConfigChange(): void {
    if (this.phase === 'exiting') return;
    if (this.phase === 'starting') {
      this.changePending = true;
      return;
    }
    this.changePending = false;
    this.debounce?.cancel();
    this.debounce = this.clock.setTimer(this.configDebounceMs, () => {
      this.debounce = undefined;
      this.work = this.work.then(() => this.applyConfigChange());
    });
  }

  /**
   * Re-reads and re-parses the configuration. Invalid: log, report ERRORED, keep the running core on its
   * last good configuration (as ShadowManager does; the nucleus then restarts or rolls back). Unchanged:
   * nothing. Valid: `reconfigure` in place when the core offers it, else stop + create + start.
   */
  private async applyConfigChange(): Promise<void> {
    if (this.phase !== 'running') return;
    let raw: unknown;
    try {
      raw = stripAccessControl(await this.ipc.config.get());
    } catch (error) {
      this.logger.error(LOG_EVENTS.componentReconfigureFailed, { error });
      return;
    }
    const rawJson = stableJson(raw);
    if (rawJson === this.currentRaw) {
      if (this.configErrored) await this.recovered();
      return;
    }
    let next: C;
    try {
      next = this.parse(raw);
    } catch (error) {
      await this.configInvalid(error as ConfigError);
      return;
    }
    try {
      const instance = this.instance;
      let mode: 'in-place' | 'restart';
      if (instance?.reconfigure) {
        await instance.reconfigure(next);
        mode = 'in-place';
      } else {
        if (instance) await this.stopInstance(instance);
        if (this.phase !== 'running') return;
        this.instance = undefined;
        const created = this.definition.create(this.context(next));
        this.instance = created;
        await created.start();
        if (this.phase !== 'running') {
          await this.stopInstance(created);
          return;
        }
        mode = 'restart';
      }
      this.currentRaw = rawJson;
      this.logger.info(LOG_EVENTS.componentReconfigured, { mode });
      if (this.configErrored) await this.recovered();
    } catch (error) {
      if (error instanceof ConfigError) {
        await this.configInvalid(error);
        return;
      }
      this.logger.error(LOG_EVENTS.componentReconfigureFailed, { error });
      this.configErrored = true;
      await this.reportState('ERRORED');
    }
  }

  private async configInvalid(error: ConfigError): Promise<void> {
    this.logger.error(LOG_EVENTS.componentConfigInvalid, { field: error.field, error });
    this.configErrored = true;
    await this.reportState('ERRORED');
  }

  private async recovered(): Promise<void> {
    this.configErrored = false;
    await this.reportState('RUNNING');
  }

  // ---- stopping -------------------------------------------------------------------------------------

  private async failConfig(error: ConfigError): Promise<void> {
    this.logger.error(LOG_EVENTS.componentConfigInvalid, { field: error.field, error });
    await this.exitWithError(error, { stopInstance: false });
  }

  private async fatal(error: unknown): Promise<void> {
    if (this.phase === 'exiting') return;
    this.logger.error(LOG_EVENTS.componentFatal, { error, exitCode: exitCodeOf(error) });
    await this.exitWithError(error, { stopInstance: true });
  }

  /** Reports ERRORED, stops what runs (best effort), closes IPC and exits with the error's code. */
  private async exitWithError(error: unknown, options: { stopInstance: boolean }): Promise<void> {
    if (this.phase === 'exiting') return;
    this.phase = 'exiting';
    this.debounce?.cancel();
    await this.withCap(this.exitStepTimeoutMs, this.reportState('ERRORED'));
    if (options.stopInstance && this.instance) await this.stopInstance(this.instance);
    await this.closeAll();
    this.exit(exitCodeOf(error));
  }

  /** SIGTERM / SIGINT: stop the core (capped), flush metrics, close IPC, exit 0. */
  private async shutdown(signal: StopSignal): Promise<void> {
    if (this.phase === 'exiting') return;
    this.phase = 'exiting';
    this.logger.info(LOG_EVENTS.componentStopping, { signal });
    this.debounce?.cancel();
    // Not queued behind an in-flight reconfiguration (which may be waiting on IPC): the core stops now,
    // and a reconfiguration that has not created its new core yet sees `exiting` and gives up.
    if (this.instance) await this.stopInstance(this.instance);
    await this.closeAll();
    this.logger.info(LOG_EVENTS.componentStopped, {});
    this.exit(0);
  }

  private async stopInstance(instance: ComponentInstance): Promise<void> {
    const done = instance.stop().catch((error: unknown) => {
      this.logger.error(LOG_EVENTS.componentStopFailed, { error });
    });
    if (!(await this.withCap(this.stopTimeoutMs, done))) {
      this.logger.warn(LOG_EVENTS.componentStopTimeout, { timeoutMs: this.stopTimeoutMs });
    }
  }

  private async closeAll(): Promise<void> {
    await this.withCap(
      this.exitStepTimeoutMs,
      this.metrics.stop().catch(() => undefined),
    );
    await this.withCap(
      this.exitStepTimeoutMs,
      this.ipc.close().catch((error: unknown) => this.logger.warn(LOG_EVENTS.ipcCloseFailed, { error })),
    );
  }

  private exit(code: number): void {
    this.deps.exit(code);
    this.resolveExited(code);
  }

  private async reportState(state: 'RUNNING' | 'ERRORED'): Promise<void> {
    try {
      await this.ipc.lifecycle.reportState(state);
    } catch (error) {
      this.logger.error(LOG_EVENTS.componentStateReportFailed, { state, error });
    }
  }

  /** Waits for `promise` at most `ms`; true when it settled in time. */
  private withCap(ms: number, promise: Promise<unknown>): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(ms, () => resolve(false));
      promise.then(
        () => {
          timer.cancel();
          resolve(true);
        },
        () => {
          timer.cancel();
          resolve(true);
        },
      );
    });
  }
}

/** The configuration without `accessControl` (the nucleus's authorization policy, not ours to parse). */
export function stripAccessControl(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const { accessControl: _ignored, ...rest } = raw as Record<string, unknown>;
  return rest;
}

/** JSON with object keys sorted, to compare configurations regardless of key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
