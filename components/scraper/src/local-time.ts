/**
 * Reading local dates and times from page text with small declarative formats, and turning local wall
 * times into UTC instants with luxon in an IANA zone (never a fixed offset).
 *
 * Format tokens: `d`/`dd` day, `M`/`MM` month, `MMM` month name (nl, fr, en, es; short or long), `yy`/`yyyy`
 * year, `H`/`HH` hour, `m`/`mm` minute; text in single quotes is literal (`H'u'mm` reads `20u30`); a space
 * matches any run of whitespace; every other character is literal.
 */
import { DateTime } from 'luxon';

const MONTHS: Record<string, number> = {};
const MONTH_NAMES: readonly (readonly string[])[] = [
  ['januari', 'janvier', 'january', 'enero', 'jan', 'janv', 'ene'],
  ['februari', 'fevrier', 'february', 'febrero', 'feb', 'fev', 'fevr'],
  ['maart', 'mars', 'march', 'marzo', 'mrt', 'mar'],
  ['april', 'avril', 'abril', 'apr', 'avr', 'abr'],
  ['mei', 'mai', 'may', 'mayo', 'may'],
  ['juni', 'juin', 'june', 'junio', 'jun'],
  ['juli', 'juillet', 'july', 'julio', 'jul', 'juil'],
  ['augustus', 'aout', 'august', 'agosto', 'aug', 'ago'],
  ['september', 'septembre', 'septiembre', 'sep', 'sept'],
  ['oktober', 'octobre', 'october', 'octubre', 'okt', 'oct'],
  ['november', 'novembre', 'noviembre', 'nov'],
  ['december', 'decembre', 'diciembre', 'dec', 'dic'],
];
MONTH_NAMES.forEach((names, i) => {
  for (const n of names) MONTHS[n] = i + 1;
});
const MONTH_ALT = Object.keys(MONTHS)
  .sort((a, b) => b.length - a.length)
  .join('|');

type Part = 'day' | 'month' | 'monthName' | 'year2' | 'year4' | 'hour' | 'minute';

/** A compiled format: a regex and which capture group holds which part. */
export interface CompiledFormat {
  readonly source: string;
  readonly regex: RegExp;
  readonly parts: readonly Part[];
}

const TOKENS: readonly [string, Part, string][] = [
  ['yyyy', 'year4', '(\\d{4})'],
  ['yy', 'year2', '(\\d{2})'],
  ['MMMM', 'monthName', `(${MONTH_ALT})\\.?`],
  ['MMM', 'monthName', `(${MONTH_ALT})\\.?`],
  ['MM', 'month', '(\\d{1,2})'],
  ['M', 'month', '(\\d{1,2})'],
  ['dd', 'day', '(\\d{1,2})'],
  ['d', 'day', '(\\d{1,2})'],
  ['HH', 'hour', '(\\d{1,2})'],
  ['H', 'hour', '(\\d{1,2})'],
  ['mm', 'minute', '(\\d{2})'],
  ['m', 'minute', '(\\d{1,2})'],
];

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles a format; throws a `SyntaxError` naming the format when it has an unclosed quote. */
export function compileFormat(format: string): CompiledFormat {
  const parts: Part[] = [];
  let pattern = '';
  let i = 0;
  while (i < format.length) {
    const ch = format[i]!;
    if (ch === "'") {
      const end = format.indexOf("'", i + 1);
      if (end < 0) throw new SyntaxError(`Expected a closing quote in format \`${format}\``);
      pattern += escapeRegex(format.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    if (/\s/.test(ch)) {
      pattern += '\\s*';
      i++;
      continue;
    }
    const token = TOKENS.find(([t]) => format.startsWith(t, i));
    if (token) {
      parts.push(token[1]);
      pattern += token[2];
      i += token[0].length;
      continue;
    }
    pattern += escapeRegex(ch);
    i++;
  }
  // Digits must not run on from a neighbour (`2026` is no hour), so guard both ends.
  return { source: format, regex: new RegExp(`(?<![\\d])${pattern}(?![\\d])`, 'i'), parts };
}

/** Where a format matched in a text and what it read. */
interface Match {
  readonly index: number;
  readonly length: number;
  readonly values: Partial<Record<Part, number>>;
}

function firstMatch(text: string, formats: readonly CompiledFormat[]): Match | undefined {
  for (const f of formats) {
    const m = f.regex.exec(text);
    if (!m) continue;
    const values: Partial<Record<Part, number>> = {};
    f.parts.forEach((part, g) => {
      const raw = m[g + 1]!;
      const value = part === 'monthName' ? MONTHS[normaliseMonth(raw)] : Number(raw);
      if (value !== undefined) values[part] = value;
    });
    return { index: m.index, length: m[0].length, values };
  }
  return undefined;
}

const normaliseMonth = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\.$/, '');

/** A local calendar date. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** A local wall time. */
export interface LocalTime {
  readonly hour: number;
  readonly minute: number;
}

/**
 * Finds the first date in `text`. A format without a year takes the year that puts the date nearest to
 * `nowLocal` (fixture lists span at most a season). Returns the date and the text with the date removed.
 */
export function findDate(
  text: string,
  formats: readonly CompiledFormat[],
  nowLocal: DateTime,
): { date: LocalDate; rest: string } | undefined {
  const m = firstMatch(text, formats);
  if (!m) return undefined;
  const day = m.values.day;
  const month = m.values.month ?? m.values.monthName;
  if (day === undefined || month === undefined) return undefined;
  let year = m.values.year4 ?? (m.values.year2 !== undefined ? 2000 + m.values.year2 : undefined);
  if (year === undefined) {
    const candidates = [nowLocal.year - 1, nowLocal.year, nowLocal.year + 1];
    year = candidates.reduce((best, y) =>
      Math.abs(
        DateTime.fromObject({ year: y, month, day }, { zone: nowLocal.zone }).diff(nowLocal).as('days'),
      ) <
      Math.abs(
        DateTime.fromObject({ year: best, month, day }, { zone: nowLocal.zone }).diff(nowLocal).as('days'),
      )
        ? y
        : best,
    );
  }
  if (!DateTime.fromObject({ year, month, day }).isValid) return undefined;
  return { date: { year, month, day }, rest: `${text.slice(0, m.index)} ${text.slice(m.index + m.length)}` };
}

/** Finds the first time of day in `text`, or `undefined`. */
export function findTime(text: string, formats: readonly CompiledFormat[]): LocalTime | undefined {
  const m = firstMatch(text, formats);
  if (!m || m.values.hour === undefined) return undefined;
  const hour = m.values.hour;
  const minute = m.values.minute ?? 0;
  if (hour > 23 || minute > 59) return undefined;
  return { hour, minute };
}

/** `YYYY-MM-DD` of a local date. */
export function isoDate(d: LocalDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/**
 * The UTC instant of a local wall time in `zone`. A wall time inside a spring-forward gap is moved forward
 * by the gap (luxon's rule); in the autumn overlap the earlier instant is taken.
 */
export function localToInstant(date: LocalDate, time: LocalTime, zone: string): string {
  const dt = DateTime.fromObject({ ...date, hour: time.hour, minute: time.minute }, { zone });
  if (!dt.isValid)
    throw new RangeError(`Expected a valid local time in ${zone}, got ${dt.invalidExplanation}`);
  return dt.toUTC().toISO({ suppressMilliseconds: false })!;
}

/** The local calendar date of an instant in `zone`. */
export function localDateOf(instantMs: number, zone: string): string {
  return DateTime.fromMillis(instantMs, { zone }).toISODate()!;
}

/** Whether luxon knows `zone` as an IANA zone. */
export function isValidZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}
