/** `matchday/state`: the scheduler's view of the device, debounced on change and on request. */
import { z } from 'zod';
import { Alert, Event } from './events.ts';
import { SourceHealth } from './fixtures.ts';
import { IsoInstant, MessageId, ShortText } from './primitives.ts';
import { RelayState } from './relay.ts';

/** Whether the wall clock can be trusted, and from which named source (`timesyncd`, `rtc`, `override`, `none`). */
export const ClockTrust = z.strictObject({ trusted: z.boolean(), source: z.string().min(1).max(32) });
export type ClockTrust = z.infer<typeof ClockTrust>;

/** An upcoming event with its alerts. */
export const UpcomingEvent = Event.extend({ alerts: z.array(Alert).max(10) });
export type UpcomingEvent = z.infer<typeof UpcomingEvent>;

export const StateSnapshot = z.strictObject({
  at: IsoInstant,
  clock: ClockTrust,
  /** The relay's last reported state (driver `unknown` before any report) and what the plan wants. */
  light: RelayState.extend({ planned: z.boolean() }),
  /** Upcoming events in start order. */
  upcoming: z.array(UpcomingEvent).max(500),
  lastFixtures: z
    .strictObject({
      snapshotId: MessageId,
      takenAt: IsoInstant,
      ok: z.boolean(),
      failureReason: ShortText.optional(),
      sources: z.array(SourceHealth).max(20).optional(),
    })
    .nullable(),
  counts: z.strictObject({
    events: z.number().int().nonnegative(),
    upcomingEvents: z.number().int().nonnegative(),
    activeAlerts: z.number().int().nonnegative(),
    unconfirmedKickoffs: z.number().int().nonnegative(),
  }),
});
export type StateSnapshot = z.infer<typeof StateSnapshot>;

/** `matchday/state/request`: ask the scheduler to publish its state now. */
export const StateRequest = z.strictObject({ id: MessageId.optional() });
export type StateRequest = z.infer<typeof StateRequest>;
