/**
 * Identity rules (ARCHITECTURE §3): fixture keys, seasons and alert ids.
 * A game's event id is its fixture key; an alert's id is `<eventId>:<windowId>`.
 */
import { z } from 'zod';
import { Slug } from './primitives.ts';

/** A season label `YYYY-YY`; a season runs from 1 July to 30 June. */
export const Season = z.string().regex(/^\d{4}-\d{2}$/, 'must be a season such as `2025-26`');

/**
 * The season of a local calendar date (`YYYY-MM-DD`): 1 July to 30 June.
 * `seasonOf('2025-02-13')` is `2024-25`; `seasonOf('2025-07-01')` is `2025-26`.
 */
export function seasonOf(localDate: string): string {
  const year = Number(localDate.slice(0, 4));
  const month = Number(localDate.slice(5, 7));
  const start = month >= 7 ? year : year - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
}

/** The parts of a fixture key. `ordinal` is 1 for the first meeting of a pairing in a season. */
export interface FixtureKeyParts {
  season: string;
  competition: string;
  home: string;
  away: string;
  ordinal: number;
}

const FIXTURE_KEY = /^(\d{4}-\d{2}):([a-z0-9-]+):([a-z0-9-]+):([a-z0-9-]+)#([1-9]\d*)$/;

/**
 * A fixture key: `<season>:<competition>:<home>:<away>#<n>`, e.g. `2024-25:uecl:kaa-gent:real-betis#1`.
 * Teams are canonical ids from an alias table; the competition is normalised or `unknown`; the ordinal
 * tells apart the same pairing twice in one season. Stable across scrapes and sources, never a feed UID.
 */
export const FixtureKey = z
  .string()
  .max(210)
  .regex(FIXTURE_KEY, 'must be a fixture key `<season>:<competition>:<home>:<away>#<n>`');

/** Builds a fixture key from its parts, validating each part. */
export function fixtureKey(parts: FixtureKeyParts): string {
  const season = Season.parse(parts.season);
  const [competition, home, away] = [parts.competition, parts.home, parts.away].map((p) => Slug.parse(p));
  if (!Number.isInteger(parts.ordinal) || parts.ordinal < 1) {
    throw new RangeError(`Expected \`ordinal\` to be a positive integer, got \`${parts.ordinal}\``);
  }
  return `${season}:${competition}:${home}:${away}#${parts.ordinal}`;
}

/** Splits a fixture key into its parts, or returns `undefined` when it is not one. */
export function parseFixtureKey(key: string): FixtureKeyParts | undefined {
  const m = FIXTURE_KEY.exec(key);
  if (!m) return undefined;
  return { season: m[1]!, competition: m[2]!, home: m[3]!, away: m[4]!, ordinal: Number(m[5]) };
}

/** A window id in an alert policy: a slug (it never contains `:`). */
export const WindowId = Slug;

/**
 * An event id: a fixture key (games), a custom event id, or either followed by `@<YYYYMMDDTHHmm>` for one
 * occurrence of a recurring custom event (its local wall time in the configured zone).
 */
export const EventId = z
  .string()
  .min(1)
  // Every fixture key is an event id: a season, three 64-character slugs and an ordinal fit in 210.
  .max(210)
  .regex(/^[A-Za-z0-9_.#:@-]+$/, 'must be a fixture key or a custom event id');

/** An alert id: `<eventId>:<windowId>`. */
export const AlertId = z
  .string()
  .min(3)
  .max(275)
  .refine((id) => parseAlertId(id) !== undefined, 'must be `<eventId>:<windowId>`');

/** `alertId('2024-25:uecl:kaa-gent:real-betis#1', 'final')` → `…#1:final`. */
export function alertId(eventId: string, windowId: string): string {
  return `${eventId}:${windowId}`;
}

/** Splits an alert id at its last `:` into event id and window id. */
export function parseAlertId(id: string): { eventId: string; windowId: string } | undefined {
  const at = id.lastIndexOf(':');
  if (at <= 0) return undefined;
  const eventId = id.slice(0, at);
  const windowId = id.slice(at + 1);
  if (!EventId.safeParse(eventId).success || !WindowId.safeParse(windowId).success) return undefined;
  return { eventId, windowId };
}
