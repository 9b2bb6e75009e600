/**
 * What ShadowSync reports: light, clock trust, scraper health, recently applied edits (mirroring desired,
 * so an applied edit shows no delta), rejected edits with the scheduler's reason, and the upcoming events
 * with their alerts trimmed to the bytes the document limit leaves. Pure and deterministic: the same state,
 * ledger, desired size and instant always give the same reported document.
 *
 * The budget rule: status first; then the newest rejected edits and the recently applied edits; then the
 * upcoming events earliest first while they fit; when fewer than `minUpcoming` fit, the oldest applied
 * edits give way to them; when even status and edits overflow, the oldest rejected then applied go.
 */
import type { RelayState, StateSnapshot, UpcomingEvent } from '../../shared/contracts/index.ts';
import { SECTIONS, type Section } from './edits.ts';
import type { LedgerEntry } from './ledger.ts';

export type JsonObject = Record<string, unknown>;

export interface ReportInput {
  state: StateSnapshot | undefined;
  /** The relay's latest own report, newer than the state's copy. */
  relay: RelayState | undefined;
  entries: readonly [string, LedgerEntry][];
  /** Serialised bytes of desired after this write. */
  desiredBytes: number;
  limitBytes: number;
  reserveBytes: number;
  maxRejected: number;
  /** Upcoming events that take precedence over older applied edits. */
  minUpcoming: number;
  /** Only edits applied at or after this instant (epoch ms) are shown in reported. */
  appliedSince: number;
}

/** Characters of an event title kept in reported. */
export const TITLE_CHARS = 60;

export const bytesOf = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).length;

/** `alerts/<id>` → [section, id]; `undefined` for a key outside the edit sections. */
export function splitLedgerKey(key: string): [Section, string] | undefined {
  const at = key.indexOf('/');
  const section = key.slice(0, at);
  return (SECTIONS as readonly string[]).includes(section)
    ? [section as Section, key.slice(at + 1)]
    : undefined;
}

function upcomingEntry(event: UpcomingEvent): JsonObject {
  const entry: JsonObject = {
    id: event.id,
    title: event.title.slice(0, TITLE_CHARS),
    start: event.start,
  };
  if (event.end !== undefined) entry.end = event.end;
  entry.kind = event.kind;
  entry.status = event.status;
  entry.alerts = event.alerts.map((alert) => {
    const a: JsonObject = { window: alert.windowId, start: alert.start, end: alert.end, state: alert.state };
    if (alert.snoozedUntil !== undefined) a.snoozedUntil = alert.snoozedUntil;
    return a;
  });
  return entry;
}

/** Builds the reported document within `limitBytes − reserveBytes − desiredBytes`. */
export function buildReported(input: ReportInput): JsonObject {
  const budget = input.limitBytes - input.reserveBytes - input.desiredBytes;
  const reported: JsonObject = {};
  const { state } = input;
  if (state) {
    const light = { ...state.light, ...(input.relay ?? {}) };
    reported.light = {
      on: light.on,
      planned: state.light.planned,
      since: light.since,
      healthy: light.healthy,
      driver: light.driver,
      ...(light.error === undefined ? {} : { error: light.error }),
    };
    reported.clock = { trusted: state.clock.trusted, source: state.clock.source };
    if (state.lastFixtures) {
      reported.scraper = {
        ok: state.lastFixtures.ok,
        takenAt: state.lastFixtures.takenAt,
        ...(state.lastFixtures.failureReason === undefined
          ? {}
          : { failureReason: state.lastFixtures.failureReason }),
      };
    }
  }

  // oldest first, so trimming drops from the front
  const applied = input.entries
    .filter(([, e]) => e.outcome === 'applied' && e.at >= input.appliedSince)
    .sort((a, b) => a[1].at - b[1].at || (a[0] < b[0] ? -1 : 1));
  const rejected = input.entries
    .filter(([, e]) => e.outcome === 'rejected')
    .sort((a, b) => a[1].at - b[1].at || (a[0] < b[0] ? -1 : 1));
  // the newest `maxRejected` (`slice(-0)` would keep them all)
  rejected.splice(0, Math.max(0, rejected.length - input.maxRejected));

  const place = () => {
    for (const section of SECTIONS) delete reported[section];
    delete reported.rejected;
    for (const [key, entry] of applied) {
      const split = splitLedgerKey(key);
      if (!split) continue;
      const [section, id] = split;
      const existing = reported[section];
      const map: JsonObject =
        typeof existing === 'object' && existing !== null ? (existing as JsonObject) : {};
      reported[section] = map;
      map[id] = entry.value ?? null;
    }
    if (rejected.length > 0) {
      const map: JsonObject = {};
      for (const [key, entry] of rejected) {
        map[key.slice(0, 180)] = {
          code: entry.error?.code ?? 'INVALID_ARGS',
          message: (entry.error?.message ?? 'rejected').slice(0, 200),
          ...(entry.error?.path === undefined ? {} : { path: entry.error.path }),
          at: new Date(entry.at).toISOString(),
        };
      }
      reported.rejected = map;
    }
  };

  const upcoming = state?.upcoming ?? [];
  if (state) {
    reported.upcoming = [];
    reported.upcomingOmitted = upcoming.length;
  }
  place();
  // over budget even without upcoming events: drop the oldest rejected, then the oldest applied edits
  while (bytesOf(reported) > budget && (rejected.length > 0 || applied.length > 0)) {
    if (rejected.length > 0) rejected.shift();
    else applied.shift();
    place();
  }
  if (!state) return reported;

  const entries = upcoming.map(upcomingEntry);
  const fill = () => {
    let used = bytesOf(reported);
    const included: JsonObject[] = [];
    for (const entry of entries) {
      const cost = bytesOf(entry) + (included.length > 0 ? 1 : 0);
      if (used + cost > budget) break;
      included.push(entry);
      used += cost;
    }
    return included;
  };
  let included = fill();
  // the next few events matter more than older applied edits
  const wanted = Math.min(input.minUpcoming, entries.length);
  while (included.length < wanted && applied.length > 0) {
    applied.shift();
    place();
    included = fill();
  }
  reported.upcoming = included;
  reported.upcomingOmitted = upcoming.length - included.length;
  return reported;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]))
    );
  }
  return false;
}

/** The shadow update patch turning `from` into `to`: changed leaves, nulls for removed keys, arrays whole. */
export function patchOf(from: JsonObject | undefined, to: JsonObject): JsonObject {
  const result: JsonObject = {};
  const current = from ?? {};
  for (const key of Object.keys(current)) if (!Object.hasOwn(to, key)) result[key] = null;
  for (const [key, value] of Object.entries(to)) {
    const old = current[key];
    if (old !== undefined && equal(old, value)) continue;
    if (isObject(old) && isObject(value) && Object.keys(value).length > 0) {
      const child = patchOf(old, value);
      if (Object.keys(child).length > 0) result[key] = child;
    } else {
      result[key] = value;
    }
  }
  return result;
}
