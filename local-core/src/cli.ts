/**
 * The `local-core` command line: `run` starts a local Greengrass core stand-in; `status`, `deploy`,
 * `metrics` and `cloud` talk to a running one through the control endpoint named in `<root>/endpoints.json`.
 * Exit codes: 0 success, 1 failed operation or bad input (message on stderr), 2 usage error.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readDeploymentFile } from './supervisor/deployment-file.ts';
import { type Endpoints, startLocalCore } from './supervisor/local-core.ts';

const USAGE = `Usage:
  local-core run --recipes <dir> --artifacts <dir> [--deployment <file>] [--thing <name>] [--root <dir>]
                 [--mqtt-port <n>] [--api-port <n>] [--jobs-time-scale <x>]
  local-core status  --root <dir>
  local-core deploy  --root <dir> <deployment.json>
  local-core metrics --root <dir> [--thing <name>]
  local-core cloud   --root <dir> --thing <name> offline|online`;

class UsageError extends Error {}

function portOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UsageError(`--${name}: expected a port 0-65535 (0 = random), got ${JSON.stringify(value)}`);
  }
  return n;
}

function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function readEndpoints(root: string): Endpoints {
  const file = join(resolve(root), 'endpoints.json');
  if (!existsSync(file))
    throw new Error(`no local-core is running under ${resolve(root)} (${file} does not exist)`);
  return JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
}

async function control(root: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const endpoints = readEndpoints(root);
  let response: Response;
  try {
    response = await fetch(`${endpoints.control.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (cause) {
    throw new Error(
      `local-core under ${resolve(root)} does not answer on ${endpoints.control.url} (pid ${endpoints.pid}): ${String(cause)}`,
    );
  }
  const payload = (await response.json()) as unknown;
  if (response.status === 400 || response.status === 404) {
    throw new Error((payload as { error?: string }).error ?? `control endpoint answered ${response.status}`);
  }
  if (response.status === 409) {
    process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
    throw new Error('deployment failed (see the result above)');
  }
  return payload;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      recipes: { type: 'string' },
      artifacts: { type: 'string' },
      deployment: { type: 'string' },
      thing: { type: 'string' },
      root: { type: 'string' },
      'mqtt-port': { type: 'string' },
      'api-port': { type: 'string' },
      'jobs-time-scale': { type: 'string' },
      'error-reset-seconds': { type: 'string' },
    },
    strict: true,
  });
  const timeScale = values['jobs-time-scale'] === undefined ? 1 : Number(values['jobs-time-scale']);
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    throw new UsageError(
      `--jobs-time-scale: expected a positive number, got ${JSON.stringify(values['jobs-time-scale'])}`,
    );
  }
  const resetSeconds =
    values['error-reset-seconds'] === undefined ? undefined : Number(values['error-reset-seconds']);
  if (resetSeconds !== undefined && (!Number.isFinite(resetSeconds) || resetSeconds <= 0)) {
    throw new UsageError(
      `--error-reset-seconds: expected a positive number, got ${values['error-reset-seconds']}`,
    );
  }
  const log = (event: string, fields?: Record<string, unknown>) => {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
  };
  const deployment = values.deployment === undefined ? undefined : readDeploymentFile(values.deployment);
  const core = await startLocalCore({
    recipesDir: required('recipes', values.recipes),
    artifactsDir: required('artifacts', values.artifacts),
    deployment,
    thing: values.thing,
    root: values.root ?? '.local/core',
    mqttPort: portOption('mqtt-port', values['mqtt-port'], 0),
    apiPort: portOption('api-port', values['api-port'], 0),
    jobsTimeScale: timeScale,
    log,
    ...(resetSeconds === undefined ? {} : { errorResetMs: resetSeconds * 1000 }),
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('local-core.stopping', { signal });
    core.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`local-core: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function readMetrics(root: string, thing: string | undefined): unknown[] {
  const thingsDir = join(resolve(root), 'things');
  if (!existsSync(thingsDir))
    throw new Error(`no local-core root at ${resolve(root)} (${thingsDir} does not exist)`);
  const out: unknown[] = [];
  for (const name of readdirSync(thingsDir).sort()) {
    if (thing !== undefined && name !== thing) continue;
    const file = join(thingsDir, name, 'cloudwatch', 'metrics.jsonl');
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() !== '') out.push(JSON.parse(line));
    }
  }
  return out;
}

/** Runs one CLI invocation; resolves with the exit code (`run` keeps the process alive). */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        await run(rest);
        return 0;
      case 'status': {
        const { values } = parseArgs({ args: rest, options: { root: { type: 'string' } }, strict: true });
        print(await control(required('root', values.root), 'GET', '/status'));
        return 0;
      }
      case 'deploy': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { root: { type: 'string' } },
          allowPositionals: true,
          strict: true,
        });
        const file = positionals[0];
        if (file === undefined || positionals.length > 1)
          throw new UsageError('deploy takes exactly one <deployment.json>');
        const deployment = readDeploymentFile(file);
        print(await control(required('root', values.root), 'POST', '/deploy', { source: file, deployment }));
        return 0;
      }
      case 'metrics': {
        const { values } = parseArgs({
          args: rest,
          options: { root: { type: 'string' }, thing: { type: 'string' } },
          strict: true,
        });
        print(readMetrics(required('root', values.root), values.thing));
        return 0;
      }
      case 'cloud': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { root: { type: 'string' }, thing: { type: 'string' } },
          allowPositionals: true,
          strict: true,
        });
        const state = positionals[0];
        if ((state !== 'online' && state !== 'offline') || positionals.length !== 1) {
          throw new UsageError(`cloud takes offline|online, got ${JSON.stringify(positionals.join(' '))}`);
        }
        print(
          await control(required('root', values.root), 'POST', '/cloud', {
            thing: required('thing', values.thing),
            online: state === 'online',
          }),
        );
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    const usage =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`local-core ${command ?? ''}: ${(error as Error).message}\n`);
    if (usage) process.stderr.write(`${USAGE}\n`);
    return usage ? 2 : 1;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0 || process.argv[2] !== 'run') process.exit(code);
    },
    (error: unknown) => {
      process.stderr.write(`local-core: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
