/**
 * HTML site profiles: a declarative description (row selector, field selectors or cell indices, date and
 * time formats, placeholder and status markers) applied with node-html-parser. A redesign is fixed by a
 * new profile in the configuration, not by new code. Text is read as plain text: entities decoded,
 * markup dropped, script and style contents ignored.
 */
import type { DateTime } from 'luxon';
import { type HTMLElement, parse } from 'node-html-parser';
import type { FixtureStatus } from '../../shared/contracts/index.ts';
import { ParseError } from './errors.ts';
import {
  type CompiledFormat,
  compileFormat,
  findDate,
  findTime,
  isoDate,
  localToInstant,
} from './local-time.ts';
import { cleanText, normaliseName } from './text.ts';
import type { ParseIssue, ParseResult, SourceRow } from './types.ts';

/** Where a field sits in a row: a CSS selector inside the row, or the n-th cell (0-based `td`/`th`). */
export interface FieldSpec {
  readonly selector?: string | undefined;
  readonly cell?: number | undefined;
  /** Read this attribute instead of the text. */
  readonly attribute?: string | undefined;
}

/** A site profile as configured (see the README for every field). */
export interface SiteProfile {
  readonly rowSelector: string;
  readonly fields: {
    readonly home: FieldSpec;
    readonly away: FieldSpec;
    readonly date: FieldSpec;
    readonly time?: FieldSpec | undefined;
    readonly venue?: FieldSpec | undefined;
    readonly competition?: FieldSpec | undefined;
    readonly status?: FieldSpec | undefined;
  };
  readonly dateFormats: readonly string[];
  readonly timeFormats: readonly string[];
  /** Texts that mean "time not fixed yet" (`-- : --`, `nog te bepalen`). */
  readonly placeholderMarkers: readonly string[];
  /** Times shown while the real one is not fixed (`20:00` on the 2012 site): kept, but unconfirmed. */
  readonly unconfirmedTimes: readonly string[];
  /** Whether the venue field names a venue (false when a site puts the home team there). */
  readonly locationIsVenue: boolean;
  /** Words in the status field or the row's class that mark a postponed or cancelled game. */
  readonly statusMarkers: { readonly postponed: readonly string[]; readonly cancelled: readonly string[] };
}

/** A profile with its formats compiled once. */
export interface CompiledProfile {
  readonly profile: SiteProfile;
  readonly dateFormats: readonly CompiledFormat[];
  readonly timeFormats: readonly CompiledFormat[];
  readonly placeholders: readonly string[];
}

export function compileProfile(profile: SiteProfile): CompiledProfile {
  return {
    profile,
    dateFormats: profile.dateFormats.map(compileFormat),
    timeFormats: profile.timeFormats.map(compileFormat),
    placeholders: profile.placeholderMarkers.map((m) => m.replace(/\s+/g, '').toLowerCase()),
  };
}

const PARSE_OPTIONS = {
  lowerCaseTagName: false,
  comment: false,
  // `</div>` closes whatever is still open inside the div, as browsers do, so one broken card stays one card.
  closeAllByClosing: true,
  // Script, style and noscript contents are skipped whole (false = raw text, dropped); <pre> keeps its text.
  blockTextElements: { script: false, style: false, noscript: false, pre: true },
} as const;

/** Parses a page with a compiled profile. `nowLocal` resolves dates written without a year. */
export function parseHtmlProfile(
  html: string,
  compiled: CompiledProfile,
  zone: string,
  nowLocal: DateTime,
): ParseResult {
  const root = parse(html, PARSE_OPTIONS);
  let elements: HTMLElement[];
  try {
    elements = root.querySelectorAll(compiled.profile.rowSelector);
  } catch (cause) {
    throw new ParseError(
      `Expected \`rowSelector\` to be a valid CSS selector, got \`${compiled.profile.rowSelector}\``,
      {
        cause,
      },
    );
  }
  return extractRows(elements, (el, spec) => readField(el, spec), compiled, zone, nowLocal);
}

/** Reads one field of one row element. Exported so the benchmark can drive the same extraction. */
export type FieldReader<E> = (row: E, spec: FieldSpec) => string;

/** The field-level extraction shared by every DOM implementation. */
export function extractRows<E>(
  elements: readonly E[],
  read: FieldReader<E>,
  compiled: CompiledProfile,
  zone: string,
  nowLocal: DateTime,
  classOf: (row: E) => string = (row) => (row as unknown as HTMLElement).getAttribute?.('class') ?? '',
): ParseResult {
  const { profile } = compiled;
  const rows: SourceRow[] = [];
  const issues: ParseIssue[] = [];
  elements.forEach((el, index) => {
    const f = profile.fields;
    const home = cleanText(read(el, f.home));
    const away = cleanText(read(el, f.away));
    const dateText = cleanText(read(el, f.date));
    if (home === '' && away === '' && dateText === '') return; // header, spacer or month heading
    try {
      if (home === '' || away === '')
        throw new Error(`Expected home and away team names, got \`${home}\` v \`${away}\``);
      const timeText = f.time ? cleanText(read(el, f.time)) : '';
      const found = findDate(dateText, compiled.dateFormats, nowLocal);
      if (!found)
        throw new Error(
          `Expected a date like \`${profile.dateFormats.join('` or `')}\`, got \`${dateText}\``,
        );
      const timeSource = f.time ? timeText : found.rest;
      const squashed = timeSource.replace(/\s+/g, '').toLowerCase();
      const placeholder = compiled.placeholders.some((p) => p.length > 0 && squashed.includes(p));
      const time = placeholder ? undefined : findTime(timeSource, compiled.timeFormats);
      const venue = f.venue ? cleanText(read(el, f.venue)) : '';
      const competition = f.competition ? cleanText(read(el, f.competition)) : '';
      const statusText = `${f.status ? read(el, f.status) : ''} ${classOf(el)}`;
      const row: SourceRow = {
        home,
        away,
        ...(venue && profile.locationIsVenue ? { venue } : {}),
        ...(competition ? { competition } : {}),
        kickoffDate: isoDate(found.date),
        ...(time ? { kickoff: localToInstant(found.date, time, zone) } : {}),
        kickoffConfirmed:
          time !== undefined && !profile.unconfirmedTimes.includes(`${pad(time.hour)}:${pad(time.minute)}`),
        status: readStatus(statusText, profile.statusMarkers),
      };
      rows.push(row);
    } catch (error) {
      issues.push({ row: index, message: (error as Error).message });
    }
  });
  return { rows, issues };
}

const pad = (n: number) => String(n).padStart(2, '0');

function readStatus(text: string, markers: SiteProfile['statusMarkers']): FixtureStatus {
  const t = ` ${normaliseName(text)} `;
  const has = (list: readonly string[]) => list.some((m) => t.includes(` ${normaliseName(m)} `));
  if (has(markers.cancelled)) return 'cancelled';
  if (has(markers.postponed)) return 'postponed';
  return 'scheduled';
}

function readField(row: HTMLElement, spec: FieldSpec): string {
  let el: HTMLElement | null | undefined = row;
  if (spec.cell !== undefined) {
    el = row.childNodes.filter(isCell)[spec.cell] as HTMLElement | undefined;
  }
  if (el && spec.selector !== undefined) el = el.querySelector(spec.selector);
  if (!el) return '';
  if (spec.attribute !== undefined) return el.getAttribute(spec.attribute) ?? '';
  return el.text;
}

function isCell(node: unknown): boolean {
  const tag = (node as { rawTagName?: string }).rawTagName?.toLowerCase();
  return tag === 'td' || tag === 'th';
}
