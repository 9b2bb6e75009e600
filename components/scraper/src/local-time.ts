/**
 * Reading local dates and times from page text with small declarative formats, and turning local wall
 * times into UTC instants with luxon in an IANA zone (never a fixed offset).
 *
 * Format tokens: `d`/`dd` day, `M`/`MM` month, `MMM` month name (nl, fr, en, es; short or long), `yy`/`yyyy`
 * year, `H`/`HH` hour, `m`/`mm` minute; text in single quotes is literal (`H'u'mm` reads `20u30`); a space
 * matches any run of whitespace; every other character is literal.
 */
import { DateTime, IANAZone } from 'luxon';

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

/** Weekday names (nl, fr, en, es; long and short), accents removed → ISO weekday (1 = Monday). */
const WEEKDAYS: Readonly<Record<string, number>> = Object.fromEntries(
  [
    ['maandag', 'ma', 'lundi', 'lun', 'monday', 'mon', 'lunes'],
    ['dinsdag', 'di', 'mardi', 'mar', 'tuesday', 'tue', 'tues', 'martes'],
    ['woensdag', 'wo', 'mercredi', 'mer', 'wednesday', 'wed', 'miercoles', 'mie'],
    ['donderdag', 'do', 'jeudi', 'jeu', 'thursday', 'thu', 'thur', 'thurs', 'jueves', 'jue'],
    ['vrijdag', 'vr', 'vendredi', 'ven', 'friday', 'fri', 'viernes', 'vie'],
    ['zaterdag', 'za', 'samedi', 'sam', 'saturday', 'sat', 'sabado', 'sab'],
    ['zondag', 'zo', 'dimanche', 'dim', 'sunday', 'sun', 'domingo', 'dom'],
  ].flatMap((names, i) => names.map((n) => [n, i + 1] as const)),
);

/** The first weekday named as a whole word in `text`, or `undefined`. */
function weekdayIn(text: string): number | undefined {
  for (const word of text.toLowerCase().split(/[^a-z]+/)) {
    const day = WEEKDAYS[word];
    if (day !== undefined) return day;
  }
  return undefined;
}

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
 * Finds the first date in `text`. A format without a year takes the year whose weekday the text names
 * (`zo 16 mei`), else the year that puts the date nearest to `nowLocal`. Returns the date and the text
 * with the date removed.
 */
export function findDate(
  text: string,
  formats: readonly CompiledFormat[],
  nowLocal: DateTime,
): { date: LocalDate; rest: string } | undefined {
  // Month names are matched without accents (`décembre` as `decembre`).
  const plain = /[^\x20-\x7e]/.test(text) ? text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '') : text;
  const m = firstMatch(plain, formats);
  if (!m) return undefined;
  const day = m.values.day;
  const month = m.values.month ?? m.values.monthName;
  if (day === undefined || month === undefined) return undefined;
  let year = m.values.year4 ?? (m.values.year2 !== undefined ? 2000 + m.values.year2 : undefined);
  if (year === undefined) {
    let candidates = [nowLocal.year - 1, nowLocal.year, nowLocal.year + 1];
    // A season calendar reaches ten months ahead, past "nearest": a weekday in the text names the year.
    const weekday = weekdayIn(`${plain.slice(0, m.index)} ${plain.slice(m.index + m.length)}`);
    const named = candidates.filter(
      (y) => DateTime.fromObject({ year: y, month, day }, { zone: nowLocal.zone }).weekday === weekday,
    );
    if (weekday !== undefined && named.length === 1) candidates = named;
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
  return {
    date: { year, month, day },
    rest: `${plain.slice(0, m.index)} ${plain.slice(m.index + m.length)}`,
  };
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

const zoneCache = new Map<string, IANAZone>();

/** The offset (minutes east of UTC) of `zone` at the instant `ms`, from luxon's IANA zone (Intl rules). */
export function offsetAt(ms: number, zone: string): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  let z = zoneCache.get(zone);
  if (!z) {
    z = IANAZone.create(zone);
    if (!z.isValid) throw new RangeError(`Expected an IANA time zone, got \`${zone}\``);
    zoneCache.set(zone, z);
  }
  return z.offset(ms);
}

/**
 * The UTC instant (ms) of a local wall time in `zone`. A wall time inside a spring-forward gap is moved
 * forward by the gap (as luxon does); in the autumn overlap the earlier instant is taken.
 */
export function localToMillis(date: LocalDate, time: LocalTime & { second?: number }, zone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute, time.second ?? 0);
  const before = offsetAt(wall - 86_400_000, zone);
  const after = offsetAt(wall + 86_400_000, zone);
  if (before === after) return wall - before * 60_000;
  const valid = [wall - before * 60_000, wall - after * 60_000].filter(
    (ms, i) => offsetAt(ms, zone) === (i === 0 ? before : after),
  );
  if (valid.length > 0) return Math.min(...valid);
  return wall - Math.min(before, after) * 60_000;
}

/** The UTC instant (ISO) of a local wall time in `zone`; see `localToMillis`. */
export function localToInstant(date: LocalDate, time: LocalTime, zone: string): string {
  return new Date(localToMillis(date, time, zone)).toISOString();
}

/** Wall-clock fields of an instant in `zone`; `weekday` is ISO (1 = Monday … 7 = Sunday). */
export function localParts(ms: number, zone: string): LocalDate & LocalTime & { weekday: number } {
  const d = new Date(ms + offsetAt(ms, zone) * 60_000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay() === 0 ? 7 : d.getUTCDay(),
  };
}

/** The local calendar date of an instant in `zone`. */
export function localDateOf(instantMs: number, zone: string): string {
  return isoDate(localParts(instantMs, zone));
}

const zoneValidity = new Map<string, boolean>();

/** Whether luxon knows `zone` as an IANA zone (memoised: feeds repeat the same TZID on every event). */
export function isValidZone(zone: string): boolean {
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    valid = DateTime.now().setZone(zone).isValid;
    if (zoneValidity.size < 1000) zoneValidity.set(zone, valid);
  }
  return valid;
}
