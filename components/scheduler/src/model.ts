/**
 * The scheduler's stored records. Source data (games, custom events) and user edits are kept apart, so a
 * rescrape can never overwrite an edit. Instants are epoch milliseconds.
 */
import type { AlertPolicy, EventOrigin, FixturesSnapshot } from '../../shared/contracts/index.ts';

/** A game as the fixtures snapshots describe it. */
export interface GameRecord {
  readonly kind: 'game';
  readonly id: string;
  readonly title: string;
  /** The planned start: the kick-off, or the conservative earliest kick-off when unconfirmed. */
  readonly start: number;
  readonly venue?: string;
  /** What the sources say; `missing` after N absences. */
  readonly sourceStatus: 'scheduled' | 'postponed' | 'cancelled' | 'missing';
  readonly kickoffConfirmed: boolean;
  /** The local date of the game (`YYYY-MM-DD`). */
  readonly kickoffDate: string;
  /** Consecutive non-replayed ok snapshots without this game. */
  readonly missingCount: number;
  /** The source that won the merge. */
  readonly source: string;
}

/** A custom event (one-off or recurring), created by a command. */
export interface CustomRecord {
  readonly kind: 'custom';
  readonly id: string;
  readonly title: string;
  /** The (first) start instant. */
  readonly start: number;
  readonly end?: number;
  readonly venue?: string;
  /** RRULE body; occurrences repeat the first start's wall time in the configured zone. */
  readonly recurrence?: string;
  readonly origin: EventOrigin;
}

export type EventRecord = GameRecord | CustomRecord;

/** A user edit of one event (a game, a custom event or one occurrence). */
export interface EventEdit {
  readonly ignored?: boolean;
  readonly snoozedUntil?: number;
  readonly commandId: string;
}

/** A user edit of one alert, keyed by its alert id. */
export interface AlertEdit {
  readonly eventId: string;
  /** Moved window; shifted by the same amount when the event start changes (see `baseStart`). */
  readonly start?: number;
  readonly end?: number;
  /** The event start when the alert was moved. */
  readonly baseStart?: number;
  readonly disabled?: boolean;
  readonly snoozedUntil?: number;
  readonly commandId: string;
}

/** The last fixtures snapshot seen (for the state). */
export type LastFixtures = Pick<
  FixturesSnapshot,
  'snapshotId' | 'takenAt' | 'ok' | 'failureReason' | 'sources'
>;

/** Everything the scheduler persists besides command results. */
export interface SchedulerData {
  readonly events: Map<string, EventRecord>;
  readonly eventEdits: Map<string, EventEdit>;
  readonly alertEdits: Map<string, AlertEdit>;
  /** The device's own policy, when `setAlertPolicy` set one. */
  policy: AlertPolicy | undefined;
  lastFixtures: LastFixtures | undefined;
  /** `takenAt` of the last snapshot applied: an older replay must not undo it. */
  lastAppliedTakenAt?: string | undefined;
}

export function emptyData(): SchedulerData {
  return {
    events: new Map(),
    eventEdits: new Map(),
    alertEdits: new Map(),
    policy: undefined,
    lastFixtures: undefined,
    lastAppliedTakenAt: undefined,
  };
}
