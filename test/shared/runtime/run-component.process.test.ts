/**
 * `runComponent` itself in a real Node process (environment, signals, process exit) against local-core's
 * IPC server, the way the nucleus runs a component.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createIpcServer, type IpcServer } from '../../../local-core/src/ipc/server.ts';
import { createConfigStore } from '../../../local-core/src/nucleus/config-store.ts';

const MAIN = resolve(import.meta.dirname, 'fixtures', 'demo-main.ts');
/** tsx's loader by absolute URL: `--import tsx` would resolve from the child's cwd, a temp folder. */
const TSX = import.meta.resolve('tsx');

interface Run {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

function start(env: Record<string, string>, cwd: string): Run {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((done) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== 78 && stderr) console.error(stderr);
      done(code);
    }),
  );
  return { child, lines, exited };
}

function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const tick = () => {
      const value = probe();
      if (value !== undefined) done(value);
      else if (Date.now() - started > timeoutMs) fail(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

let dir: string;
let server: IpcServer | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function localCore(configuration: Record<string, unknown>) {
  dir = mkdtempSync(join(tmpdir(), 'rc-proc-'));
  const socketPath = join(dir, 's');
  const config = createConfigStore();
  config.replace('Demo', configuration);
  const states: string[] = [];
  server = createIpcServer({
    socketPath,
    thingName: 'office-pi',
    authenticate: (token) => (token === 'DEMOTOKEN' ? 'Demo' : undefined),
    config,
    lifecycle: { reportState: (_component, state) => void states.push(state) },
    iotCore: { publish: async () => undefined, subscribe: async () => () => undefined },
    interpolateComponentConfiguration: false,
    log: () => undefined,
  });
  await server.listen();
  const env = {
    SVCUID: 'DEMOTOKEN',
    AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT: socketPath,
    AWS_IOT_THING_NAME: 'office-pi',
  };
  return { states, env, config };
}

const pubsub = { 'aws.greengrass.ipc.pubsub': { 'Demo:pubsub:1': { operations: ['*'], resources: ['*'] } } };

describe('runComponent in a real process', () => {
  it('reports RUNNING, logs JSON lines, and exits 0 after an orderly stop on SIGTERM', async () => {
    const core = await localCore({ leaseS: 90, accessControl: pubsub });
    const run = start(core.env, dir);
    children.push(run.child);
    await waitFor(() => (core.states.includes('RUNNING') ? true : undefined), 'RUNNING');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const events = run.lines.map((l) => l.event);
    expect(events).toEqual(
      expect.arrayContaining(['component.starting', 'ipc.connected', 'demo.started', 'component.started']),
    );
    expect(events.slice(-3)).toEqual(['component.stopping', 'demo.stopped', 'component.stopped']);
    expect(run.lines.find((l) => l.event === 'demo.started')).toMatchObject({
      component: 'Demo',
      level: 'info',
      leaseS: 90,
      workDir: dir,
    });
  });

  it('reports ERRORED and exits 78 on an invalid configuration', async () => {
    const core = await localCore({ leaseS: 'soon', accessControl: pubsub });
    const run = start(core.env, dir);
    children.push(run.child);
    expect(await run.exited).toBe(78);
    expect(core.states).toEqual(['ERRORED']);
    expect(run.lines.find((l) => l.event === 'component.config.invalid')).toMatchObject({ field: 'leaseS' });
  });

  it('exits 78 naming the missing variables when started outside Greengrass', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rc-proc-'));
    const run = start({}, dir);
    children.push(run.child);
    expect(await run.exited).toBe(78);
    expect(run.lines.find((l) => l.event === 'component.env.missing')?.variables).toEqual([
      'SVCUID',
      'AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT',
      'AWS_IOT_THING_NAME',
    ]);
  });
});
