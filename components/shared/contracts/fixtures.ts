/** `matchday/fixtures`: what the scraper learnt, one full snapshot per scrape (Scraper → Scheduler). */
import { z } from 'zod';
import { FixtureKey } from './identity.ts';
import { IsoDate, IsoInstant, MessageId, ShortText, Slug } from './primitives.ts';

/** What a source says about a fixture's status; absence from a snapshot is not a status. */
export const FixtureStatus = z.enum(['scheduled', 'postponed', 'cancelled']);
export type FixtureStatus = z.infer<typeof FixtureStatus>;

/** One home game as read from a source. */
export const Fixture = z.strictObject({
  /** Stable identity (ARCHITECTURE §3), the scheduler's event id. */
  key: FixtureKey,
  /** Normalised competition slug, or `unknown`. */
  competition: Slug,
  /** Home team as displayed (plain text). */
  home: ShortText.min(1),
  /** Away team as displayed (plain text). */
  away: ShortText.min(1),
  /** Venue as the source names it, when it names one. */
  venue: ShortText.optional(),
  /** The local calendar date of the game in the configured zone. */
  kickoffDate: IsoDate,
  /** The kick-off instant, when the source gives a time (confirmed or placeholder). */
  kickoff: IsoInstant.optional(),
  /** False when the time is missing or a placeholder; the scheduler then plans on a conservative time. */
  kickoffConfirmed: z.boolean(),
  status: FixtureStatus,
  /** The id of the source that won the merge for this fixture. */
  source: Slug,
});
export type Fixture = z.infer<typeof Fixture>;

/** Health of one source in one scrape. */
export const SourceHealth = z.strictObject({
  id: Slug,
  ok: z.boolean(),
  lastSuccess: IsoInstant.optional(),
  lastError: ShortText.optional(),
  consecutiveFailures: z.number().int().nonnegative(),
});
export type SourceHealth = z.infer<typeof SourceHealth>;

/**
 * A full snapshot of the fixtures known at `takenAt`. A snapshot with `ok: false` changes nothing
 * downstream. `replayed` marks the last good snapshot republished at start: it never counts as an absence.
 */
export const FixturesSnapshot = z
  .strictObject({
    snapshotId: MessageId,
    takenAt: IsoInstant,
    ok: z.boolean(),
    failureReason: ShortText.optional(),
    replayed: z.boolean(),
    sources: z.array(SourceHealth).max(20),
    fixtures: z.array(Fixture).max(2000),
  })
  .refine((s) => s.ok || s.failureReason !== undefined, {
    message: 'a failed snapshot must carry a failureReason',
    path: ['failureReason'],
  });
export type FixturesSnapshot = z.infer<typeof FixturesSnapshot>;
