/**
 * Pure reconciliation of a fixtures snapshot with the stored games, by fixture key. A snapshot that is
 * not ok, already seen, or implausible changes nothing; absence marks a future game `missing` only after
 * N consecutive non-replayed ok snapshots. User edits live elsewhere and are never touched here.
 */
import type { Fixture, FixturesSnapshot } from '../../shared/contracts/index.ts';
import type { GameRecord } from './model.ts';
import { type Weekday, wallToInstant, weekdayOf } from './wall-time.ts';

export interface ReconcileOptions {
  readonly zone: string;
  readonly missingAfterSnapshots: number;
  readonly implausibleMinKnownFuture: number;
  readonly implausibleDropFraction: number;
  /** Earliest plausible local kick-off (`HH:mm`) per weekday. */
  readonly unconfirmedKickoff: Readonly<Record<Weekday, string>>;
  /** False while the clock is untrusted: "future" cannot be told, so no absence is counted. */
  readonly countAbsences: boolean;
  /** `takenAt` of the last snapshot applied, if any. */
  readonly lastAppliedTakenAt?: string | undefined;
}

export type ReconcileOutcome =
  | {
      readonly applied: false;
      readonly reason: 'not-ok' | 'duplicate' | 'stale' | 'implausible';
      readonly detail: string;
    }
  | {
      readonly applied: true;
      /** Records to write (new, changed, or with a changed absence count). */
      readonly put: readonly GameRecord[];
      readonly added: readonly string[];
      readonly updated: readonly string[];
      readonly cancelled: readonly string[];
      readonly missing: readonly string[];
    };

/** The start a fixture is planned on: its kick-off, or the conservative earliest one when unconfirmed. */
export function plannedStart(
  fixture: Fixture,
  options: Pick<ReconcileOptions, 'zone' | 'unconfirmedKickoff'>,
) {
  const given = fixture.kickoff === undefined ? undefined : Date.parse(fixture.kickoff);
  if (fixture.kickoffConfirmed && given !== undefined) return given;
  const [hour, minute] = options.unconfirmedKickoff[weekdayOf(fixture.kickoffDate, options.zone)]
    .split(':')
    .map(Number) as [number, number];
  const [year, month, day] = fixture.kickoffDate.split('-').map(Number) as [number, number, number];
  const conservative = wallToInstant({ year, month, day, hour, minute }, options.zone);
  // A placeholder time earlier than the conservative one is earlier still, hence safer.
  return given === undefined ? conservative : Math.min(given, conservative);
}

function recordOf(fixture: Fixture, options: ReconcileOptions): GameRecord {
  return {
    kind: 'game',
    id: fixture.key,
    title: `${fixture.home} – ${fixture.away}`,
    start: plannedStart(fixture, options),
    ...(fixture.venue === undefined ? {} : { venue: fixture.venue }),
    sourceStatus: fixture.status,
    kickoffConfirmed: fixture.kickoffConfirmed,
    kickoffDate: fixture.kickoffDate,
    missingCount: 0,
    source: fixture.source,
  };
}

const isFutureKnown = (g: GameRecord, now: number) =>
  g.start > now && (g.sourceStatus === 'scheduled' || g.sourceStatus === 'postponed');

/** Reconciles `snapshot` with `games` at `now`. Pure. */
export function reconcileFixtures(
  games: ReadonlyMap<string, GameRecord>,
  snapshot: FixturesSnapshot,
  lastSnapshotId: string | undefined,
  now: number,
  options: ReconcileOptions,
): ReconcileOutcome {
  if (!snapshot.ok) {
    return { applied: false, reason: 'not-ok', detail: snapshot.failureReason ?? 'snapshot not ok' };
  }
  if (snapshot.snapshotId === lastSnapshotId) {
    return { applied: false, reason: 'duplicate', detail: `snapshot ${snapshot.snapshotId} already applied` };
  }
  // A replay is the scraper's saved snapshot; when its state file is behind (a failed write), it is older
  // than what was applied, and applying it would move games back to superseded kick-offs.
  const applied = options.lastAppliedTakenAt;
  if (snapshot.replayed && applied !== undefined && Date.parse(snapshot.takenAt) < Date.parse(applied)) {
    return {
      applied: false,
      reason: 'stale',
      detail: `replayed snapshot ${snapshot.snapshotId} taken at ${snapshot.takenAt} is older than the last applied (${applied})`,
    };
  }
  const byKey = new Map(snapshot.fixtures.map((f) => [f.key, f]));
  const knownFuture = [...games.values()].filter((g) => g.sourceStatus === 'scheduled' && g.start > now);
  const dropped = knownFuture.filter((g) => !byKey.has(g.id)).length;
  if (
    knownFuture.length >= options.implausibleMinKnownFuture &&
    dropped > knownFuture.length * options.implausibleDropFraction
  ) {
    return {
      applied: false,
      reason: 'implausible',
      detail: `snapshot drops ${dropped} of ${knownFuture.length} known future games`,
    };
  }

  const put: GameRecord[] = [];
  const added: string[] = [];
  const updated: string[] = [];
  const cancelled: string[] = [];
  const missing: string[] = [];
  for (const fixture of byKey.values()) {
    const next = recordOf(fixture, options);
    const prev = games.get(fixture.key);
    if (!prev) {
      put.push(next);
      added.push(next.id);
      if (next.sourceStatus === 'cancelled') cancelled.push(next.id);
      continue;
    }
    const changed =
      prev.start !== next.start ||
      prev.sourceStatus !== next.sourceStatus ||
      prev.kickoffConfirmed !== next.kickoffConfirmed ||
      prev.title !== next.title ||
      prev.venue !== next.venue ||
      prev.kickoffDate !== next.kickoffDate;
    if (changed) {
      updated.push(next.id);
      if (next.sourceStatus === 'cancelled' && prev.sourceStatus !== 'cancelled') cancelled.push(next.id);
    }
    if (changed || prev.missingCount !== 0 || prev.source !== next.source) put.push(next);
  }
  if (!snapshot.replayed && options.countAbsences) {
    for (const game of games.values()) {
      if (byKey.has(game.id) || !isFutureKnown(game, now)) continue;
      const missingCount = game.missingCount + 1;
      const becomesMissing = missingCount >= options.missingAfterSnapshots;
      put.push({ ...game, missingCount, ...(becomesMissing ? { sourceStatus: 'missing' as const } : {}) });
      if (becomesMissing) missing.push(game.id);
    }
  }
  return { applied: true, put, added, updated, cancelled, missing };
}
