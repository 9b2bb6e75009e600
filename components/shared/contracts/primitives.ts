/**
 * Primitive schemas shared by every message: identifiers, instants and durations.
 * Times in messages and storage are ISO-8601 UTC instants (`Z`, no offset).
 */
import { z } from 'zod';

/** An ISO-8601 UTC instant such as `2026-09-12T18:00:00.000Z`; offsets other than `Z` are rejected. */
export const IsoInstant = z.iso.datetime({ offset: false });
export type IsoInstant = z.infer<typeof IsoInstant>;

/** A calendar date `YYYY-MM-DD` (a local date in the configured time zone). */
export const IsoDate = z.iso.date();

// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to reject control characters
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

/** A message or command id: 1–128 printable characters. */
export const MessageId = z.string().min(1).max(128).regex(NO_CONTROL, 'must not contain control characters');

/** A short human text (titles, reasons): at most 200 printable characters. */
export const ShortText = z.string().max(200).regex(NO_CONTROL, 'must not contain control characters');

/** A canonical slug: lower-case letters, digits and dashes, as used in fixture keys and window ids. */
export const Slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lower-case slug such as `kaa-gent`');

/**
 * The id of a custom event, chosen by its creator (a shadow key or a job document): 1–64 characters
 * of `A-Z a-z 0-9 _ . -`. It can never collide with a fixture key, which always contains `:` and `#`.
 */
export const CustomEventId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'must use only letters, digits, `_`, `.` and `-`');

/** Where an event, a command or an edit came from. */
export const OriginVia = z.enum(['scraper', 'shadow', 'job', 'local']);
export type OriginVia = z.infer<typeof OriginVia>;

/** Whole seconds, non-negative. */
export const Seconds = z.number().int().nonnegative();
