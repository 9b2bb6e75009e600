/**
 * JobHandler benchmark (issue 8), through local-core with the real components:
 * - time from CreateJob to every execution SUCCEEDED for a thing group of 10 simulated devices (each runs
 *   JobHandler, the scheduler and the relay with its simulated driver), over several jobs;
 * - memory per simulated device (RSS of its component processes after GC) and local-core's own RSS;
 * - idle RSS of JobHandler after GC against a bare node + aws-crt process measured in the same run
 *   (target ≤ 1.3×).
 *
 *   npm run bench:job-handler      prints a table, writes bench/results/job-handler.json
 *   BENCH_DEVICES=10 BENCH_JOBS=5  (defaults)
 */
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateJobCommand, DescribeJobCommand, IoTClient } from '@aws-sdk/client-iot';
import { buildAll } from '../scripts/build.ts';
import { startLocalCore } from '../test/support/local-core-harness.ts';
import { bareCrtRss, percentile, rssOf, settle, writeResults } from './support/measure.ts';

const ROOT = resolve(import.meta.dirname, '..');
const DEVICES = Number(process.env.BENCH_DEVICES ?? 10);
const JOBS = Number(process.env.BENCH_JOBS ?? 5);
const ARN = 'arn:aws:iot:eu-west-1:000000000000';
const COMPONENTS = {
  jobHandler: 'com.matchdayalert.JobHandler',
  scheduler: 'com.matchdayalert.Scheduler',
  relay: 'com.matchdayalert.GpioRelay',
} as const;

/** The pids of component processes under `root`, by thing and component (from each process's cwd). */
function componentPids(root: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const prefix = join(root, 'things');
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      continue;
    }
    if (!cwd.startsWith(`${prefix}/`)) continue;
    const [thing, work, component] = cwd.slice(prefix.length + 1).split('/');
    if (!thing || work !== 'work' || !component) continue;
    if (!out.has(thing)) out.set(thing, new Map());
    out.get(thing)!.set(component, Number(entry));
  }
  return out;
}

async function gcThenRss(pids: readonly number[]): Promise<Map<number, number>> {
  for (const pid of pids) process.kill(pid, 'SIGUSR2');
  await settle(800);
  return new Map(pids.map((pid) => [pid, rssOf(pid)]));
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  await buildAll(join(ROOT, 'build', 'artifacts'));
  const work = mkdtempSync(join(tmpdir(), 'bench-job-handler-'));
  // Every component process gets --expose-gc and a SIGUSR2 handler that collects garbage, so RSS can be
  // read after GC without changing the components.
  const preload = join(work, 'gc-on-sigusr2.cjs');
  writeFileSync(preload, "process.on('SIGUSR2', () => { if (global.gc) { global.gc(); global.gc(); } });\n");
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --expose-gc --require ${preload}`.trim();

  const things = Array.from({ length: DEVICES }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
  const core = await startLocalCore({
    recipesDir: join(ROOT, 'recipes'),
    artifactsDir: join(ROOT, 'build', 'artifacts'),
    root: join(work, 'core'),
    deployment: {
      things: things.map((name) => ({ name, thingGroups: ['bench-fleet'] })),
      components: {
        [COMPONENTS.jobHandler]: { componentVersion: '1.0.0' },
        [COMPONENTS.scheduler]: { componentVersion: '1.0.0' },
        [COMPONENTS.relay]: {
          componentVersion: '1.0.0',
          configurationUpdate: { merge: JSON.stringify({ driver: 'simulated' }) },
        },
      },
      nucleus: { interpolateComponentConfiguration: true },
    },
    startTimeoutMs: 120_000,
  });
  const iot = new IoTClient({
    endpoint: core.endpoints.api.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    const startedAt = performance.now();
    await core.waitFor(
      (s) =>
        things.every((t) =>
          Object.values(COMPONENTS).every((c) => s.things[t]?.components[c]?.state === 'RUNNING'),
        ),
      180_000,
    );
    // RUNNING means "Run started": give every core time to connect and subscribe.
    await settle(5_000);
    const fleetStartMs = performance.now() - startedAt;

    const durations: number[] = [];
    for (let j = 0; j < JOBS; j++) {
      const jobId = `bench-${Date.now()}-${j}`;
      const t0 = performance.now();
      await iot.send(
        new CreateJobCommand({
          jobId,
          targets: [`${ARN}:thinggroup/bench-fleet`],
          document: JSON.stringify({
            version: 1,
            operation: 'upsertCustomEvent',
            args: { eventId: `bench-event-${j}`, title: 'Bench event', start: '2030-06-01T18:00:00Z' },
          }),
        }),
      );
      for (;;) {
        const { job } = await iot.send(new DescribeJobCommand({ jobId }));
        const d = job?.jobProcessDetails;
        const ended =
          (d?.numberOfSucceededThings ?? 0) +
          (d?.numberOfFailedThings ?? 0) +
          (d?.numberOfRejectedThings ?? 0) +
          (d?.numberOfTimedOutThings ?? 0);
        if (ended === DEVICES) {
          if (d?.numberOfSucceededThings !== DEVICES)
            throw new Error(`job ${jobId} did not succeed everywhere`);
          break;
        }
        if (performance.now() - t0 > 120_000) throw new Error(`job ${jobId} did not finish in 120 s`);
        await settle(10);
      }
      durations.push(performance.now() - t0);
    }
    durations.sort((a, b) => a - b);

    await settle(3_000);
    const pids = componentPids(core.root);
    const all = [...pids.values()].flatMap((m) => [...m.values()]);
    const rss = await gcThenRss(all);
    const perDevice = things
      .map((t) => [...(pids.get(t)?.values() ?? [])].reduce((sum, pid) => sum + (rss.get(pid) ?? 0), 0))
      .sort((a, b) => a - b);
    const jobHandlerRss = things
      .map((t) => rss.get(pids.get(t)?.get(COMPONENTS.jobHandler) ?? -1) ?? 0)
      .filter((v) => v > 0)
      .sort((a, b) => a - b);
    const localCoreRss = rssOf(core.endpoints.pid);
    const bare = await bareCrtRss();
    const jobHandlerMedian = percentile(jobHandlerRss, 0.5);

    const results = {
      devices: DEVICES,
      jobs: JOBS,
      fleetStartToRunningMs: fleetStartMs,
      createJobToAllSucceededMs: {
        p50: percentile(durations, 0.5),
        max: durations.at(-1) ?? 0,
        samples: durations,
      },
      memoryPerDeviceMB: {
        componentsP50: percentile(perDevice, 0.5) / 1024,
        componentsMax: (perDevice.at(-1) ?? 0) / 1024,
        localCoreTotalMB: localCoreRss / 1024,
        localCoreShareMB: localCoreRss / 1024 / DEVICES,
      },
      idleRss: {
        jobHandlerAfterGcMB: jobHandlerMedian / 1024,
        bareNodeWithAwsCrtMB: bare / 1024,
        ratio: jobHandlerMedian / bare,
        target: 1.3,
        measuredProcesses: jobHandlerRss.length,
      },
    };
    console.log(
      `\nJobHandler fleet benchmark — ${DEVICES} devices (JobHandler + Scheduler + simulated relay each)`,
    );
    console.table({
      'CreateJob → all SUCCEEDED p50 ms': results.createJobToAllSucceededMs.p50.toFixed(0),
      'CreateJob → all SUCCEEDED max ms': results.createJobToAllSucceededMs.max.toFixed(0),
      'device RSS p50 MB (3 processes)': results.memoryPerDeviceMB.componentsP50.toFixed(1),
      'device RSS max MB': results.memoryPerDeviceMB.componentsMax.toFixed(1),
      'local-core RSS MB (whole fleet)': results.memoryPerDeviceMB.localCoreTotalMB.toFixed(1),
      'local-core RSS per device MB': results.memoryPerDeviceMB.localCoreShareMB.toFixed(1),
      'JobHandler idle RSS after GC MB (p50)': results.idleRss.jobHandlerAfterGcMB.toFixed(1),
      'bare node + aws-crt RSS MB': results.idleRss.bareNodeWithAwsCrtMB.toFixed(1),
      'RSS ratio (target ≤ 1.3)': results.idleRss.ratio.toFixed(2),
    });
    writeResults('job-handler', results);
  } finally {
    iot.destroy();
    await core.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
