/**
 * iCalendar feeds → source rows. ical.js (Mozilla, maintained) does the lexical work (unfolding, CRLF/LF,
 * parameters, escapes); the time semantics are ours, with luxon: `Z` is UTC, `TZID` an IANA zone (or the
 * VTIMEZONE's X-LIC-LOCATION), floating times use X-WR-TIMEZONE or the source's zone, `VALUE=DATE` is all-day.
 */
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { FixtureStatus } from '../../shared/contracts/index.ts';
import { ParseError } from './errors.ts';
import { isValidZone, localDateOf, localToMillis } from './local-time.ts';
import { normaliseName } from './text.ts';
import { splitFixtureTitle, type TitleFormat } from './title.ts';
import type { ParseIssue, ParseResult, SourceRow } from './types.ts';

/**
 * Marks feed placeholders: a kick-off on a regular slot (`times` on `weekdays`, read in `timeZone`) whose
 * LAST-MODIFIED is older than the feed's last update batch (its newest LAST-MODIFIED minus
 * `batchToleranceHours`) is not confirmed. An event without LAST-MODIFIED counts as old.
 */
export interface PlaceholderRule {
  readonly times: readonly string[];
  readonly weekdays: readonly number[];
  readonly timeZone: string;
  readonly batchToleranceHours: number;
}

export interface IcsOptions {
  /** The configured zone: local dates of fixtures are computed in it. */
  readonly timeZone: string;
  /** The zone of floating times when the feed has no X-WR-TIMEZONE. */
  readonly floatingTimeZone: string;
  readonly titleFormat: TitleFormat;
  readonly statusMarkers: { readonly postponed: readonly string[]; readonly cancelled: readonly string[] };
  readonly placeholder?: PlaceholderRule | undefined;
}

/** A jCal date-time: `2026-09-12T20:30:00`, optionally with `Z`. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z?)$/;

type JProp = [string, Record<string, unknown>, string, ...unknown[]];
type JComp = [string, JProp[], JComp[]];

interface Parsed {
  row: SourceRow;
  lastModified: number | undefined;
}

/** Parses an iCalendar document; throws `ParseError` when it is not iCalendar at all. */
export function parseIcs(text: string, options: IcsOptions): ParseResult {
  let jcal: unknown;
  try {
    jcal = ICAL.parse(text);
  } catch (cause) {
    throw new ParseError(`Expected an iCalendar document: ${(cause as Error).message}`, { cause });
  }
  const calendars = (Array.isArray((jcal as unknown[])?.[0]) ? jcal : [jcal]) as JComp[];
  if (!calendars.every((c) => Array.isArray(c) && c[0] === 'vcalendar')) {
    throw new ParseError('Expected an iCalendar document starting with BEGIN:VCALENDAR');
  }
  const issues: ParseIssue[] = [];
  const parsed: Parsed[] = [];
  let index = 0;
  for (const calendar of calendars) {
    const calZone = stringProp(calendar[1], 'x-wr-timezone');
    const floating = calZone && isValidZone(calZone) ? calZone : options.floatingTimeZone;
    const tzAliases = new Map<string, string>();
    for (const sub of calendar[2]) {
      if (sub[0] !== 'vtimezone') continue;
      const tzid = stringProp(sub[1], 'tzid');
      const location = stringProp(sub[1], 'x-lic-location');
      if (tzid && location && isValidZone(location)) tzAliases.set(tzid, location);
    }
    for (const sub of calendar[2]) {
      if (sub[0] !== 'vevent') continue;
      const row = index++;
      try {
        parsed.push(readEvent(sub[1], floating, tzAliases, options));
      } catch (error) {
        issues.push({ row, message: (error as Error).message });
      }
    }
  }
  const rows = options.placeholder
    ? applyPlaceholderRule(parsed, options.placeholder)
    : parsed.map((p) => p.row);
  return { rows, issues };
}

function readEvent(
  props: JProp[],
  floatingZone: string,
  tzAliases: Map<string, string>,
  options: IcsOptions,
): Parsed {
  const summary = stringProp(props, 'summary');
  if (!summary) throw new Error('Expected a SUMMARY, got none');
  const dtstart = props.find((p) => p[0] === 'dtstart');
  if (!dtstart) throw new Error(`Expected a DTSTART in \`${summary}\`, got none`);
  const status = readStatus(stringProp(props, 'status'), summary, options.statusMarkers);
  const title = splitFixtureTitle(stripMarkers(summary, options.statusMarkers), options.titleFormat);
  const categories = stringProp(props, 'categories');
  const competition = title.competition ?? categories;
  const location = stringProp(props, 'location');
  const lastModifiedRaw = props.find((p) => p[0] === 'last-modified')?.[3];
  const lastModified = typeof lastModifiedRaw === 'string' ? Date.parse(lastModifiedRaw) : undefined;
  const tentative = stringProp(props, 'status')?.toUpperCase() === 'TENTATIVE';
  const base = {
    home: title.home,
    away: title.away,
    ...(location ? { venue: location } : {}),
    ...(competition ? { competition } : {}),
    status,
  };
  const value = dtstart[3];
  if (typeof value !== 'string')
    throw new Error(`Expected DTSTART to be a date or date-time, got \`${value}\``);
  if (dtstart[2] === 'date') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new Error(`Expected an all-day DTSTART, got \`${value}\``);
    return { row: { ...base, kickoffDate: value, kickoffConfirmed: false }, lastModified };
  }
  const m = DATE_TIME.exec(value);
  if (!m) throw new Error(`Expected DTSTART to be a date-time, got \`${value}\``);
  const zone = m[7] === 'Z' ? 'UTC' : resolveZone(dtstart[1].tzid, tzAliases, floatingZone);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 60
  ) {
    throw new Error(`Expected DTSTART to be a valid date-time, got \`${value}\``);
  }
  const ms = localToMillis({ year, month, day }, { hour, minute, second }, zone);
  return {
    row: {
      ...base,
      // A wall time in the configured zone is already that zone's local date.
      kickoffDate: zone === options.timeZone ? value.slice(0, 10) : localDateOf(ms, options.timeZone),
      kickoff: new Date(ms).toISOString(),
      kickoffConfirmed: !tentative,
    },
    lastModified: Number.isFinite(lastModified) ? lastModified : undefined,
  };
}

function resolveZone(tzid: unknown, aliases: Map<string, string>, floatingZone: string): string {
  if (tzid === undefined) return floatingZone;
  const id = String(tzid);
  if (isValidZone(id)) return id;
  const alias = aliases.get(id);
  if (alias) return alias;
  // `/mozilla.org/20050126_1/Europe/Brussels` and similar prefixed ids end in an IANA name.
  const tail = id.split('/').slice(-2).join('/');
  if (isValidZone(tail)) return tail;
  throw new Error(`Expected TZID to name a known time zone, got \`${id}\``);
}

function readStatus(
  status: string | undefined,
  summary: string,
  markers: IcsOptions['statusMarkers'],
): FixtureStatus {
  if (status?.toUpperCase() === 'CANCELLED') return 'cancelled';
  const text = ` ${normaliseName(summary)} `;
  if (markers.cancelled.some((m) => text.includes(` ${normaliseName(m)} `))) return 'cancelled';
  if (markers.postponed.some((m) => text.includes(` ${normaliseName(m)} `))) return 'postponed';
  return 'scheduled';
}

const markerPatterns = new WeakMap<IcsOptions['statusMarkers'], RegExp>();

/** Removes status markers such as `[POSTPONED]` or `(uitgesteld)` from a title. */
function stripMarkers(summary: string, markers: IcsOptions['statusMarkers']): string {
  let re = markerPatterns.get(markers);
  if (!re) {
    const words = [...markers.postponed, ...markers.cancelled].map((m) =>
      m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    );
    re = words.length > 0 ? new RegExp(`[\\[(]?\\b(?:${words.join('|')})\\b[\\])]?:?`, 'gi') : /$^/;
    markerPatterns.set(markers, re);
  }
  return summary.replace(re, ' ').replace(/\s+/g, ' ').trim();
}

function applyPlaceholderRule(parsed: Parsed[], rule: PlaceholderRule): SourceRow[] {
  const stamps = parsed.map((p) => p.lastModified).filter((t): t is number => t !== undefined);
  const lastBatch = stamps.length > 0 ? Math.max(...stamps) : undefined;
  const staleBefore = lastBatch === undefined ? Infinity : lastBatch - rule.batchToleranceHours * 3_600_000;
  const times = new Set(rule.times);
  return parsed.map(({ row, lastModified }) => {
    if (row.kickoff === undefined || !row.kickoffConfirmed) return row;
    const local = DateTime.fromISO(row.kickoff, { zone: rule.timeZone });
    const onSlot =
      times.has(local.toFormat('HH:mm')) &&
      (rule.weekdays.length === 0 || rule.weekdays.includes(local.weekday));
    const stale = lastModified === undefined || lastModified < staleBefore;
    return onSlot && stale ? { ...row, kickoffConfirmed: false } : row;
  });
}

function stringProp(props: JProp[], name: string): string | undefined {
  const p = props.find((q) => q[0] === name);
  if (!p) return undefined;
  const values = p.slice(3).filter((v) => typeof v === 'string') as string[];
  const value = values.join(',').trim();
  return value.length > 0 ? value : undefined;
}
