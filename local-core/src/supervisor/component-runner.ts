/**
 * One generic component's lifecycle with the nucleus's semantics (NUC lifecyclemanager/Lifecycle.java,
 * GenericExternalService): Install → INSTALLED → (dependencies ready) → STARTING → Startup/Run → RUNNING,
 * Shutdown → FINISHED; errors counted per state within the reset window, 3 → BROKEN. Owns the step
 * processes (sh -c, own process group) and the component log; never touches IPC or configuration.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  type WriteStream,
} from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { MAX_TIMER_MS } from '../../../components/shared/runtime/system-clock.ts';
import type { ComponentLifecycle, LifecycleStep } from './recipe.ts';

export type ComponentState =
  | 'NEW'
  | 'INSTALLED'
  | 'STARTING'
  | 'RUNNING'
  | 'STOPPING'
  | 'FINISHED'
  | 'ERRORED'
  | 'BROKEN';

/** Default step timeouts in seconds (NUC Lifecycle.java). */
export const DEFAULT_TIMEOUTS = { install: 120, startup: 120, shutdown: 15, recover: 60 } as const;
/** The nucleus counts ERRORED per state; this many within the reset window makes the component BROKEN. */
export const MAXIMUM_CONTINUAL_ERROR = 3;
/** `errorResetTime` default: an error more than this after the previous one starts a new count. */
export const DEFAULT_ERROR_RESET_MS = 3_600_000;
/** Exec.gracefulShutdownTimeout: SIGTERM to the process group, SIGKILL after this. */
export const DEFAULT_GRACE_MS = 5_000;

export interface ComponentRunnerOptions {
  readonly name: string;
  readonly lifecycle: ComponentLifecycle;
  readonly workDir: string;
  readonly logFile: string;
  /** Interpolates recipe variables with the component's current configuration. */
  interpolate(text: string): string;
  /** The nucleus-provided environment (SVCUID, socket path, thing name, region, …). */
  baseEnv(): Record<string, string>;
  /** True when every dependency is RUNNING or FINISHED. */
  dependenciesReady(): boolean;
  onStateChange(name: string, state: ComponentState, previous: ComponentState): void;
  log(event: string, fields?: Record<string, unknown>): void;
  readonly errorResetMs?: number;
  readonly graceMs?: number;
  readonly now?: () => number;
}

type StepName = 'Install' | 'Startup' | 'Run' | 'Shutdown' | 'Recover';

function onPath(executable: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, executable), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {}
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    // Node fires a delay above 2^31−1 ms at once; a longer step timeout is effectively unbounded.
    const timer = setTimeout(() => resolve(false), Math.min(ms, MAX_TIMER_MS));
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** True while a live (non-zombie) process of group `pgid` exists. Linux reads /proc; elsewhere kill(-pgid, 0). */
export function groupAlive(pgid: number): boolean {
  if (existsSync('/proc/self/stat')) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue;
      }
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') return true;
    }
    return false;
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGTERM to the process group; the group (the shell and what it started) gets the grace period to exit,
 * then SIGKILL.
 */
export async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  const pgid = child.pid;
  killGroup(child, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  await waitExit(child, graceMs);
  while (pgid !== undefined && groupAlive(pgid) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (!exited(child) || (pgid !== undefined && groupAlive(pgid))) {
    killGroup(child, 'SIGKILL');
    await waitExit(child, 2_000);
    // The shell's exit is not its children's: wait until every SIGKILLed member is gone too (bounded).
    const killDeadline = Date.now() + 2_000;
    while (pgid !== undefined && groupAlive(pgid) && Date.now() < killDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Runs one component's lifecycle; every state change happens on one serial task chain. */
export class ComponentRunner {
  private current: ComponentState = 'NEW';
  private target: 'RUNNING' | 'FINISHED' | undefined;
  private chain: Promise<void> = Promise.resolve();
  private main: ChildProcess | undefined;
  private stepProcess: ChildProcess | undefined;
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly errors = new Map<ComponentState, number[]>();
  private logStream: WriteStream | undefined;
  private restartCount = 0;
  private lastReason = '';

  constructor(private readonly options: ComponentRunnerOptions) {}

  get name(): string {
    return this.options.name;
  }
  get state(): ComponentState {
    return this.current;
  }
  /** Times the nucleus restarted the component after an error. */
  get restarts(): number {
    return this.restartCount;
  }
  get statusReason(): string {
    return this.lastReason;
  }

  /** Desired state RUNNING (a BROKEN component stays BROKEN until `reinstall`). */
  start(): Promise<void> {
    return this.enqueue(async () => {
      if (this.current === 'BROKEN') return;
      this.target = 'RUNNING';
      await this.advance();
    });
  }

  /** Re-evaluates a pending start, e.g. after a dependency changed state. */
  poke(): void {
    if (this.target === 'RUNNING' && (this.current === 'INSTALLED' || this.current === 'FINISHED')) {
      void this.enqueue(() => this.advance());
    }
  }

  /** Desired state FINISHED: Shutdown step, then SIGTERM/SIGKILL of the Run/Startup process group. */
  stop(): Promise<void> {
    this.target = 'FINISHED';
    if (this.stepProcess !== undefined) killGroup(this.stepProcess, 'SIGTERM');
    return this.enqueue(async () => {
      this.target = 'FINISHED';
      if (this.current === 'BROKEN') return;
      await this.shutdown();
      this.setState('FINISHED', 'stopped');
    });
  }

  /**
   * requestRestart: stop (Shutdown, kill) and start again, waiting for dependencies; used when a HARD
   * dependency of a STARTING or RUNNING component is no longer ready.
   */
  restart(): Promise<void> {
    return this.enqueue(async () => {
      if (this.current !== 'STARTING' && this.current !== 'RUNNING') return;
      await this.shutdown();
      this.setState('INSTALLED', 'restarting: a HARD dependency is not ready');
      this.target = 'RUNNING';
      await this.advance();
    });
  }

  /** Back to NEW with the error counts cleared, as a deployment reinstalls a component. */
  reinstall(): Promise<void> {
    return this.enqueue(async () => {
      await this.shutdown();
      this.errors.clear();
      this.setState('NEW', 'reinstall requested');
    });
  }

  /** IPC UpdateState from the component. */
  reportState(state: 'RUNNING' | 'ERRORED'): void {
    const generation = this.generation;
    void this.enqueue(async () => {
      if (generation !== this.generation) return;
      if (state === 'RUNNING' && this.current === 'STARTING') {
        this.clearTimer();
        this.setState('RUNNING', 'UpdateState RUNNING');
        this.target = undefined;
      } else if (state === 'ERRORED' && (this.current === 'STARTING' || this.current === 'RUNNING')) {
        await this.handleError(this.current, 'UpdateState ERRORED');
      }
    });
  }

  /** Stops everything and closes the log. */
  async close(): Promise<void> {
    await this.stop();
    await new Promise<void>((resolve) => {
      if (this.logStream === undefined) resolve();
      else this.logStream.end(resolve);
    });
    this.logStream = undefined;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task).catch((error: unknown) => {
      this.options.log('supervisor.component.internal-error', { component: this.name, error: String(error) });
    });
    this.chain = next;
    return next;
  }

  private setState(state: ComponentState, reason: string): void {
    const previous = this.current;
    if (previous === state) return;
    // A non-ERRORED report resets the error count of the state being left (NUC Lifecycle.internalReportState).
    if (state !== 'ERRORED') this.errors.delete(previous);
    this.current = state;
    this.lastReason = reason;
    this.options.log('supervisor.component.state', { component: this.name, state, previous, reason });
    this.options.onStateChange(this.name, state, previous);
  }

  private async advance(): Promise<void> {
    if (this.target !== 'RUNNING') return;
    if (this.current === 'NEW') {
      const ok = await this.install();
      if (!ok) return;
    }
    if (this.current !== 'INSTALLED' && this.current !== 'FINISHED') return;
    if (!this.options.dependenciesReady()) {
      if (this.current === 'FINISHED') this.setState('INSTALLED', 'waiting for dependencies');
      return;
    }
    this.launch();
  }

  private async install(): Promise<boolean> {
    const step = this.options.lifecycle.install;
    if (step !== undefined) {
      const result = await this.runStep('Install', step, DEFAULT_TIMEOUTS.install);
      if (result !== 'ok') {
        if (this.target !== 'RUNNING') return false;
        await this.handleError('NEW', result === 'timeout' ? 'Timeout in install' : 'install errored');
        return false;
      }
    }
    this.setState('INSTALLED', 'installed');
    return true;
  }

  private launch(): void {
    const { startup, run } = this.options.lifecycle;
    this.generation += 1;
    const generation = this.generation;
    this.setState('STARTING', 'starting');
    const step = startup ?? run;
    if (step === undefined) {
      this.setState('FINISHED', 'no Run or Startup step');
      this.target = undefined;
      return;
    }
    const name: StepName = startup !== undefined ? 'Startup' : 'Run';
    if (this.skipped(step)) {
      this.setState(name === 'Startup' ? 'RUNNING' : 'FINISHED', `${name} skipped`);
      this.target = undefined;
      return;
    }
    const child = this.spawnStep(name, step);
    this.main = child;
    child.once('exit', (code, signal) => {
      void this.enqueue(() => this.onMainExit(generation, name, code, signal));
    });
    child.once('error', (error) => {
      this.options.log('supervisor.component.spawn-failed', { component: this.name, error: String(error) });
    });
    const timeoutSeconds = step.timeoutSeconds ?? (name === 'Startup' ? DEFAULT_TIMEOUTS.startup : undefined);
    if (timeoutSeconds !== undefined) {
      this.timer = setTimeout(
        () => {
          void this.enqueue(async () => {
            if (generation !== this.generation) return;
            if (name === 'Startup' && this.current !== 'STARTING') return;
            if (name === 'Run' && this.current !== 'RUNNING') return;
            this.options.log('supervisor.component.timeout', {
              component: this.name,
              step: name,
              timeoutSeconds,
            });
            await this.handleError(this.current, `${name} timeout`);
          });
        },
        Math.min(timeoutSeconds * 1000, MAX_TIMER_MS),
      );
    }
    if (name === 'Run') {
      this.setState('RUNNING', 'Run started');
      this.target = undefined;
    }
  }

  private async onMainExit(
    generation: number,
    name: StepName,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): Promise<void> {
    if (generation !== this.generation) return;
    this.options.log('supervisor.component.exit', { component: this.name, step: name, code, signal });
    if (this.current === 'STOPPING' || this.current === 'FINISHED' || this.current === 'BROKEN') return;
    if (this.current === 'ERRORED') return;
    if (code === 0) {
      if (name === 'Startup') {
        if (this.current === 'STARTING') {
          this.clearTimer();
          this.setState('RUNNING', 'Startup exited 0');
          this.target = undefined;
        }
        return;
      }
      this.clearTimer();
      this.main = undefined;
      this.setState('FINISHED', 'Run exited 0');
      return;
    }
    await this.handleError(this.current, `${name} exited with ${code ?? signal}`);
  }

  private async handleError(from: ComponentState, reason: string): Promise<void> {
    this.clearTimer();
    const now = (this.options.now ?? Date.now)();
    const resetMs = this.options.errorResetMs ?? DEFAULT_ERROR_RESET_MS;
    let count = 0;
    if (from === 'NEW' || from === 'STARTING' || from === 'RUNNING') {
      const times = this.errors.get(from) ?? [];
      const last = times[times.length - 1];
      if (last !== undefined && now - last >= resetMs) times.length = 0;
      times.push(now);
      this.errors.set(from, times);
      count = times.length;
    }
    this.options.log('supervisor.component.errored', { component: this.name, from, reason, count });
    if (count >= MAXIMUM_CONTINUAL_ERROR) {
      this.generation += 1;
      await this.killProcesses(true);
      this.setState('BROKEN', `${reason}; ${count} errors within the reset window`);
      this.target = undefined;
      return;
    }
    this.setState('ERRORED', reason);
    this.generation += 1;
    const recover = this.options.lifecycle.recover;
    if (recover !== undefined) await this.runStep('Recover', recover, DEFAULT_TIMEOUTS.recover);
    if (this.target === 'FINISHED') return;
    this.restartCount += 1;
    if (from === 'NEW') {
      this.setState('NEW', 'retrying install');
    } else {
      this.setState('STOPPING', 'stopping after error');
      await this.killProcesses(true);
      this.setState('INSTALLED', 'restarting after error');
    }
    this.target = 'RUNNING';
    await this.advance();
  }

  private async shutdown(): Promise<void> {
    this.clearTimer();
    this.generation += 1;
    if (this.current === 'STARTING' || this.current === 'RUNNING' || this.current === 'ERRORED') {
      this.setState('STOPPING', 'stopping');
      await this.killProcesses(true);
    } else {
      await this.killProcesses(false);
    }
  }

  private async killProcesses(runShutdown: boolean): Promise<void> {
    const shutdown = this.options.lifecycle.shutdown;
    if (runShutdown && shutdown !== undefined) {
      await this.runStep('Shutdown', shutdown, DEFAULT_TIMEOUTS.shutdown);
    }
    const main = this.main;
    this.main = undefined;
    if (main !== undefined) await terminate(main, this.options.graceMs ?? DEFAULT_GRACE_MS);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private skipped(step: LifecycleStep): boolean {
    if (step.skipIf === undefined) return false;
    const [kind, ...rest] = this.options.interpolate(step.skipIf).trim().split(/\s+/);
    const target = rest.join(' ');
    return kind === 'onpath' ? onPath(target) : kind === 'exists' ? existsSync(target) : false;
  }

  /** Runs a step to completion: ok, failed (non-zero exit) or timeout (killed). */
  private async runStep(
    name: StepName,
    step: LifecycleStep,
    defaultTimeout: number,
  ): Promise<'ok' | 'failed' | 'timeout'> {
    if (this.skipped(step)) return 'ok';
    const child = this.spawnStep(name, step);
    this.stepProcess = child;
    const timeoutMs = (step.timeoutSeconds ?? defaultTimeout) * 1000;
    const done = await waitExit(child, timeoutMs);
    this.stepProcess = undefined;
    if (!done) {
      this.options.log('supervisor.component.timeout', { component: this.name, step: name, timeoutMs });
      await terminate(child, this.options.graceMs ?? DEFAULT_GRACE_MS);
      return 'timeout';
    }
    return child.exitCode === 0 ? 'ok' : 'failed';
  }

  private spawnStep(name: StepName, step: LifecycleStep): ChildProcess {
    if (step.requiresPrivilege) {
      this.options.log('supervisor.component.privilege-ignored', {
        component: this.name,
        step: name,
        message: 'RequiresPrivilege: running as the current user',
      });
    }
    const env: Record<string, string> = { ...this.options.baseEnv() };
    for (const [k, v] of Object.entries(this.options.lifecycle.setenv)) env[k] = this.options.interpolate(v);
    for (const [k, v] of Object.entries(step.setenv)) env[k] = this.options.interpolate(v);
    const script = this.options.interpolate(step.script);
    mkdirSync(this.options.workDir, { recursive: true });
    const child = spawn('sh', ['-c', script], {
      cwd: this.options.workDir,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pipeLines(child.stdout, name, 'INFO', 'stdout');
    this.pipeLines(child.stderr, name, 'WARN', 'stderr');
    return child;
  }

  private pipeLines(
    stream: NodeJS.ReadableStream | null,
    step: StepName,
    level: 'INFO' | 'WARN',
    kind: 'stdout' | 'stderr',
  ): void {
    if (stream === null) return;
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        this.writeLog(level, kind, step, buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
    });
    stream.on('end', () => {
      if (buffer !== '') this.writeLog(level, kind, step, buffer);
    });
  }

  private writeLog(level: string, kind: string, step: StepName, line: string): void {
    if (this.logStream === undefined) {
      mkdirSync(dirname(this.options.logFile), { recursive: true });
      this.logStream = createWriteStream(this.options.logFile, { flags: 'a' });
    }
    const name = this.name;
    this.logStream.write(
      `${new Date().toISOString()} [${level}] (Copier) ${name}: ${kind}. ${line}. ` +
        `{scriptName=services.${name}.lifecycle.${step}, serviceName=${name}, currentState=${this.current}}\n`,
    );
  }
}
