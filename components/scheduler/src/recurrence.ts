/**
 * Recurring custom events. rrule runs WITHOUT tzid as a generator of floating wall times (its tzid output
 * depends on the process TZ); each wall time is converted to an instant with luxon in the configured zone.
 */
import rrule from 'rrule';
import { instantToWall, wallToInstant } from './wall-time.ts';

const { RRule } = rrule;

const ALLOWED_FREQ = new Set([RRule.DAILY, RRule.WEEKLY, RRule.MONTHLY, RRule.YEARLY]);
const DAY_MS = 86_400_000;

/** The RRULE body without an `RRULE:` prefix. */
function body(recurrence: string): string {
  return recurrence.startsWith('RRULE:') ? recurrence.slice(6) : recurrence;
}

/** Why a recurrence is unusable, or `undefined` when it is fine. */
export function recurrenceProblem(recurrence: string): string | undefined {
  let options: ReturnType<typeof RRule.parseString>;
  try {
    options = RRule.parseString(body(recurrence));
    new RRule(options).options;
  } catch (error) {
    return `is not a valid RRULE (${(error as Error).message})`;
  }
  if (options.freq === undefined || !ALLOWED_FREQ.has(options.freq)) {
    return 'FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY';
  }
  if (options.dtstart || options.tzid) return 'must not carry DTSTART or TZID (the event start sets them)';
  return undefined;
}

/**
 * Why a recurrence starting at `first` cannot be used although it parses: it never occurs. rrule looks for a
 * matching day up to the year 9999, so such a rule (`BYMONTH=2;BYMONTHDAY=30`) would stall every replan for
 * seconds. The Gregorian calendar repeats every 400 years, so the rule is tried from its start moved by whole
 * cycles to within 400 years of 9999: at most one cycle is scanned, and a rule with no occurrence there has
 * none in the centuries after `first` either.
 */
export function recurrenceNeverOccurs(first: number, recurrence: string, zone: string): string | undefined {
  const { count: _count, until: _until, ...options } = RRule.parseString(body(recurrence));
  const start = floating(first, zone);
  const shifted = new Date(start);
  shifted.setUTCFullYear(start.getUTCFullYear() + 400 * Math.floor((9999 - start.getUTCFullYear()) / 400));
  let found = false;
  new RRule({ ...options, dtstart: shifted }).all(() => {
    found = true;
    return false;
  });
  return found ? undefined : 'never occurs';
}

/** A floating Date (UTC fields = local wall fields). */
function floating(instant: number, zone: string): Date {
  const w = instantToWall(instant, zone);
  return new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second));
}

function fromFloating(d: Date, zone: string): number {
  return wallToInstant(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    },
    zone,
  );
}

function ruleFor(first: number, recurrence: string, zone: string) {
  return new RRule({ ...RRule.parseString(body(recurrence)), dtstart: floating(first, zone) });
}

/**
 * `YYYYMMDDTHHmm`: the rule's local wall time that names one occurrence (its event id is `<id>@<key>`).
 * It is the wall time the rule produced, also when that wall time fell into the spring gap.
 */
function keyOf(d: Date): string {
  const p = (n: number, l = 2) => String(n).padStart(l, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}

/** One occurrence of a recurring event. */
export interface Occurrence {
  readonly key: string;
  readonly start: number;
}

/** Occurrence starts (epoch ms) of a recurring event within `[from, to]`, at most `max` of them. */
export function expandOccurrences(
  first: number,
  recurrence: string,
  zone: string,
  from: number,
  to: number,
  max: number,
): Occurrence[] {
  if (to < from || to < first) return [];
  const rule = ruleFor(first, recurrence, zone);
  // Wall and UTC differ by less than a day, so a day of slack on both ends, then an exact filter.
  const found: Occurrence[] = [];
  rule.between(
    floating(Math.max(from, first), zone),
    new Date(floating(to, zone).getTime() + DAY_MS),
    true,
    (d) => {
      const instant = fromFloating(d, zone);
      if (instant > to) return false;
      if (instant >= from) found.push({ key: keyOf(d), start: instant });
      return found.length < max;
    },
  );
  return found;
}

/** The start of the occurrence named `key` (`YYYYMMDDTHHmm`), or `undefined` when the rule has none. */
export function occurrenceStart(
  first: number,
  recurrence: string,
  zone: string,
  key: string,
): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})$/.exec(key);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!));
  const rule = ruleFor(first, recurrence, zone);
  const hit = rule.between(new Date(d.getTime() - 60_000), new Date(d.getTime() + 60_000), true);
  const match = hit.find((h) => keyOf(h) === key);
  return match ? fromFloating(match, zone) : undefined;
}

/** The last occurrence start, or `undefined` for an unbounded rule. */
export function lastOccurrence(
  first: number,
  recurrence: string,
  zone: string,
  max: number,
): number | undefined {
  const rule = ruleFor(first, recurrence, zone);
  if (rule.options.count === null && rule.options.until === null) return undefined;
  const all = rule.all((_d, i) => i < max);
  const last = all[all.length - 1];
  return last ? fromFloating(last, zone) : first;
}
