/**
 * Local wall times ⇄ instants with luxon, in the configured zone. A wall time in the spring gap moves
 * forward (luxon); an ambiguous wall time in the autumn repeat resolves to its EARLIER instant, so an
 * alert derived from it is never late.
 */
import { DateTime } from 'luxon';

export interface WallFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second?: number;
}

/** The instant (epoch ms) of a local wall time in `zone`; the earlier one when the wall time repeats. */
export function wallToInstant(fields: WallFields, zone: string): number {
  const dt = DateTime.fromObject({ ...fields, second: fields.second ?? 0 }, { zone });
  const earlier = dt.minus({ hours: 1 });
  const same =
    earlier.year === dt.year &&
    earlier.month === dt.month &&
    earlier.day === dt.day &&
    earlier.hour === dt.hour &&
    earlier.minute === dt.minute;
  return same ? earlier.toMillis() : dt.toMillis();
}

/** The local wall fields of an instant in `zone`. */
export function instantToWall(instant: number, zone: string): Required<WallFields> {
  const dt = DateTime.fromMillis(instant, { zone });
  return { year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute, second: dt.second };
}

/** Lower-case English weekday name of a local date `YYYY-MM-DD`. */
export function weekdayOf(localDate: string, zone: string): Weekday {
  const dt = DateTime.fromISO(localDate, { zone });
  return WEEKDAYS[dt.weekday - 1]!;
}

export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** ISO-8601 UTC text of an instant, as the contracts want it (`…Z`). */
export function iso(instant: number): string {
  return new Date(instant).toISOString();
}
