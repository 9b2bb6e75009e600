/**
 * Scheduler benchmark (issue 4).
 * - alert boundary → `matchday/relay/set` published, with real timers (SystemClock) in one process, over
 *   ALERTS alerts (each a start and an end boundary): how late after the planned instant the set arrives.
 * - store save (sql.js export + durable write with real fsyncs) for one season and for ten years of history.
 * - planning 10,000 events (buildPlan) and one relayOn over that plan.
 * - idle RSS after GC of the Scheduler process under local-core with a season loaded, against a bare node +
 *   aws-crt process measured in the same run; and its peak RSS (VmHWM).
 *
 *   npm run bench:scheduler            prints tables, writes bench/results/scheduler.json
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SchedulerConfig } from '../components/scheduler/src/config.ts';
import type { GameRecord } from '../components/scheduler/src/model.ts';
import { buildPlan, relayOn } from '../components/scheduler/src/plan.ts';
import { createScheduler } from '../components/scheduler/src/scheduler.ts';
import { SchedulerStore } from '../components/scheduler/src/store.ts';
import { type RelaySet, TOPICS } from '../components/shared/contracts/index.ts';
import type { IotCoreMqtt, ShadowStore } from '../components/shared/ports/index.ts';
import { NodeFileSystem } from '../components/shared/runtime/node-file-system.ts';
import { SystemClock } from '../components/shared/runtime/system-clock.ts';
import { buildAll } from '../scripts/build.ts';
import {
  FakeClock,
  FakeLifecycle,
  InMemoryBus,
  RecordingLogger,
  RecordingMetrics,
} from '../test/fakes/index.ts';
import { startSchedulerStack, testConfig } from '../test/scheduler/scheduler-stack.ts';
import { configWith } from '../test/scheduler/support.ts';
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
const ALERTS = Number(process.env.BENCH_ALERTS ?? 150);
const SPACING_MS = 200;
const DAY = 86_400_000;

const wall = () => performance.timeOrigin + performance.now();
const iso = (ms: number) => new Date(ms).toISOString();

/** Boundary → relay/set with real timers: ALERTS alerts of 100 ms, one every 200 ms. */
async function boundaryLatency(): Promise<Stats & { missed: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scheduler-'));
  const bus = new InMemoryBus();
  const config: SchedulerConfig = configWith({ clockTrust: { override: 'trusted' } });
  const unused = {} as IotCoreMqtt & ShadowStore;
  const scheduler = createScheduler({
    config,
    pubsub: bus.endpoint('scheduler'),
    iotCore: unused,
    shadows: unused,
    lifecycle: new FakeLifecycle(),
    clock: new SystemClock(),
    logger: new RecordingLogger(),
    metrics: new RecordingMetrics(),
    fs: new NodeFileSystem(),
    workDir: dir,
    thingName: 'bench',
  });
  await scheduler.start();
  const peer = bus.endpoint('peer');
  const received: { at: number; set: RelaySet }[] = [];
  await peer.subscribe(TOPICS.relaySet, (set) => {
    received.push({ at: wall(), set: set as RelaySet });
  });
  const t0 = Math.ceil(Date.now() / 1000) * 1000 + 3000;
  for (let i = 0; i < ALERTS; i++) {
    const origin = { via: 'local' as const, ref: 'bench' };
    await peer.publish(TOPICS.commands, {
      id: `add-${i}`,
      type: 'upsertCustomEvent',
      args: { eventId: `b${i}`, title: `Bench ${i}`, start: iso(t0 + 10 * DAY) },
      origin,
    });
    const start = t0 + i * SPACING_MS;
    await peer.publish(TOPICS.commands, {
      id: `move-${i}`,
      type: 'updateAlert',
      args: { alertId: `b${i}:final`, start: iso(start), end: iso(start + SPACING_MS / 2) },
      origin,
    });
  }
  await bus.settle();
  await scheduler.flush();
  if (Date.now() > t0) throw new Error('setup took longer than the 3 s lead: lower BENCH_ALERTS');
  await settle(t0 + ALERTS * SPACING_MS + 500 - Date.now());
  await scheduler.stop();
  rmSync(dir, { recursive: true, force: true });
  const lateness: number[] = [];
  let missed = 0;
  for (let i = 0; i < ALERTS; i++) {
    const start = t0 + i * SPACING_MS;
    const on = received.find((r) => r.set.on && r.set.alertId === `b${i}:final`);
    // The first set after the end that no longer shows this alert (off, or the next alert when late).
    const off = received.find(
      (r) => r.at >= start + SPACING_MS / 2 - 5 && !(r.set.on && r.set.alertId === `b${i}:final`),
    );
    // A process stalled for longer than a whole alert never shows it: counted as missed, not as a latency.
    if (on) lateness.push(on.at - start);
    else missed++;
    if (off) lateness.push(off.at - (start + SPACING_MS / 2));
  }
  return { ...stats(lateness), missed };
}

function games(count: number, from: number): GameRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: 'game' as const,
    id: `${2016 + Math.floor(i / 25)}-${String((17 + Math.floor(i / 25)) % 100).padStart(2, '0')}:jpl:kaa-gent:team-${i % 25}#${1 + (i % 2)}`,
    title: `KAA Gent – Team ${i % 25}`,
    start: from + i * 7 * DAY,
    sourceStatus: 'scheduled' as const,
    kickoffConfirmed: true,
    kickoffDate: iso(from + i * 7 * DAY).slice(0, 10),
    missingCount: 0,
    source: 'club-site',
  }));
}

/** A store holding `seasons` seasons of history: 25 home games, 20 custom events, 10 edits each; 300 commands. */
async function storeSave(
  seasons: number,
): Promise<{ events: number; bytes: number; export: Stats; save: Stats }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const store = await SchedulerStore.open({
    fs: new NodeFileSystem(),
    path: join(dir, 'scheduler.db'),
    clock: new FakeClock(),
    logger: new RecordingLogger(),
    metrics: new RecordingMetrics(),
    saveRetryS: 5,
  });
  const from = Date.parse('2026-07-01T00:00:00Z') - (seasons - 1) * 365 * DAY;
  store.batch(() => {
    for (const g of games(25 * seasons, from)) store.putEvent(g);
    for (let i = 0; i < 20 * seasons; i++) {
      store.putEvent({
        kind: 'custom',
        id: `custom-${i}`,
        title: `Concert ${i}`,
        start: from + i * 17 * DAY,
        end: from + i * 17 * DAY + 3 * 3_600_000,
        origin: { via: 'shadow', ref: `custom-${i}` },
      });
    }
    for (let i = 0; i < 10 * seasons; i++) {
      store.setAlertEdit(`custom-${i}:final`, { eventId: `custom-${i}`, disabled: true, commandId: `e${i}` });
    }
    for (let i = 0; i < 300; i++) store.putCommand(`cmd-${i}`, from + i * 1000, { id: `cmd-${i}`, ok: true });
  });
  await store.durable();
  const exportMs: number[] = [];
  const saveMs: number[] = [];
  for (let i = 0; i < 60; i++) {
    let t = performance.now();
    store.exportBytes();
    exportMs.push(performance.now() - t);
    store.putCommand(`save-${i}`, from, { id: `save-${i}`, ok: true });
    t = performance.now();
    await store.durable();
    saveMs.push(performance.now() - t);
  }
  const bytes = store.exportBytes().byteLength;
  const events = store.data.events.size;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { events, bytes, export: stats(exportMs.slice(10)), save: stats(saveMs.slice(10)) };
}

function planning(count: number): { planMs: Stats; relayOnUs: Stats } {
  const config = configWith();
  const data = {
    events: new Map(
      games(count, Date.parse('2026-07-01T00:00:00Z')).map((g) => [g.id + String(Math.random()), g]),
    ),
    eventEdits: new Map(),
    alertEdits: new Map(),
    policy: undefined,
    lastFixtures: undefined,
  };
  const planMs: number[] = [];
  const relayUs: number[] = [];
  const now = Date.parse('2030-01-01T00:00:00Z');
  for (let i = 0; i < 12; i++) {
    const t = performance.now();
    const plan = buildPlan(data, now, {
      policy: config.alertPolicy,
      zone: config.timeZone,
      horizonDays: 400,
      maxOccurrences: 400,
      followClock: true,
    });
    planMs.push(performance.now() - t);
    const r = performance.now();
    relayOn(plan, now + i * 3_600_000);
    relayUs.push((performance.now() - r) * 1000);
  }
  return { planMs: stats(planMs.slice(2)), relayOnUs: stats(relayUs.slice(2)) };
}

function hwmOf(pid: number): number {
  return Number(/VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

async function memory(): Promise<{ idleKiB: number; peakKiB: number; bareKiB: number }> {
  await buildAll(join(ROOT, 'build', 'artifacts'));
  process.env.NODE_OPTIONS = [
    process.env.NODE_OPTIONS,
    `--require ${join(ROOT, 'test', 'fixtures', 'gpio-relay', 'gc-on-signal.cjs')}`,
  ]
    .filter(Boolean)
    .join(' ');
  const stack = await startSchedulerStack(testConfig({ safetyTickS: 15 }));
  let idleKiB: number;
  let peakKiB: number;
  try {
    const now = Date.now();
    // A season: 25 home games and 20 custom events.
    await stack.publish('matchday/fixtures', {
      snapshotId: 'season',
      takenAt: iso(now),
      ok: true,
      replayed: false,
      sources: [{ id: 'club-site', ok: true, consecutiveFailures: 0 }],
      fixtures: Array.from({ length: 25 }, (_, i) => {
        const kickoff = now + (i + 1) * 7 * DAY;
        return {
          key: `2026-27:jpl:kaa-gent:team-${i}#1`,
          competition: 'jpl',
          home: 'KAA Gent',
          away: `Team ${i}`,
          kickoffDate: iso(kickoff).slice(0, 10),
          kickoff: iso(kickoff),
          kickoffConfirmed: true,
          status: 'scheduled',
          source: 'club-site',
        };
      }),
    });
    for (let i = 0; i < 20; i++) {
      await stack.publish('matchday/commands', {
        id: `custom-${i}`,
        type: 'upsertCustomEvent',
        args: { eventId: `custom-${i}`, title: `Concert ${i}`, start: iso(now + (i + 1) * 11 * DAY) },
        origin: { via: 'local', ref: 'bench' },
      });
    }
    await stack.waitFor(() => stack.results().length >= 20, 30_000, 'custom events answered');
    const pid = componentPid(stack.folder, 'scheduler');
    await settle(3000);
    process.kill(pid, 'SIGUSR2');
    await settle(1000);
    idleKiB = rssOf(pid);
    peakKiB = hwmOf(pid);
  } finally {
    await stack.stop();
    delete process.env.NODE_OPTIONS;
  }
  return { idleKiB, peakKiB, bareKiB: await bareCrtRss() };
}

async function main(): Promise<void> {
  const boundary = await boundaryLatency();
  const season = await storeSave(1);
  const tenYears = await storeSave(10);
  const plan = planning(10_000);
  const mem = await memory();

  const ms = (n: number) => n.toFixed(2);
  console.log('\nalert boundary → relay/set published (real timers, in one process)');
  console.table({
    [`${ALERTS} alerts, ${boundary.n} boundaries`]: {
      'p50 ms': ms(boundary.p50),
      'p99 ms': ms(boundary.p99),
      'max ms': ms(boundary.max),
      missed: boundary.missed,
      'target p99': '≤ 20 ms',
    },
  });
  console.log('\nstore save (export + temp write + fsync + rename + fsync dir, real disk)');
  console.table({
    'one season': {
      events: season.events,
      'file KiB': (season.bytes / 1024).toFixed(0),
      'export p50 ms': ms(season.export.p50),
      'save p50 ms': ms(season.save.p50),
      'save p99 ms': ms(season.save.p99),
      target: '≤ 5 ms',
    },
    'ten years': {
      events: tenYears.events,
      'file KiB': (tenYears.bytes / 1024).toFixed(0),
      'export p50 ms': ms(tenYears.export.p50),
      'save p50 ms': ms(tenYears.save.p50),
      'save p99 ms': ms(tenYears.save.p99),
      target: '≤ 50 ms',
    },
  });
  console.log('\nplanning');
  console.table({
    'buildPlan, 10,000 events': { 'p50 ms': ms(plan.planMs.p50), 'max ms': ms(plan.planMs.max) },
    'relayOn over that plan': {
      'p50 ms': ms(plan.relayOnUs.p50 / 1000),
      'max ms': ms(plan.relayOnUs.max / 1000),
    },
  });
  const ratio = mem.idleKiB / mem.bareKiB;
  console.log('\nmemory (Scheduler under local-core, a season loaded, after GC)');
  console.table({
    'Scheduler idle RSS': { MiB: (mem.idleKiB / 1024).toFixed(1) },
    'Scheduler peak RSS (VmHWM)': { MiB: (mem.peakKiB / 1024).toFixed(1) },
    'bare node + aws-crt': { MiB: (mem.bareKiB / 1024).toFixed(1) },
    ratio: { MiB: `${ratio.toFixed(2)}× (target ≤ 1.3×)` },
  });
  writeResults('scheduler', {
    boundaryToRelaySet: { alerts: ALERTS, ...boundary, targetP99Ms: 20 },
    storeSave: {
      oneSeason: { ...season, targetMs: 5 },
      tenYears: { ...tenYears, targetMs: 50 },
    },
    planning10k: plan,
    memory: { ...mem, ratio, targetRatio: 1.3 },
  });
}

await main();
