/**
 * GpioRelay under the real local-core, from its shipping recipe and built artifact, with the simulated
 * driver and a peer (test.RelayProbe, real IPC client) that publishes sets and tests and records what comes
 * back. Used by the integration test and by bench/gpio-relay.ts.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandResult, RelayState } from '../../components/shared/contracts/index.ts';
import { type LocalCoreHandle, startLocalCore } from '../support/local-core-harness.ts';
import { FIXTURES, ROOT } from './helpers.ts';

export const RELAY = 'com.matchdayalert.GpioRelay';
export const PROBE = 'test.RelayProbe';
const THING = 'T1';

export interface RelayStack {
  readonly core: LocalCoreHandle;
  /** The temporary folder holding recipes, artifacts and local-core's root. */
  readonly folder: string;
  /** The GpioRelay work folder (where the simulated driver keeps `simulated-relay.json`). */
  readonly relayWork: string;
  /** GpioRelay's log file (its stdout, as local-core records it). */
  readonly relayLog: string;
  publish(topic: string, message: unknown): Promise<void>;
  /** Round trips relay/set → relay/state measured by the probe, ms. */
  bench(count: number): Promise<number[]>;
  /** Like `bench`, with when each set was published (epoch ms, µs precision: timeOrigin + now). */
  benchTimed(count: number): Promise<{ samples: number[]; sentAt: number[] }>;
  states(): RelayState[];
  results(): CommandResult[];
  /** The simulated light, as the driver last wrote it. */
  light(): { on: boolean; writes: number } | undefined;
  waitFor(check: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** The pid of the GpioRelay process, from local-core's status. */
  relayPid(): Promise<number | undefined>;
  /** Stops local-core (SIGTERM to every component) and removes the folder unless `keep`. */
  stop(keep?: boolean): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts local-core with GpioRelay (simulated driver unless `config` overrides it) and the probe. */
export async function startRelayStack(
  config: Record<string, unknown> = {},
  options: { expectStart?: boolean /** @default os.tmpdir() */; baseDir?: string } = {},
): Promise<RelayStack> {
  const expectStart = options.expectStart ?? true;
  const version = /ComponentVersion:\s*"([^"]+)"/.exec(
    readFileSync(join(ROOT, 'recipes', `${RELAY}.yaml`), 'utf8'),
  )?.[1];
  const built = join(ROOT, 'build', 'artifacts', RELAY, version ?? '?', 'gpio-relay.zip');
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);

  const work = mkdtempSync(join(options.baseDir ?? tmpdir(), 'gpio-relay-stack-'));
  const recipesDir = join(work, 'recipes');
  const artifactsDir = join(work, 'artifacts');
  mkdirSync(recipesDir, { recursive: true });
  cpSync(join(ROOT, 'recipes', `${RELAY}.yaml`), join(recipesDir, `${RELAY}.yaml`));
  cpSync(join(FIXTURES, 'local-core', 'recipes'), recipesDir, { recursive: true });
  cpSync(join(ROOT, 'build', 'artifacts', RELAY), join(artifactsDir, RELAY), { recursive: true });
  cpSync(join(FIXTURES, 'local-core', 'artifacts'), artifactsDir, { recursive: true });

  const core = await startLocalCore({
    recipesDir,
    artifactsDir,
    root: join(work, 'root'),
    deployment: {
      things: [{ name: THING }],
      components: {
        [RELAY]: {
          componentVersion: version,
          configurationUpdate: { merge: JSON.stringify({ driver: 'simulated', ...config }) },
        },
        [PROBE]: { componentVersion: '1.0.0' },
      },
    },
  });
  const thingRoot = join(work, 'root', 'things', THING);
  const relayWork = join(thingRoot, 'work', RELAY);
  const probeWork = join(thingRoot, 'work', PROBE);
  const relayLog = join(thingRoot, 'logs', `${RELAY}.log`);

  const readJson = <T>(file: string): T[] =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as T)
      : [];
  const events = () => readJson<{ topic: string; message: unknown }>(join(probeWork, 'events.jsonl'));

  async function waitFor(check: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > end)
        throw new Error(
          `${what} not met within ${timeoutMs} ms; local-core said:\n${core.output().slice(-4000)}`,
        );
      await sleep(25);
    }
  }

  try {
    await core.waitFor((s) => s.things[THING]?.components[PROBE]?.state === 'RUNNING', 60_000);
    if (expectStart) {
      await core.waitFor((s) => s.things[THING]?.components[RELAY]?.state === 'RUNNING', 60_000);
      // RUNNING in local-core's status means the process runs; the core has subscribed once it logged this.
      await waitFor(
        () => existsSync(relayLog) && readFileSync(relayLog, 'utf8').includes('"event":"component.started"'),
        30_000,
        'GpioRelay started',
      );
    }
    await waitFor(() => existsSync(join(probeWork, 'probe-port')), 15_000, 'probe port');
  } catch (error) {
    await core.stop();
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  const port = Number(readFileSync(join(probeWork, 'probe-port'), 'utf8'));
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`probe ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };

  return {
    core,
    folder: work,
    relayWork,
    relayLog,
    publish: async (topic, message) => void (await post('/publish', { topic, message })),
    bench: async (count) => (await post('/bench', { count })).samples as number[],
    benchTimed: async (count) =>
      (await post('/bench', { count })) as unknown as { samples: number[]; sentAt: number[] },
    states: () =>
      events()
        .filter((e) => e.topic === 'matchday/relay/state')
        .map((e) => e.message as RelayState),
    results: () =>
      events()
        .filter((e) => e.topic === 'matchday/relay/test/result')
        .map((e) => e.message as CommandResult),
    light: () => {
      const file = join(relayWork, 'simulated-relay.json');
      return existsSync(file)
        ? (JSON.parse(readFileSync(file, 'utf8')) as { on: boolean; writes: number })
        : undefined;
    },
    waitFor,
    relayPid: async () => {
      const status = (await core.status()).things[THING]?.components[RELAY] as { pid?: number } | undefined;
      return status?.pid;
    },
    async stop(keep = false) {
      await core.stop();
      if (!keep) rmSync(work, { recursive: true, force: true });
    },
  };
}
