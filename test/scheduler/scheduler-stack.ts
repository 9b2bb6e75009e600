/**
 * The Scheduler under the real local-core, from its shipping recipe and built artifact, with a peer
 * (test.SchedulerProbe, real IPC client) that publishes fixtures, commands and relay states and records
 * what the scheduler publishes. Used by the integration tests.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandResult, RelaySet, StateSnapshot } from '../../components/shared/contracts/index.ts';
import { type LocalCoreHandle, startLocalCore } from '../support/local-core-harness.ts';

export const SCHEDULER = 'com.matchdayalert.Scheduler';
export const PROBE = 'test.SchedulerProbe';
export const THING = 'T1';
const ROOT = resolve(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'scheduler', 'local-core');

export interface Received<T> {
  readonly message: T;
  /** Wall time the probe received it, epoch ms. */
  readonly at: number;
}

export interface SchedulerStack {
  readonly core: LocalCoreHandle;
  readonly folder: string;
  readonly version: string;
  readonly schedulerLog: string;
  publish(topic: string, message: unknown): Promise<void>;
  relaySets(): Received<RelaySet>[];
  results(): Received<CommandResult>[];
  states(): Received<StateSnapshot>[];
  waitFor(check: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Pids of the scheduler's node process (found by its artifact path under this stack's folder). */
  schedulerPids(): number[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The scheduler's configuration for these tests, merged over the recipe's defaults. */
export function testConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    clockTrust: { override: 'trusted' },
    safetyTickS: 1,
    state: { debounceMs: 200 },
    updates: { deferMarginS: 0 },
    ...extra,
  };
}

export async function startSchedulerStack(config: Record<string, unknown>): Promise<SchedulerStack> {
  const version = /ComponentVersion:\s*"([^"]+)"/.exec(
    readFileSync(join(ROOT, 'recipes', `${SCHEDULER}.yaml`), 'utf8'),
  )?.[1];
  if (version === undefined) throw new Error('no ComponentVersion in the scheduler recipe');
  const built = join(ROOT, 'build', 'artifacts', SCHEDULER, version, 'scheduler.zip');
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);

  const work = mkdtempSync(join(tmpdir(), 'scheduler-stack-'));
  const recipesDir = join(work, 'recipes');
  const artifactsDir = join(work, 'artifacts');
  mkdirSync(recipesDir, { recursive: true });
  cpSync(join(ROOT, 'recipes', `${SCHEDULER}.yaml`), join(recipesDir, `${SCHEDULER}.yaml`));
  cpSync(join(FIXTURES, 'recipes'), recipesDir, { recursive: true });
  cpSync(join(ROOT, 'build', 'artifacts', SCHEDULER), join(artifactsDir, SCHEDULER), { recursive: true });
  cpSync(join(FIXTURES, 'artifacts'), artifactsDir, { recursive: true });

  const core = await startLocalCore({
    recipesDir,
    artifactsDir,
    root: join(work, 'root'),
    deployment: {
      things: [{ name: THING }],
      components: {
        [SCHEDULER]: { componentVersion: version, configurationUpdate: { merge: JSON.stringify(config) } },
        [PROBE]: { componentVersion: '1.0.0' },
      },
    },
  });
  const thingRoot = join(work, 'root', 'things', THING);
  const probeWork = join(thingRoot, 'work', PROBE);
  const schedulerLog = join(thingRoot, 'logs', `${SCHEDULER}.log`);
  const events = (topic: string) =>
    existsSync(join(probeWork, 'events.jsonl'))
      ? readFileSync(join(probeWork, 'events.jsonl'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { topic: string; message: unknown; at: number })
          .filter((e) => e.topic === topic)
      : [];

  async function waitFor(check: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > end) {
        const log = existsSync(schedulerLog) ? readFileSync(schedulerLog, 'utf8').slice(-3000) : '';
        throw new Error(
          `${what} not met within ${timeoutMs} ms; scheduler log:\n${log}\n${core.output().slice(-2000)}`,
        );
      }
      await sleep(20);
    }
  }

  try {
    await core.waitFor((s) => {
      const c = s.things[THING]?.components ?? {};
      return c[SCHEDULER]?.state === 'RUNNING' && c[PROBE]?.state === 'RUNNING';
    }, 60_000);
    await waitFor(
      () =>
        existsSync(schedulerLog) &&
        readFileSync(schedulerLog, 'utf8').includes('"event":"scheduler.started"'),
      30_000,
      'scheduler started',
    );
    await waitFor(() => existsSync(join(probeWork, 'probe-port')), 15_000, 'probe port');
  } catch (error) {
    await core.stop();
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  const port = Number(readFileSync(join(probeWork, 'probe-port'), 'utf8'));

  return {
    core,
    folder: work,
    version,
    schedulerLog,
    async publish(topic, message) {
      const response = await fetch(`http://127.0.0.1:${port}/publish`, {
        method: 'POST',
        body: JSON.stringify({ topic, message }),
      });
      if (!response.ok) throw new Error(`probe publish: ${response.status} ${await response.text()}`);
    },
    relaySets: () => events('matchday/relay/set').map((e) => ({ message: e.message as RelaySet, at: e.at })),
    results: () =>
      events('matchday/commands/result').map((e) => ({ message: e.message as CommandResult, at: e.at })),
    states: () => events('matchday/state').map((e) => ({ message: e.message as StateSnapshot, at: e.at })),
    waitFor,
    schedulerPids() {
      const marker = join(work, 'root');
      const pids: number[] = [];
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
          // The node process itself, not the shell local-core runs the Run script in.
          const isNode = /(^|\/)node$/.test(argv[0] ?? '');
          if (isNode && argv.some((a) => a.includes(marker) && a.endsWith('scheduler/index.cjs'))) {
            pids.push(Number(entry));
          }
        } catch {
          // The process ended while we looked.
        }
      }
      return pids;
    },
    async stop() {
      await core.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
