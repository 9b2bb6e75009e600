/**
 * ShadowSync benchmark (issue 7), through the real local-core (Scheduler, GpioRelay with the simulated
 * driver, ShadowSync, ShadowManager syncing `matchday` with the cloud shadow service):
 * - UpdateThingShadow through the IoT data-plane API (@aws-sdk/client-iot-data-plane) → the resulting
 *   `matchday/relay/set` seen by a probe component (real IPC client): alternately disabling and enabling an
 *   active alert, so every edit switches the light. The path: REST → cloud shadow → sync → local shadow →
 *   ShadowSync → command → scheduler (durable store) → relay/set. One edit at a time: the next is sent
 *   once the previous one has left desired (ShadowSync's own shadow write and its sync are done).
 * - the reported document size over a season of edits (40 custom events, each then snoozed);
 * - ShadowSync's idle RSS after a forced GC against a bare node + aws-crt process measured in the same run.
 *
 *   npm run bench:shadow-sync        prints a table, writes bench/results/shadow-sync.json
 */
import { existsSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildAll } from '../scripts/build.ts';
import { processOf, startMatchdayStack } from '../test/shadow-sync/matchday-stack.ts';
import { bareCrtRss, rssOf, settle, stats, writeResults } from './support/measure.ts';

const ROOT = resolve(import.meta.dirname, '..');
const EDITS = Number(process.env.BENCH_EDITS ?? 240);
const WARMUP = 10;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Follows the probe's relay-set.jsonl, returning new lines as they are appended. */
function follow(file: string): () => { message: { on: boolean; alertId?: string }; at: number }[] {
  let offset = 0;
  let partial = '';
  return () => {
    if (!existsSync(file)) return [];
    const size = statSync(file).size;
    if (size <= offset) return [];
    const fd = openSync(file, 'r');
    const buffer = Buffer.alloc(size - offset);
    readSync(fd, buffer, 0, buffer.length, offset);
    offset = size;
    const text = partial + buffer.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    return lines.filter(Boolean).map((l) => JSON.parse(l));
  };
}

async function main(): Promise<void> {
  await buildAll(join(ROOT, 'build', 'artifacts'));
  process.env.NODE_OPTIONS = [
    process.env.NODE_OPTIONS,
    `--require ${join(ROOT, 'test', 'shadow-sync', 'fixtures', 'gc-on-signal.cjs')}`,
  ]
    .filter(Boolean)
    .join(' ');
  const stack = await startMatchdayStack();
  delete process.env.NODE_OPTIONS;
  try {
    const root = stack.core.root;
    const probeFile = join(root, 'things', 'pi-office', 'work', 'test.ShadowProbe', 'relay-set.jsonl');
    const next = follow(probeFile);
    const waitForSet = async (on: boolean, alertId: string, timeoutMs = 10_000): Promise<number> => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        for (const line of next()) {
          if (line.message.on === on && (!on || line.message.alertId === alertId)) return line.at;
        }
        if (Date.now() > end) {
          throw new Error(
            `no relay/set on=${on} within ${timeoutMs} ms; local-core said:\n${stack.core.output().slice(-3000)}`,
          );
        }
        await settle(1);
      }
    };

    // an event whose `final` alert is active now
    await stack.update({
      state: { desired: { events: { bench: { title: 'Bench', start: iso(Date.now() + 3.5 * HOUR) } } } },
    });
    await waitForSet(true, 'bench:final', 30_000);
    await settle(1500);
    const idleRss = await idleShadowSyncRss(root);

    const samples: number[] = [];
    const restSamples: number[] = [];
    let midRss = 0;
    for (let i = 0; i < EDITS + WARMUP; i++) {
      const disable = i % 2 === 0;
      const sent = performance.timeOrigin + performance.now();
      await stack.update({ state: { desired: { alerts: { 'bench:final': { disabled: disable } } } } });
      const answered = performance.timeOrigin + performance.now();
      const seen = await waitForSet(!disable, 'bench:final');
      if (i >= WARMUP) {
        samples.push(seen - sent);
        restSamples.push(answered - sent);
      }
      // one edit at a time, as people make them: the next starts once the device has settled this one
      await stack.waitFor(
        async () => (await stack.cloud())?.state.desired === undefined,
        10_000,
        'edit cleared',
      );
      if (i === Math.floor((EDITS + WARMUP) / 2)) midRss = await idleShadowSyncRss(root);
    }
    const latency = stats(samples);
    const rest = stats(restSamples);

    // a season: 40 custom events, each then snoozed, one edit per update
    const sizes: number[] = [];
    const measure = async () => {
      const doc = await stack.cloud();
      sizes.push(
        Buffer.byteLength(JSON.stringify(doc?.state.desired ?? {})) +
          Buffer.byteLength(JSON.stringify(doc?.state.reported ?? {})),
      );
    };
    const season = Date.now() + 24 * HOUR;
    const pendingCleared = async () =>
      stack.waitFor(
        async () => (await stack.cloud())?.state.desired === undefined,
        60_000,
        'season edits applied',
      );
    for (let n = 0; n < 40; n++) {
      await stack.update({
        state: {
          desired: {
            events: {
              [`season-${n}`]: {
                title: `Season event number ${n} with a fairly long descriptive title`,
                start: iso(season + n * 7 * 24 * HOUR),
                venue: 'Planet Group Arena',
              },
            },
          },
        },
      });
      if (n % 4 === 3) {
        await pendingCleared();
        await measure();
      }
    }
    for (let n = 0; n < 40; n++) {
      await stack.update({
        state: {
          desired: {
            alerts: { [`season-${n}:final`]: { snoozedUntil: iso(season + n * 7 * 24 * HOUR - 3.5 * HOUR) } },
          },
        },
      });
      if (n % 4 === 3) {
        await pendingCleared();
        await measure();
      }
    }
    await settle(2500);
    await measure();
    const final = (await stack.cloud())?.state.reported ?? {};
    const season_ = {
      maxDocumentBytes: Math.max(...sizes),
      finalDocumentBytes: sizes.at(-1),
      limitBytes: 8192,
      upcomingReported: (final.upcoming as unknown[] | undefined)?.length ?? 0,
      upcomingOmitted: final.upcomingOmitted,
    };

    const bare = await bareCrtRss();
    const afterRss = await idleShadowSyncRss(root);
    const rss = {
      shadowSyncIdleKiB: idleRss,
      shadowSyncMidRunKiB: midRss,
      shadowSyncAfterRunKiB: afterRss,
      bareNodeCrtKiB: bare,
      ratioIdle: Number((idleRss / bare).toFixed(2)),
      ratioAfterRun: Number((afterRss / bare).toFixed(2)),
      target: 1.3,
    };

    console.log('\nUpdateThingShadow (data-plane API) → matchday/relay/set, ms');
    console.table({ latency: { ...latency, targetP99: 100 }, restAnswer: rest });
    console.log('\nDocument size over a season of edits (desired + reported, bytes)');
    console.table({ season: season_ });
    console.log('\nShadowSync RSS after GC (KiB) vs bare node + aws-crt');
    console.table({ rss });
    writeResults('shadow-sync', {
      editToRelaySetMs: { ...latency, targetP99: 100, warmup: WARMUP },
      updateThingShadowAnswerMs: rest,
      season: season_,
      rss,
    });
  } finally {
    await stack.stop(process.env.BENCH_KEEP === '1');
  }
}

/** ShadowSync's RSS in KiB after a full GC (SIGUSR2 to the preloaded hook) and a short settle. */
async function idleShadowSyncRss(root: string): Promise<number> {
  const pid = processOf(root, 'shadow-sync/index.cjs');
  if (pid === undefined) throw new Error('no ShadowSync process');
  process.kill(pid, 'SIGUSR2');
  await settle(1000);
  return rssOf(pid);
}

await main();
