/**
 * ShadowSync configuration: a strict zod schema with no defaults (they live in the recipe's
 * DefaultConfiguration) and `parseShadowSyncConfig(raw)` → a frozen value, or a `ConfigError` naming the
 * field, the expectation and the value.
 */
import { z } from 'zod';
import { intBetween, parseComponentConfig } from '../../shared/runtime/parse-config.ts';

const int = intBetween;

export const ShadowSyncConfigSchema = z.strictObject({
  /** The named shadow this component owns. @default "matchday" */
  shadowName: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-zA-Z0-9:_-]+$/, 'must be a shadow name (`[a-zA-Z0-9:_-]`, at most 64 characters)'),
  /**
   * Bytes the whole document (desired + reported, serialised) may use: the AWS IoT cloud limit, which
   * also bounds ShadowManager's local limit. @default 8192
   */
  documentLimitBytes: int(1024, 30_720),
  /**
   * Bytes kept free for edits that arrive while reported is written, so that a user's edit is not
   * refused for size because reported filled the document. @default 1024
   */
  reserveBytes: int(0, 8192),
  /** Minimum ms between two writes of reported state that carry no edit outcome. @default 2000 */
  reportMinIntervalMs: int(0, 3_600_000),
  /** Seconds to wait for the scheduler's answer to one edit; it is retried later when exceeded. @default 30 */
  commandTimeoutS: int(1, 600),
  /**
   * Seconds between resends of an unanswered command (same id: the scheduler applies it once); covers a
   * command published while the scheduler was starting. @default 2
   */
  commandResendS: int(1, 600),
  /** Seconds between full reconciliations from the whole document (catches anything missed). @default 300 */
  reconcileIntervalS: int(5, 86_400),
  /**
   * Hours an applied edit stays in reported, and an applied or rejected edit of an event no longer upcoming
   * stays in the ledger. @default 24
   */
  retentionHours: int(1, 24 * 90),
  /** Upcoming events kept in reported ahead of older applied edits when the budget is tight. @default 5 */
  minUpcomingEvents: int(0, 50),
  /** Rejected edits kept in `reported.rejected` (newest first). @default 20 */
  maxRejected: int(0, 200),
  /** Attempts of one shadow write that meets a version conflict before giving up until the next trigger. @default 5 */
  conflictRetries: int(1, 50),
});

export type ShadowSyncConfig = z.infer<typeof ShadowSyncConfigSchema>;

/** Validates the raw component configuration; throws a `ConfigError` naming the first failing field. */
export function parseShadowSyncConfig(raw: unknown): ShadowSyncConfig {
  return parseComponentConfig(ShadowSyncConfigSchema, raw);
}
