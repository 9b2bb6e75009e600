/**
 * The scraper core. Owns the fixture sources, their health, the last good snapshot (on disk) and the keys
 * it has issued. Consumes `matchday/scraper/run`; produces `matchday/fixtures` (a full snapshot per scrape,
 * on start, every interval and on request) and `matchday/scraper/run/result`. It never decides what a
 * missing fixture means (that is the scheduler's job) and never publishes a failed scrape as a good one.
 */
import { join } from 'node:path';
import { z } from 'zod';
import {
  type CommandResult,
  type Fixture,
  FixturesSnapshot,
  type Inbound,
  isInvalidRequest,
  type ScraperRunRequest,
  type SourceHealth,
  seasonOf,
  TOPICS,
} from '../../shared/contracts/index.ts';
import type { Closable, Timer } from '../../shared/ports/index.ts';
import type { ComponentContext, ComponentInstance } from '../../shared/runtime/component.ts';
import { writeFileDurably } from '../../shared/runtime/durable-file.ts';
import type { ScraperConfig, SourceConfig } from './config.ts';
import { FixtureIdentity, type LedgerEntry, type SourceRows } from './fixtures.ts';
import { DocumentFetcher } from './http-fetch.ts';
import { localDateOf } from './local-time.ts';
import { createSource } from './sources.ts';
import { cleanText } from './text.ts';
import type { FixtureSource, SourceReading } from './types.ts';

/** Stable log event codes. */
export const SCRAPER_EVENTS = {
  published: 'scraper.snapshot.published',
  replayed: 'scraper.snapshot.replayed',
  sourceFailed: 'scraper.source.failed',
  sourceIssues: 'scraper.source.issues',
  stateUnreadable: 'scraper.state.unreadable',
  stateWriteFailed: 'scraper.state.write.failed',
  runRejected: 'scraper.run.rejected',
  runAnswered: 'scraper.run.answered',
  scrapeCrashed: 'scraper.scrape.crashed',
} as const;

const LedgerEntrySchema = z.strictObject({ key: z.string().max(200), kickoffDate: z.iso.date() });
const StateFile = z.strictObject({
  version: z.literal(1),
  snapshot: FixturesSnapshot,
  ledger: z.array(LedgerEntrySchema).max(5000),
});
type StateFile = z.infer<typeof StateFile>;

const MAX_LEDGER = 5000;

/** A snapshot id unique per device: the scrape's instant plus randomness (no crypto module needed). */
function snapshotIdAt(now: number): string {
  return `snap-${now.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The scraper core plus `scrapeNow`, which tests and the run command use. */
export interface Scraper extends ComponentInstance {
  /** Scrapes (after any scrape in progress), publishes and returns the snapshot. */
  scrapeNow(): Promise<FixturesSnapshot>;
}

interface Wired {
  config: ScraperConfig;
  identity: FixtureIdentity;
  sources: { def: SourceConfig; source: FixtureSource }[];
}

export function createScraper(ctx: ComponentContext<ScraperConfig>): Scraper {
  const { pubsub, clock, logger, metrics, fs } = ctx;
  const fetcher = new DocumentFetcher(clock, fs, ctx.workDir);
  const health = new Map<string, SourceHealth>();
  let wired = wire(ctx.config);
  let lastGood: FixturesSnapshot | undefined;
  let ledger: LedgerEntry[] = [];
  let subscription: Closable | undefined;
  let timer: Timer | undefined;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let queued: Promise<FixturesSnapshot> | undefined;

  function wire(config: ScraperConfig): Wired {
    return {
      config,
      identity: new FixtureIdentity({
        ourTeams: config.home.teams,
        venues: config.home.venues,
        teamAliases: config.teamAliases,
        competitionAliases: config.competitionAliases,
        mergeWindowDays: config.mergeWindowDays,
      }),
      sources: config.sources
        .filter((s) => s.enabled)
        .map((def) => ({ def, source: createSource(def, config, fetcher, clock) })),
    };
  }

  const statePath = () => join(ctx.workDir, wired.config.stateFile);

  async function loadState(): Promise<void> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await fs.readFile(statePath());
    } catch (error) {
      logger.warn(SCRAPER_EVENTS.stateUnreadable, { path: statePath(), error: String(error) });
      return;
    }
    if (bytes === undefined) return;
    let parsed: StateFile;
    try {
      parsed = StateFile.parse(JSON.parse(new TextDecoder().decode(bytes)));
    } catch (error) {
      logger.warn(SCRAPER_EVENTS.stateUnreadable, { path: statePath(), error: String(error).slice(0, 300) });
      return;
    }
    lastGood = parsed.snapshot;
    ledger = parsed.ledger;
    for (const h of parsed.snapshot.sources) health.set(h.id, h);
  }

  async function saveState(snapshot: FixturesSnapshot): Promise<void> {
    const state: StateFile = { version: 1, snapshot, ledger };
    try {
      await fs.mkdirp(ctx.workDir);
      await writeFileDurably(fs, statePath(), new TextEncoder().encode(JSON.stringify(state)));
    } catch (error) {
      logger.error(SCRAPER_EVENTS.stateWriteFailed, { path: statePath(), error: String(error) });
    }
  }

  /** Checks one reading against the source's limits; a reason when it must count as failed. */
  function judge(def: SourceConfig, reading: SourceReading): string | undefined {
    const { rows, issues } = reading;
    const total = rows.length + issues.length;
    if (rows.length < Math.max(def.minRows, 1) && (def.minRows > 0 || total > 0)) {
      const first = issues[0] ? ` (first problem: ${issues[0].message})` : '';
      return `parsed ${rows.length} rows, expected at least ${Math.max(def.minRows, 1)}${first}`;
    }
    if (total > 0 && issues.length / total > wired.config.maxParseErrorRatio) {
      return `${issues.length} of ${total} rows unreadable, more than ${wired.config.maxParseErrorRatio * 100}% (first: ${issues[0]?.message})`;
    }
    return undefined;
  }

  async function scrape(): Promise<FixturesSnapshot> {
    const { config, identity, sources } = wired;
    const now = clock.now();
    const takenAt = new Date(now).toISOString();
    const outcomes = await Promise.all(
      sources.map(async ({ def, source }) => {
        try {
          const reading = await source.read();
          return { def, reading, error: judge(def, reading) };
        } catch (error) {
          return { def, reading: undefined, error: (error as Error).message || String(error) };
        }
      }),
    );
    const usable: SourceRows[] = [];
    const failures: string[] = [];
    let parsedRows = 0;
    for (const { def, reading, error } of outcomes) {
      const before = health.get(def.id);
      if (error === undefined && reading) {
        health.set(def.id, { id: def.id, ok: true, lastSuccess: takenAt, consecutiveFailures: 0 });
        usable.push({ sourceId: def.id, teams: def.teams, calendarOf: def.calendarOf, rows: reading.rows });
        parsedRows += reading.rows.length;
        if (reading.issues.length > 0) {
          logger.warn(SCRAPER_EVENTS.sourceIssues, {
            source: def.id,
            issues: reading.issues.length,
            first: reading.issues[0]?.message,
          });
        }
      } else {
        const lastError = cleanText(error ?? 'unknown error');
        health.set(def.id, {
          id: def.id,
          ok: false,
          ...(before?.lastSuccess ? { lastSuccess: before.lastSuccess } : {}),
          lastError,
          consecutiveFailures: (before?.consecutiveFailures ?? 0) + 1,
        });
        failures.push(`${def.id}: ${lastError}`);
        logger.warn(SCRAPER_EVENTS.sourceFailed, { source: def.id, url: def.url, error: lastError });
      }
    }
    const today = localDateOf(now, config.timeZone);
    let fixtures: Fixture[] = identity.build(usable, lastGood?.fixtures ?? [], ledger, today);
    let failureReason: string | undefined;
    if (failures.length > 0) failureReason = `source failed: ${failures.join('; ')}`;
    else if (sources.length === 0) failureReason = 'no source is enabled';
    else if (parsedRows === 0) failureReason = 'nothing parsed from any source';
    if (fixtures.length > 2000) {
      fixtures = fixtures.slice(0, 2000);
      failureReason ??= 'more than 2000 home fixtures: not plausible';
    }
    const candidate = {
      snapshotId: snapshotIdAt(now),
      takenAt,
      ok: failureReason === undefined,
      ...(failureReason !== undefined ? { failureReason: cleanText(failureReason) } : {}),
      replayed: false,
      sources: sources.map(({ def }) => health.get(def.id)!),
      fixtures,
    };
    const checked = FixturesSnapshot.safeParse(candidate);
    const snapshot: FixturesSnapshot = checked.success
      ? checked.data
      : {
          ...candidate,
          ok: false,
          failureReason: cleanText(`snapshot invalid at ${checked.error.issues[0]?.path.join('.')}`),
          fixtures: [],
        };
    if (stopped) return snapshot;
    if (snapshot.ok) {
      // Durable before it is published: the replay at the next start is then never older than what the
      // scheduler has applied.
      lastGood = snapshot;
      recordKeys(snapshot.fixtures, today);
      await saveState(snapshot);
    }
    await pubsub.publish(TOPICS.fixtures, snapshot);
    logger.info(SCRAPER_EVENTS.published, {
      snapshotId: snapshot.snapshotId,
      ok: snapshot.ok,
      fixtures: snapshot.fixtures.length,
      parsedRows,
      ...(snapshot.failureReason ? { failureReason: snapshot.failureReason } : {}),
    });
    if (!snapshot.ok) metrics.count('ScrapeFailures');
    return snapshot;
  }

  function recordKeys(fixtures: readonly Fixture[], today: string): void {
    const byKey = new Map(ledger.map((e) => [e.key, e] as const));
    for (const f of fixtures) byKey.set(f.key, { key: f.key, kickoffDate: f.kickoffDate });
    const oldestSeason = seasonOf(`${Number(today.slice(0, 4)) - 1}${today.slice(4)}`);
    ledger = [...byKey.values()]
      .filter((e) => seasonOf(e.kickoffDate) >= oldestSeason)
      .sort((a, b) => (a.kickoffDate < b.kickoffDate ? 1 : -1))
      .slice(0, MAX_LEDGER);
  }

  /** Runs scrapes one at a time; requests arriving during a scrape share the next one. */
  function scrapeNow(): Promise<FixturesSnapshot> {
    if (queued) return queued;
    const next = running.then(async () => {
      queued = undefined;
      return scrape();
    });
    queued = next;
    running = next.catch((error) => {
      logger.error(SCRAPER_EVENTS.scrapeCrashed, { error: String(error) });
    });
    return next;
  }

  function schedule(): void {
    timer?.cancel();
    if (stopped) return;
    timer = clock.setTimer(wired.config.scrapeIntervalMinutes * 60_000, () => {
      void scrapeNow()
        .catch(() => undefined)
        .finally(schedule);
    });
  }

  async function onRun(message: Inbound<ScraperRunRequest>): Promise<void> {
    let result: CommandResult;
    if (isInvalidRequest(message)) {
      logger.warn(SCRAPER_EVENTS.runRejected, { id: message.id, error: message.error });
      result = { id: message.id, ok: false, error: message.error };
    } else {
      try {
        const snapshot = await scrapeNow();
        result = snapshot.ok
          ? { id: message.id, ok: true }
          : {
              id: message.id,
              ok: false,
              error: {
                code: 'INTERNAL',
                message: `scrape failed: ${snapshot.failureReason ?? 'unknown'}`.slice(0, 500),
              },
            };
      } catch (error) {
        result = {
          id: message.id,
          ok: false,
          error: { code: 'INTERNAL', message: String(error).slice(0, 500) },
        };
      }
    }
    if (stopped) return;
    await pubsub.publish(TOPICS.scraperRunResult, result);
    logger.info(SCRAPER_EVENTS.runAnswered, { id: result.id, ok: result.ok });
  }

  return {
    async start() {
      await loadState();
      if (lastGood) {
        await pubsub.publish(TOPICS.fixtures, { ...lastGood, replayed: true });
        logger.info(SCRAPER_EVENTS.replayed, { snapshotId: lastGood.snapshotId, takenAt: lastGood.takenAt });
      }
      subscription = await pubsub.subscribe(TOPICS.scraperRun, (message) => {
        void onRun(message);
      });
      void scrapeNow()
        .catch(() => undefined)
        .finally(schedule);
    },
    async stop() {
      stopped = true;
      timer?.cancel();
      await subscription?.close();
    },
    async reconfigure(config: unknown) {
      wired = wire(config as ScraperConfig);
      fetcher.clear();
      for (const id of [...health.keys()]) if (!wired.sources.some((s) => s.def.id === id)) health.delete(id);
      schedule();
      void scrapeNow().catch(() => undefined);
    },
    scrapeNow,
  };
}
