/** The warning light: `matchday/relay/set` (Scheduler → GpioRelay) and `matchday/relay/state` back. */
import { z } from 'zod';
import { LightPattern } from './events.ts';
import { AlertId } from './identity.ts';
import { IsoInstant, MessageId, ShortText } from './primitives.ts';

/** The planned light. The relay turns off at the earliest of `until`, its lease and its maximum on-time. */
export const RelaySet = z.strictObject({
  on: z.boolean(),
  /** Why, for logs and the dashboard, e.g. `alert` or `no active alert`. */
  reason: ShortText.min(1),
  alertId: AlertId.optional(),
  until: IsoInstant.optional(),
  pattern: LightPattern.optional(),
});
export type RelaySet = z.infer<typeof RelaySet>;

/** What the relay is doing. `healthy: false` when the driver failed (`error` says how). */
export const RelayState = z.strictObject({
  on: z.boolean(),
  since: IsoInstant,
  /** The driver in use: `sysfs`, `chardev`, `simulated`, or `unknown` before any report. */
  driver: z.string().min(1).max(32),
  healthy: z.boolean(),
  error: ShortText.optional(),
});
export type RelayState = z.infer<typeof RelayState>;

/** `matchday/relay/test`: blink for `durationS` seconds, then restore the planned state. */
export const RelayTestRequest = z.strictObject({
  id: MessageId,
  durationS: z.number().int().min(1).max(600),
});
export type RelayTestRequest = z.infer<typeof RelayTestRequest>;
