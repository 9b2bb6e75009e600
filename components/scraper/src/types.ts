/**
 * The scraper's internal shapes: what a source yields before home filtering, keying and merging, and the
 * `FixtureSource` port every source kind (HTML profile, iCalendar, Pro League JSON) implements.
 */
import type { FixtureStatus } from '../../shared/contracts/index.ts';

/** One game as a source states it, before we decide whether it is ours. */
export interface SourceRow {
  /** Home team as displayed (plain text). */
  readonly home: string;
  /** Away team as displayed (plain text). */
  readonly away: string;
  /** Venue or location as the source names it. */
  readonly venue?: string;
  /** Competition as the source names it. */
  readonly competition?: string;
  /** Local calendar date `YYYY-MM-DD` in the configured zone. */
  readonly kickoffDate: string;
  /** Kick-off instant (ISO UTC) when the source gives a time, placeholder or not. */
  readonly kickoff?: string;
  /** False when the time is missing or judged a placeholder. */
  readonly kickoffConfirmed: boolean;
  readonly status: FixtureStatus;
}

/** A row the parser could not read, with its position and why. */
export interface ParseIssue {
  readonly row: number;
  readonly message: string;
}

/** What parsing one document produced. */
export interface ParseResult {
  readonly rows: SourceRow[];
  /** Rows that looked like fixtures but could not be read. */
  readonly issues: ParseIssue[];
}

/** What one source yielded in one scrape. */
export interface SourceReading extends ParseResult {
  /** Whether the body came from the cache after a `304 Not Modified`. */
  readonly notModified: boolean;
}

/** A place fixtures come from. `read` throws (a `SourceError`) when the source cannot be read at all. */
export interface FixtureSource {
  readonly id: string;
  read(): Promise<SourceReading>;
}
