/**
 * Runs the real `local-core` CLI in a child process for integration tests.
 *
 * ```ts
 * const core = await startLocalCore({ recipesDir, artifactsDir, deployment: { things: [...], components: {...} } });
 * await core.waitFor((s) => s.things.T1?.components['com.x']?.state === 'RUNNING', 15_000);
 * await core.deploy({ ...deployment, components: { ... } });   // `local-core deploy` (real CLI)
 * await core.setCloud('T1', false);                            // `local-core cloud … offline`
 * await core.stop();                                           // SIGTERM, waits for a clean exit
 * ```
 *
 * - `root` defaults to a fresh folder under the OS temp dir (removed by `stop()` unless `keepRoot`); the
 *   IPC socket of thing `<name>` is `<root>/things/<name>/ipc.socket`, its logs `<root>/things/<name>/logs/`.
 * - Components inherit the harness's environment plus `NODE_PATH=<repo>/node_modules`, so test components
 *   under test/fixtures can `createRequire(import.meta.url)('aws-iot-device-sdk-v2')`.
 * - `endpoints` is `<root>/endpoints.json`: MQTT broker (IoT Core stand-in), cloud API and control ports.
 * - `status()` asks the control endpoint directly (the JSON `local-core status` prints); `deploy` and
 *   `setCloud` run the CLI commands. `output()` returns what the run process printed so far (JSON log lines).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DeploymentResult, Endpoints, FleetStatus } from '../../local-core/src/supervisor/local-core.ts';

export type { DeploymentResult, Endpoints, FleetStatus };

const REPO = resolve(import.meta.dirname, '..', '..');
const CLI = join(REPO, 'local-core', 'src', 'cli.ts');

export interface StartLocalCoreOptions {
  readonly recipesDir: string;
  readonly artifactsDir: string;
  /** The deployment file's content (see local-core/README.md); written to `<root>/deployment.json`. */
  readonly deployment: unknown;
  readonly root?: string;
  /** Passed as `--thing`: run only this thing of the deployment. */
  readonly thing?: string;
  readonly jobsTimeScale?: number;
  readonly mqttPort?: number;
  readonly apiPort?: number;
  /** Extra CLI arguments for `run` (e.g. `['--error-reset-seconds', '5']`). */
  readonly extraArgs?: readonly string[];
  /** Keep the root folder after stop() (for debugging). */
  readonly keepRoot?: boolean;
  /** How long to wait for endpoints.json; default 30 s. */
  readonly startTimeoutMs?: number;
}

export interface LocalCoreHandle {
  readonly root: string;
  readonly endpoints: Endpoints;
  readonly process: ChildProcess;
  /** Status of every thing (components, states, restart counts, connectivity). */
  status(): Promise<FleetStatus>;
  /** Applies a deployment through `local-core deploy`; resolves with its result, rejects on a failed one. */
  deploy(deployment: unknown): Promise<DeploymentResult>;
  /** `local-core cloud --thing <thing> online|offline`. */
  setCloud(thing: string, online: boolean): Promise<void>;
  /** Polls status() until `predicate` holds; rejects after `timeoutMs` with the last status. */
  waitFor(predicate: (status: FleetStatus) => boolean, timeoutMs?: number): Promise<FleetStatus>;
  /** Everything the run process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM to the run process and wait for it to exit (SIGKILL after 20 s). */
  stop(): Promise<void>;
}

/** Result of one CLI invocation. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `local-core <args>` (through tsx) and resolves with its exit code and output. */
export function runLocalCoreCli(args: readonly string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { cwd: REPO, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts `local-core run` in a child process and waits until its endpoints.json is written. */
export async function startLocalCore(options: StartLocalCoreOptions): Promise<LocalCoreHandle> {
  const createdRoot = options.root === undefined;
  const root = resolve(options.root ?? mkdtempSync(join(tmpdir(), 'lc-')));
  mkdirSync(root, { recursive: true });
  const deploymentFile = join(root, 'deployment.json');
  writeFileSync(deploymentFile, JSON.stringify(options.deployment, null, 2));
  const endpointsFile = join(root, 'endpoints.json');
  rmSync(endpointsFile, { force: true });
  const args = [
    '--import',
    'tsx',
    CLI,
    'run',
    '--recipes',
    resolve(options.recipesDir),
    '--artifacts',
    resolve(options.artifactsDir),
    '--deployment',
    deploymentFile,
    '--root',
    root,
    '--mqtt-port',
    String(options.mqttPort ?? 0),
    '--api-port',
    String(options.apiPort ?? 0),
    ...(options.thing === undefined ? [] : ['--thing', options.thing]),
    ...(options.jobsTimeScale === undefined ? [] : ['--jobs-time-scale', String(options.jobsTimeScale)]),
    ...(options.extraArgs ?? []),
  ];
  const nodePath = [join(REPO, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(':');
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env: { ...process.env, NODE_PATH: nodePath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let endpoints: Endpoints | undefined;
  while (endpoints === undefined) {
    if (exitCode !== undefined) {
      throw new Error(`local-core run exited with ${exitCode} before it was ready:\n${output}`);
    }
    if (existsSync(endpointsFile)) {
      const parsed = JSON.parse(readFileSync(endpointsFile, 'utf8')) as Endpoints;
      if (parsed.pid === child.pid) endpoints = parsed;
    }
    if (endpoints === undefined) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(
          `local-core run was not ready within ${options.startTimeoutMs ?? 30_000} ms:\n${output}`,
        );
      }
      await sleep(50);
    }
  }
  const ready = endpoints;

  async function status(): Promise<FleetStatus> {
    const response = await fetch(`${ready.control.url}/status`);
    return (await response.json()) as FleetStatus;
  }

  return {
    root,
    endpoints: ready,
    process: child,
    status,
    async deploy(deployment) {
      const file = join(root, `deploy-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify(deployment, null, 2));
      const result = await runLocalCoreCli(['deploy', '--root', root, file]);
      if (result.code !== 0) {
        throw new Error(`local-core deploy exited ${result.code}: ${result.stderr}${result.stdout}`);
      }
      return JSON.parse(result.stdout) as DeploymentResult;
    },
    async setCloud(thing, online) {
      const result = await runLocalCoreCli([
        'cloud',
        '--root',
        root,
        '--thing',
        thing,
        online ? 'online' : 'offline',
      ]);
      if (result.code !== 0) throw new Error(`local-core cloud exited ${result.code}: ${result.stderr}`);
    },
    async waitFor(predicate, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      let last: FleetStatus | undefined;
      while (Date.now() < end) {
        last = await status();
        if (predicate(last)) return last;
        await sleep(100);
      }
      throw new Error(
        `condition not met within ${timeoutMs} ms; last status:\n${JSON.stringify(last, null, 2)}`,
      );
    },
    output: () => output,
    async stop() {
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      if (createdRoot && options.keepRoot !== true) rmSync(root, { recursive: true, force: true });
    },
  };
}
