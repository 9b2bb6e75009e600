/**
 * GpioRelay configuration: a strict zod schema with no defaults (they live in the recipe's
 * DefaultConfiguration) and `parseGpioRelayConfig(raw)` → a deeply frozen value, or a `ConfigError`
 * naming the field, the expectation and the value.
 */
import { z } from 'zod';
import { intBetween, parseComponentConfig } from '../../shared/runtime/parse-config.ts';
import { DRIVER_CHOICES } from './relay-driver.ts';

const int = intBetween;

export const GpioRelayConfigSchema = z.strictObject({
  /** BCM GPIO number of the relay input on the 40-pin header (not the physical pin number). @default 17 */
  pin: int(2, 27),
  /** True when the relay board energises on a LOW input (most opto-isolated boards). @default false */
  activeLow: z.boolean(),
  /** `auto` (chardev, else sysfs, else ERRORED), `chardev`, `sysfs` or `simulated`. @default "auto" */
  driver: z.enum(DRIVER_CHOICES),
  /**
   * Seconds a `matchday/relay/set` stays valid without a fresh one; the scheduler re-asserts every 60 s,
   * so 3× that survives two lost messages. @default 180
   */
  leaseS: int(10, 3600),
  /**
   * Hard limit, in seconds, on one continuous on-period (counted from switching on or from a new
   * alertId); afterwards the light stays off until an off or a different alert. @default 14400 (4 h)
   */
  maxOnS: int(60, 86_400),
  /** The blink pattern used by `pattern: blink` and by `matchday/relay/test`. */
  blink: z.strictObject({
    /** Milliseconds on per blink. @default 500 */
    onMs: int(200, 10_000),
    /** Milliseconds off per blink. @default 500 */
    offMs: int(200, 10_000),
  }),
  /** State at start and until the first valid set. Only `off` is accepted: the relay fails safe. @default "off" */
  initialState: z.literal('off'),
  /** Seconds between periodic `matchday/relay/state` publications (and driver retries). @default 60 */
  stateIntervalS: int(5, 3600),
});

export type GpioRelayConfig = z.infer<typeof GpioRelayConfigSchema>;

/** Validates the raw component configuration; throws a `ConfigError` naming the first failing field. */
export function parseGpioRelayConfig(raw: unknown): GpioRelayConfig {
  return parseComponentConfig(GpioRelayConfigSchema, raw);
}
