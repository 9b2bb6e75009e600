/**
 * JobHandler configuration: a strict zod schema with no defaults (they live in the recipe's
 * DefaultConfiguration) and `parseJobHandlerConfig(raw)` → a frozen value, or a `ConfigError` naming the
 * field, the expectation and the value.
 */
import { z } from 'zod';
import { intBetween, parseComponentConfig } from '../../shared/runtime/parse-config.ts';

const int = intBetween;

export const JobHandlerConfigSchema = z.strictObject({
  /**
   * Seconds between start-next polls. A notify-next sent while the device was offline may never
   * arrive, so polling is what guarantees that queued jobs run. @default 300
   */
  pollIntervalS: int(1, 86_400),
  /**
   * Seconds to wait for the answer of each step (`matchday/commands/result`,
   * `matchday/scraper/run/result`, `matchday/relay/test/result`); a `testLight` step waits its
   * `durationS` on top. A step that does not answer in time fails the job. @default 60
   */
  commandTimeoutS: int(1, 3600),
  /** Seconds to wait for IoT Jobs to answer a start-next or update request. @default 30 */
  requestTimeoutS: int(1, 600),
  /** Days an execution's recorded outcome is kept for re-reporting after a redelivery. @default 30 */
  journalRetentionDays: int(1, 3650),
});

export type JobHandlerConfig = z.infer<typeof JobHandlerConfigSchema>;

/** Validates the raw component configuration; throws a `ConfigError` naming the first failing field. */
export function parseJobHandlerConfig(raw: unknown): JobHandlerConfig {
  return parseComponentConfig(JobHandlerConfigSchema, raw);
}
