/**
 * GpioRelay benchmark (issue 6).
 * - relay/set → driver write through local-core: the probe peer (real IPC client) publishes
 *   `matchday/relay/set`; one way is until the simulated driver's durable write renames its state file
 *   (inotify), the round trip until the `matchday/relay/state` GpioRelay publishes afterwards.
 * - the same path inside one process (in-memory bus, real timers): set published → driver.write called.
 * - idle RSS of the GpioRelay process under local-core after a forced GC (SIGUSR2 to a preloaded hook),
 *   right after start and again after the latency run, against a bare node + aws-crt process measured in
 *   the same run.
 *
 *   npm run bench:gpio-relay            prints tables, writes bench/results/gpio-relay.json
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, watch } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { GpioRelayConfig } from '../components/gpio-relay/src/config.ts';
import { createGpioRelay } from '../components/gpio-relay/src/gpio-relay.ts';
import type { RelayDriver } from '../components/gpio-relay/src/relay-driver.ts';
import { TOPICS } from '../components/shared/contracts/index.ts';
import type { IotCoreMqtt, ShadowStore } from '../components/shared/ports/index.ts';
import { writeFileDurably } from '../components/shared/runtime/durable-file.ts';
import { NodeFileSystem } from '../components/shared/runtime/node-file-system.ts';
import { SystemClock } from '../components/shared/runtime/system-clock.ts';
import { buildAll } from '../scripts/build.ts';
import {
  FakeLifecycle,
  InMemoryBus,
  MemoryFileSystem,
  RecordingLogger,
  RecordingMetrics,
} from '../test/fakes/index.ts';
import { relayConfig } from '../test/gpio-relay/helpers.ts';
import { startRelayStack } from '../test/gpio-relay/relay-stack.ts';
import {
  bareCrtRss,
  componentPid,
  rssOf,
  type Stats,
  settle,
  stats,
  writeResults,
} from './support/measure.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 500);
const IN_MEMORY = Number(process.env.BENCH_IN_MEMORY ?? 5000);

async function inMemory(): Promise<Stats> {
  const bus = new InMemoryBus();
  let sentAt = 0;
  const samples: number[] = [];
  let wrote: (() => void) | undefined;
  const driver: RelayDriver = {
    name: 'simulated',
    line: 'bench',
    write: async () => {
      samples.push(performance.now() - sentAt);
      wrote?.();
    },
    onFault: () => {},
    close: async () => {},
  };
  const unused = {} as IotCoreMqtt & ShadowStore;
  const config: GpioRelayConfig = relayConfig({ driver: 'simulated' });
  const relay = createGpioRelay(
    {
      config,
      pubsub: bus.endpoint('gpioRelay'),
      iotCore: unused,
      shadows: unused,
      lifecycle: new FakeLifecycle(),
      clock: new SystemClock(),
      logger: new RecordingLogger(),
      metrics: new RecordingMetrics(),
      fs: new MemoryFileSystem(),
      workDir: '/bench',
      thingName: 'bench',
    },
    { openDriver: async () => driver },
  );
  await relay.start();
  const scheduler = bus.endpoint('scheduler');
  for (let i = 0; i < IN_MEMORY; i++) {
    const done = new Promise<void>((r) => {
      wrote = r;
    });
    sentAt = performance.now();
    await scheduler.publish(TOPICS.relaySet, { on: i % 2 === 0, reason: 'bench', alertId: `bench:${i}` });
    await done;
    // The core records every state it publishes; keep the bus's history from growing without bound.
    bus.published.length = 0;
  }
  await relay.stop();
  return stats(samples.slice(Math.min(500, samples.length / 10)));
}

/** What the simulated driver pays per switch: writeFileDurably (temp file, fsync, rename, dir fsync). */
async function durableWrite(): Promise<Stats> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-gpio-relay-'));
  const fs = new NodeFileSystem();
  const samples: number[] = [];
  try {
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      await writeFileDurably(
        fs,
        join(dir, 'simulated-relay.json'),
        new TextEncoder().encode(`{"on":${i % 2}}\n`),
      );
      samples.push(performance.now() - t0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return stats(samples);
}

async function main(): Promise<void> {
  await buildAll(join(ROOT, 'build', 'artifacts'));
  const oneProcess = await inMemory();
  const fileWrite = await durableWrite();

  process.env.NODE_OPTIONS = [
    process.env.NODE_OPTIONS,
    `--require ${join(ROOT, 'test', 'fixtures', 'gpio-relay', 'gc-on-signal.cjs')}`,
  ]
    .filter(Boolean)
    .join(' ');
  let roundTrip: Stats | undefined;
  let oneWay: Stats | undefined;
  let roundTripTmpfs: Stats | undefined;
  let idleRss = 0;
  let afterLoadRss = 0;
  const stack = await startRelayStack();
  try {
    const pid = componentPid(stack.folder, 'gpio-relay');
    const rssAfterGc = async () => {
      process.kill(pid, 'SIGUSR2');
      await settle(1000);
      return rssOf(pid);
    };
    await settle(3000);
    idleRss = await rssAfterGc();
    await stack.bench(50);
    // One way: the simulated driver's durable write ends with a rename of its state file, seen here
    // through inotify; both clocks are timeOrigin + performance.now() on this machine.
    const stateFile = findFile(stack.folder, 'simulated-relay.json');
    const renames: number[] = [];
    const watcher = watch(dirname(stateFile), (event, file) => {
      if (event === 'rename' && file === 'simulated-relay.json')
        renames.push(performance.timeOrigin + performance.now());
    });
    const timed = await stack.benchTimed(ROUND_TRIPS);
    watcher.close();
    roundTrip = stats(timed.samples);
    oneWay = stats(
      timed.sentAt.flatMap((sent, i) => {
        const written = renames.find((t) => t >= sent && t <= sent + timed.samples[i]!);
        return written === undefined ? [] : [written - sent];
      }),
    );
    await stack.publish(TOPICS.relaySet.name, { on: false, reason: 'idle' });
    await settle(2000);
    afterLoadRss = await rssAfterGc();
  } finally {
    await stack.stop();
  }
  // The same on tmpfs, where the simulated driver's fsyncs cost nothing: the IPC + core part of the path.
  if (existsSync('/dev/shm')) {
    const shm = await startRelayStack({}, { baseDir: '/dev/shm' });
    try {
      await shm.bench(50);
      roundTripTmpfs = stats(await shm.bench(ROUND_TRIPS));
    } finally {
      await shm.stop();
    }
  }
  delete process.env.NODE_OPTIONS;
  const bare = await bareCrtRss();

  const round = (s: Stats) => ({
    n: s.n,
    'p50 ms': s.p50.toFixed(3),
    'p90 ms': s.p90.toFixed(3),
    'p99 ms': s.p99.toFixed(3),
    'max ms': s.max.toFixed(3),
  });
  console.log('\nrelay/set → driver write');
  console.table({
    'local-core one way (set published → state file renamed)': round(oneWay!),
    'local-core round trip (set → write → state), upper bound': round(roundTrip),
    ...(roundTripTmpfs ? { 'same, work folder on tmpfs (no fsync cost)': round(roundTripTmpfs) } : {}),
    'in one process (in-memory bus), one way': round(oneProcess),
    "simulated driver's durable file write alone": round(fileWrite),
  });
  const ratio = idleRss / bare;
  console.log('\nRSS after GC (MB)');
  console.table({
    'GpioRelay under local-core, idle after start': (idleRss / 1024).toFixed(1),
    [`GpioRelay after ${ROUND_TRIPS + 50} round trips, idle again`]: (afterLoadRss / 1024).toFixed(1),
    'bare node + aws-crt': (bare / 1024).toFixed(1),
    'idle ratio (target ≤ 1.30)': ratio.toFixed(2),
    'after-load ratio': (afterLoadRss / bare).toFixed(2),
  });
  writeResults('gpio-relay', {
    setToDriverWrite: {
      localCoreOneWayMs: oneWay,
      localCoreRoundTripMs: roundTrip,
      localCoreRoundTripTmpfsMs: roundTripTmpfs ?? null,
      inMemoryOneWayMs: oneProcess,
      simulatedDurableWriteMs: fileWrite,
      loadAverage: loadavg(),
      targetP99Ms: 5,
      note: 'local-core figure is set → simulated write (durable: temp file, fsync, rename, dir fsync) → state back at the publisher: an upper bound of set → write',
    },
    rss: {
      gpioRelayIdleAfterGcMB: idleRss / 1024,
      gpioRelayAfterLoadAfterGcMB: afterLoadRss / 1024,
      bareNodeWithAwsCrtMB: bare / 1024,
      ratio,
      afterLoadRatio: afterLoadRss / bare,
      targetRatio: 1.3,
    },
  });
}

await main();

/** The first file called `name` below `dir`. */
function findFile(dir: string, name: string): string {
  const hit = readdirSync(dir, { recursive: true, withFileTypes: true }).find(
    (e) => e.isFile() && e.name === name,
  );
  if (!hit) throw new Error(`no ${name} below ${dir}`);
  return join(hit.parentPath, hit.name);
}
