/**
 * The shadow path end to end under the real local-core: Scheduler, GpioRelay (simulated driver) and
 * ShadowSync from their shipping recipes and built artifacts, ShadowManager synchronising `matchday` with
 * the cloud shadow service, an @aws-sdk/client-iot-data-plane client on the cloud API, and test.ShadowProbe
 * (real IPC client) recording every `matchday/relay/set`. Used by the end-to-end tests and bench/shadow-sync.ts.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GetThingShadowCommand,
  IoTDataPlaneClient,
  ResourceNotFoundException,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import type { RelaySet } from '../../components/shared/contracts/index.ts';
import { type LocalCoreHandle, startLocalCore } from '../support/local-core-harness.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(ROOT, 'test', 'shadow-sync', 'fixtures');
export const THING = 'pi-office';
export const SHADOW = 'matchday';
export const SCHEDULER = 'com.matchdayalert.Scheduler';
export const RELAY = 'com.matchdayalert.GpioRelay';
export const SHADOW_SYNC = 'com.matchdayalert.ShadowSync';
export const SHADOW_MANAGER = 'aws.greengrass.ShadowManager';
const PROBE = 'test.ShadowProbe';
const OURS = [SCHEDULER, RELAY, SHADOW_SYNC] as const;

export interface CloudDocument {
  state: {
    desired?: Record<string, unknown>;
    reported?: Record<string, unknown>;
    delta?: Record<string, unknown>;
  };
  metadata?: Record<string, unknown>;
  version: number;
}

export interface MatchdayStack {
  readonly core: LocalCoreHandle;
  readonly dataPlane: IoTDataPlaneClient;
  /** The cloud copy of the shadow, or `undefined` when it does not exist. */
  cloud(): Promise<CloudDocument | undefined>;
  /** UpdateThingShadow through the data-plane API; resolves with the accepted document. */
  update(request: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Every matchday/relay/set the probe received, with its arrival time (epoch ms). */
  relaySets(): { message: RelaySet; at: number }[];
  /** Polls `check` until it holds. */
  waitFor(check: () => boolean | Promise<boolean>, timeoutMs?: number, what?: string): Promise<void>;
  setOnline(online: boolean): Promise<void>;
  /** Kills ShadowSync's process; the supervisor starts it again. Resolves once it is RUNNING again. */
  restartShadowSync(): Promise<void>;
  /** Every component's state and restart count. */
  componentStates(): Promise<Record<string, { state: string; restarts: number }>>;
  stop(keep?: boolean): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid of the process this stack started whose command line has `script` under `root` (Linux /proc). */
export function processOf(root: string, script: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline.some((arg) => arg.startsWith(root) && arg.endsWith(script))) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}

function versionOf(component: string): string {
  const recipe = readFileSync(join(ROOT, 'recipes', `${component}.yaml`), 'utf8');
  const version = /ComponentVersion:\s*"([^"]+)"/.exec(recipe)?.[1];
  if (!version) throw new Error(`no ComponentVersion in ${component}.yaml`);
  return version;
}

export async function startMatchdayStack(
  options: { shadowSync?: Record<string, unknown>; scheduler?: Record<string, unknown> } = {},
): Promise<MatchdayStack> {
  const work = mkdtempSync(join(tmpdir(), 'shadow-sync-stack-'));
  const recipesDir = join(work, 'recipes');
  const artifactsDir = join(work, 'artifacts');
  mkdirSync(recipesDir, { recursive: true });
  for (const component of OURS) {
    const built = join(ROOT, 'build', 'artifacts', component, versionOf(component));
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
    cpSync(join(ROOT, 'recipes', `${component}.yaml`), join(recipesDir, `${component}.yaml`));
    cpSync(join(ROOT, 'build', 'artifacts', component), join(artifactsDir, component), { recursive: true });
  }
  cpSync(join(FIXTURES, 'recipes'), recipesDir, { recursive: true });
  cpSync(join(FIXTURES, 'artifacts'), artifactsDir, { recursive: true });

  const merge = (value: Record<string, unknown>) => ({ merge: JSON.stringify(value) });
  const core = await startLocalCore({
    recipesDir,
    artifactsDir,
    root: join(work, 'root'),
    deployment: {
      things: [{ name: THING, thingGroups: ['stadium'] }],
      nucleus: { interpolateComponentConfiguration: true },
      components: {
        [SHADOW_MANAGER]: {
          componentVersion: '2.3.9',
          configurationUpdate: merge({
            synchronize: { coreThing: { classic: false, namedShadows: [SHADOW] } },
          }),
        },
        [SCHEDULER]: {
          componentVersion: versionOf(SCHEDULER),
          configurationUpdate: merge({
            clockTrust: { override: 'trusted' },
            state: { debounceMs: 20 },
            ...(options.scheduler ?? {}),
          }),
        },
        [RELAY]: { componentVersion: versionOf(RELAY), configurationUpdate: merge({ driver: 'simulated' }) },
        [SHADOW_SYNC]: {
          componentVersion: versionOf(SHADOW_SYNC),
          configurationUpdate: merge({ reportMinIntervalMs: 200, ...(options.shadowSync ?? {}) }),
        },
        [PROBE]: { componentVersion: '1.0.0' },
      },
    },
  });
  const probeWork = join(work, 'root', 'things', THING, 'work', PROBE);
  const dataPlane = new IoTDataPlaneClient({
    endpoint: core.endpoints.api.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });

  async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition') {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > end) {
        throw new Error(
          `${what} not met within ${timeoutMs} ms; local-core said:\n${core.output().slice(-4000)}`,
        );
      }
      await sleep(20);
    }
  }

  const componentStates = async () => {
    const status = await core.status();
    return (status.things[THING]?.components ?? {}) as Record<string, { state: string; restarts: number }>;
  };

  try {
    await core.waitFor((s) => {
      const components = s.things[THING]?.components ?? {};
      return [...OURS, PROBE].every((c) => components[c]?.state === 'RUNNING');
    }, 60_000);
    await waitFor(() => existsSync(join(probeWork, 'ready')), 15_000, 'probe ready');
  } catch (error) {
    dataPlane.destroy();
    await core.stop();
    rmSync(work, { recursive: true, force: true });
    throw error;
  }

  return {
    core,
    dataPlane,
    async cloud() {
      try {
        const response = await dataPlane.send(
          new GetThingShadowCommand({ thingName: THING, shadowName: SHADOW }),
        );
        return JSON.parse(
          Buffer.from(response.payload ?? new Uint8Array()).toString('utf8'),
        ) as CloudDocument;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return undefined;
        throw error;
      }
    },
    async update(request) {
      const response = await dataPlane.send(
        new UpdateThingShadowCommand({
          thingName: THING,
          shadowName: SHADOW,
          payload: Buffer.from(JSON.stringify(request)),
        }),
      );
      return JSON.parse(Buffer.from(response.payload ?? new Uint8Array()).toString('utf8')) as Record<
        string,
        unknown
      >;
    },
    relaySets() {
      const file = join(probeWork, 'relay-set.jsonl');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { message: RelaySet; at: number });
    },
    waitFor,
    async setOnline(online) {
      await core.setCloud(THING, online);
    },
    async restartShadowSync() {
      const before = (await componentStates())[SHADOW_SYNC]?.restarts ?? 0;
      const pid = processOf(join(work, 'root'), 'shadow-sync/index.cjs');
      if (pid === undefined) throw new Error('no ShadowSync process found under this stack');
      process.kill(pid, 'SIGKILL');
      await waitFor(
        async () => {
          const now = (await componentStates())[SHADOW_SYNC];
          return now?.state === 'RUNNING' && now.restarts > before;
        },
        30_000,
        'ShadowSync restarted',
      );
    },
    componentStates,
    async stop(keep = false) {
      dataPlane.destroy();
      await core.stop();
      if (!keep) rmSync(work, { recursive: true, force: true });
    },
  };
}
