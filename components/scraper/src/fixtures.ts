/**
 * From source rows to keyed home fixtures: which rows are our home games, canonical ids, the merge of
 * several sources (earlier source wins, gaps filled from later ones), and fixture keys with ordinals
 * matched to what was issued before (ARCHITECTURE §3). Pure: no I/O, no clock.
 */
import { type Fixture, fixtureKey, parseFixtureKey, seasonOf } from '../../shared/contracts/index.ts';
import { AliasTable, cleanText, matchesVenue, normaliseName } from './text.ts';
import type { SourceRow } from './types.ts';

/** The identity and home rules, built once per configuration. */
export interface IdentityRules {
  /** Our teams (canonical id → aliases), e.g. `kaa-gent`, `jong-kaa-gent`. */
  readonly ourTeams: Readonly<Record<string, readonly string[]>>;
  /** Our venues' names over the years. */
  readonly venues: readonly string[];
  /** Opponents' aliases (canonical id → aliases); unknown names are slugified. */
  readonly teamAliases: Readonly<Record<string, readonly string[]>>;
  /** Competition aliases (canonical slug → aliases); a missing competition is `unknown`. */
  readonly competitionAliases: Readonly<Record<string, readonly string[]>>;
  /** Rows of two sources for the same pairing at most this many days apart are one game. */
  readonly mergeWindowDays: number;
}

/** One source's rows, in precedence order, with the teams its calendar covers. */
export interface SourceRows {
  readonly sourceId: string;
  /** Which of our teams count as home sides in this source. */
  readonly teams: readonly string[];
  /** When set, any alias of any of our teams in this source means this team. */
  readonly calendarOf?: string | undefined;
  readonly rows: readonly SourceRow[];
}

/** An issued key and the local date it was last seen on: keeps ordinals stable across snapshots. */
export interface LedgerEntry {
  readonly key: string;
  readonly kickoffDate: string;
}

interface Candidate {
  row: SourceRow;
  source: string;
  home: string;
  away: string;
  competition: string;
  season: string;
}

export class FixtureIdentity {
  private readonly ours: AliasTable;
  private readonly teams: AliasTable;
  private readonly competitions: AliasTable;
  private readonly venues: readonly string[];

  constructor(private readonly rules: IdentityRules) {
    this.ours = new AliasTable(rules.ourTeams);
    this.teams = new AliasTable({ ...rules.teamAliases, ...rules.ourTeams });
    this.competitions = new AliasTable(rules.competitionAliases);
    this.venues = rules.venues.map(normaliseName);
  }

  /**
   * Whether a row is a home game of one of `teams` at our venue: the home side is one of our aliases, and
   * a venue, when the row has one, is one of our venues (a "home" final on neutral ground is not ours).
   */
  isHome(row: SourceRow, teams: readonly string[], calendarOf?: string): boolean {
    const home = this.ourTeam(row.home, calendarOf);
    if (home === undefined || !teams.includes(home)) return false;
    return row.venue === undefined || matchesVenue(row.venue, this.venues);
  }

  /**
   * Keyed, merged home fixtures. `previous` is the last good snapshot's fixtures, `ledger` every key issued
   * this season; `today` the local date (vanished games before it are played and keep their ordinal).
   */
  build(
    sources: readonly SourceRows[],
    previous: readonly Fixture[],
    ledger: readonly LedgerEntry[],
    today: string,
  ): Fixture[] {
    const merged: Candidate[] = [];
    for (const { sourceId, teams, calendarOf, rows } of sources) {
      for (const row of rows) {
        if (!this.isHome(row, teams, calendarOf)) continue;
        const c: Candidate = {
          row,
          source: sourceId,
          home: this.ourTeam(row.home, calendarOf)!,
          away: this.awayTeam(row.away, calendarOf),
          competition: row.competition ? this.competitions.canonical(row.competition) : 'unknown',
          season: seasonOf(row.kickoffDate),
        };
        const same = merged.find((m) => this.sameGame(m, c));
        if (same) fillFrom(same, c);
        else merged.push(c);
      }
    }
    return this.assignKeys(merged, previous, ledger, today);
  }

  private awayTeam(name: string, calendarOf: string | undefined): string {
    const ours = this.ourTeam(name, calendarOf);
    return ours ?? this.teams.canonical(name, 'unknown-team');
  }

  /** Our canonical team id for a name, or `undefined` when it is not one of ours. */
  ourTeam(name: string, calendarOf?: string): string | undefined {
    const id = this.ours.lookup(name);
    return id !== undefined && calendarOf !== undefined ? calendarOf : id;
  }

  private sameGame(a: Candidate, b: Candidate): boolean {
    return (
      a.season === b.season &&
      a.home === b.home &&
      a.away === b.away &&
      (a.competition === b.competition || a.competition === 'unknown' || b.competition === 'unknown') &&
      Math.abs(dayNumber(a.row.kickoffDate) - dayNumber(b.row.kickoffDate)) <= this.rules.mergeWindowDays
    );
  }

  private assignKeys(
    merged: Candidate[],
    previous: readonly Fixture[],
    ledger: readonly LedgerEntry[],
    today: string,
  ): Fixture[] {
    const groups = new Map<string, Candidate[]>();
    for (const c of merged) {
      const base = `${c.season}:${c.competition}:${c.home}:${c.away}`;
      groups.set(base, [...(groups.get(base) ?? []), c]);
    }
    const out: Fixture[] = [];
    for (const [base, group] of groups) {
      // A previous game whose date has passed without a postponement was played: it keeps its key only
      // for a row on (about) its own date, never for another meeting appearing as it vanishes.
      const inPrevious = previous
        .filter((f) => baseOf(f.key) === base)
        .map((f) => ({
          ...entry(f.key, f.kickoffDate),
          ...(f.kickoffDate < today && f.status === 'scheduled'
            ? { maxDistance: this.rules.mergeWindowDays }
            : {}),
        }));
      const prevKeys = new Set(inPrevious.map((e) => e.key));
      // A game that vanished and comes back keeps its key; one that vanished in the past was played.
      const vanished = ledger
        .filter((e) => baseOf(e.key) === base && !prevKeys.has(e.key) && e.kickoffDate >= today)
        .map((e) => entry(e.key, e.kickoffDate));
      const reserved = new Set(ledger.filter((e) => baseOf(e.key) === base).map((e) => ordinalOf(e.key)));
      for (const e of inPrevious) reserved.add(e.ordinal);
      const assigned = new Map<Candidate, number>();
      for (const pool of [inPrevious, vanished]) matchNearest(group, pool, assigned);
      const used = new Set(assigned.values());
      const rest = group
        .filter((c) => !assigned.has(c))
        .sort((a, b) => cmp(a.row.kickoffDate, b.row.kickoffDate));
      let next = 1;
      for (const c of rest) {
        while (used.has(next) || reserved.has(next)) next++;
        assigned.set(c, next);
        used.add(next);
      }
      for (const c of group) out.push(toFixture(c, assigned.get(c)!));
    }
    return out.sort((a, b) => cmp(a.kickoffDate, b.kickoffDate) || cmp(a.key, b.key));
  }
}

function matchNearest(
  group: readonly Candidate[],
  pool: readonly { ordinal: number; day: number; maxDistance?: number }[],
  assigned: Map<Candidate, number>,
): void {
  const taken = new Set(assigned.values());
  const pairs: { c: Candidate; ordinal: number; distance: number }[] = [];
  for (const c of group) {
    if (assigned.has(c)) continue;
    for (const p of pool) {
      if (taken.has(p.ordinal)) continue;
      const distance = Math.abs(dayNumber(c.row.kickoffDate) - p.day);
      if (p.maxDistance !== undefined && distance > p.maxDistance) continue;
      pairs.push({ c, ordinal: p.ordinal, distance });
    }
  }
  pairs.sort((a, b) => a.distance - b.distance || a.ordinal - b.ordinal);
  for (const { c, ordinal } of pairs) {
    if (assigned.has(c) || taken.has(ordinal)) continue;
    assigned.set(c, ordinal);
    taken.add(ordinal);
  }
}

function fillFrom(winner: Candidate, other: Candidate): void {
  const w = winner.row;
  const o = other.row;
  const confirmedElsewhere =
    !w.kickoffConfirmed && o.kickoffConfirmed && o.kickoff !== undefined && o.kickoffDate === w.kickoffDate;
  winner.row = {
    ...w,
    ...(w.venue === undefined && o.venue !== undefined ? { venue: o.venue } : {}),
    ...(confirmedElsewhere ? { kickoff: o.kickoff, kickoffConfirmed: true } : {}),
  };
  if (winner.competition === 'unknown' && other.competition !== 'unknown') {
    winner.competition = other.competition;
  }
}

function toFixture(c: Candidate, ordinal: number): Fixture {
  const r = c.row;
  return {
    key: fixtureKey({ season: c.season, competition: c.competition, home: c.home, away: c.away, ordinal }),
    competition: c.competition,
    home: cleanText(r.home),
    away: cleanText(r.away),
    ...(r.venue !== undefined && cleanText(r.venue) !== '' ? { venue: cleanText(r.venue) } : {}),
    kickoffDate: r.kickoffDate,
    ...(r.kickoff !== undefined ? { kickoff: r.kickoff } : {}),
    kickoffConfirmed: r.kickoffConfirmed,
    status: r.status,
    source: c.source,
  };
}

function baseOf(key: string): string {
  return key.slice(0, key.lastIndexOf('#'));
}

function ordinalOf(key: string): number {
  return parseFixtureKey(key)?.ordinal ?? 0;
}

function entry(key: string, kickoffDate: string): { ordinal: number; day: number; key: string } {
  return { key, ordinal: ordinalOf(key), day: dayNumber(kickoffDate) };
}

function dayNumber(isoDate: string): number {
  return Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / 86_400_000);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
