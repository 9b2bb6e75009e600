import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchedulerStore } from '../../components/scheduler/src/store.ts';
import { NodeFileSystem } from '../../components/shared/runtime/node-file-system.ts';
import { FakeClock, RecordingLogger, RecordingMetrics } from '../fakes/index.ts';

const KILLS = 200;
/** The V8 flags of the recipe's Run line: the child runs sql.js as the component does (and starts faster). */
const RUN_FLAGS = ['--max-semi-space-size=1', '--liftoff-only', '--optimize-for-size', '--single-threaded'];
const PARALLEL = 4;
const WASM = createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm');
let work: string;
let child: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'scheduler-crash-'));
  child = join(work, 'child.cjs');
  // Bundled once so that each of the hundreds of children starts in plain node, fast.
  await build({
    entryPoints: [resolve(import.meta.dirname, 'crash-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: child,
    logLevel: 'error',
  });
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/**
 * Runs one child and SIGKILLs it `delayMs` after its `afterAcks`-th acknowledged write (0: after it is
 * ready): it writes continuously, so the kill lands inside a save. Returns the ids it acknowledged.
 */
function runAndKill(dir: string, run: string, afterAcks: number, delayMs: number): Promise<string[]> {
  return new Promise((done, fail) => {
    const proc: ChildProcess = spawn(process.execPath, [...RUN_FLAGS, child, dir, run, WASM], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killTimer: NodeJS.Timeout | undefined;
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const acks = out.split('\nACK ').length - 1;
      if (!killTimer && out.includes('READY\n') && acks >= afterAcks) {
        killTimer = setTimeout(() => proc.kill('SIGKILL'), delayMs);
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    proc.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return fail(new Error(`child exited without being killed: ${err}`));
      // Only complete lines count: a line cut by the kill was never fully acknowledged.
      const lines = out.split('\n').slice(0, -1);
      done(lines.filter((l) => l.startsWith('ACK ')).flatMap((l) => l.slice(4).split(' ')));
    });
  });
}

async function lane(lane: number, kills: number): Promise<{ acked: number; writesSeen: number }> {
  const dir = join(work, `lane-${lane}`);
  const acked = new Set<string>();
  let writesSeen = 0;
  for (let k = 0; k < kills; k++) {
    const ids = await runAndKill(dir, `${lane}.${k}`, Math.floor(Math.random() * 4), Math.random() * 8);
    for (const id of ids) acked.add(id);
    if (ids.length > 0) writesSeen++;
    const store = await SchedulerStore.open({
      fs: new NodeFileSystem(),
      path: join(dir, 'scheduler.db'),
      clock: new FakeClock(),
      logger: new RecordingLogger(),
      metrics: new RecordingMetrics(),
      saveRetryS: 1,
      wasmPath: WASM,
    });
    const lost = [...acked].filter((id) => !store.commands.has(id));
    await store.close();
    expect(lost, `after kill ${k} of lane ${lane}`).toEqual([]);
  }
  return { acked: acked.size, writesSeen };
}

describe('durability under SIGKILL', () => {
  it(`always opens and keeps every answered command across ${KILLS} kills at random moments during writes`, async () => {
    const lanes = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => lane(i, KILLS / PARALLEL)));
    const acked = lanes.reduce((n, l) => n + l.acked, 0);
    const killedMidStream = lanes.reduce((n, l) => n + l.writesSeen, 0);
    // The kills really landed while the children were writing, not before their first write.
    expect(acked).toBeGreaterThan(KILLS);
    expect(killedMidStream).toBeGreaterThan(KILLS / 2);
  }, 300_000);
});
