/** Events, alerts and the alert policy, as the scheduler stores and reports them. */
import { z } from 'zod';
import { AlertId, EventId, WindowId } from './identity.ts';
import { IsoInstant, MessageId, OriginVia, ShortText } from './primitives.ts';

/** Where an event came from: the scraper (ref = source id) or a command (ref = shadow key or job id). */
export const EventOrigin = z.strictObject({ via: OriginVia, ref: ShortText });
export type EventOrigin = z.infer<typeof EventOrigin>;

export const EventKind = z.enum(['game', 'custom']);
export type EventKind = z.infer<typeof EventKind>;

/**
 * `missing`: not seen in N consecutive successful snapshots; `ignored`: a user chose to ignore it.
 * Only `scheduled` events produce alerts.
 */
export const EventStatus = z.enum(['scheduled', 'postponed', 'cancelled', 'missing', 'ignored']);
export type EventStatus = z.infer<typeof EventStatus>;

/** An RRULE body such as `FREQ=WEEKLY;BYDAY=SA;COUNT=10` (validated by the scheduler with rrule). */
export const Recurrence = z
  .string()
  .min(6)
  .max(300)
  .regex(
    /^(?:RRULE:)?FREQ=[A-Z]+(?:;[A-Z]+=[A-Za-z0-9,+-]+)*$/,
    'must be an RRULE such as `FREQ=WEEKLY;BYDAY=SA`',
  );

export const Event = z.strictObject({
  id: EventId,
  kind: EventKind,
  title: ShortText.min(1),
  /** Start instant; for a game with an unconfirmed kick-off, the conservative earliest time it is planned on. */
  start: IsoInstant,
  end: IsoInstant.optional(),
  venue: ShortText.optional(),
  status: EventStatus,
  kickoffConfirmed: z.boolean(),
  recurrence: Recurrence.optional(),
  origin: EventOrigin,
});
export type Event = z.infer<typeof Event>;

export const AlertState = z.enum(['scheduled', 'snoozed', 'active', 'done', 'cancelled', 'disabled']);
export type AlertState = z.infer<typeof AlertState>;

/** A user edit of one alert, kept across rescrapes (keyed by the alert id). */
export const AlertOverride = z.strictObject({
  start: IsoInstant.optional(),
  end: IsoInstant.optional(),
  disabled: z.boolean().optional(),
  /** The command that made the edit. */
  commandId: MessageId.optional(),
});
export type AlertOverride = z.infer<typeof AlertOverride>;

export const Alert = z.strictObject({
  id: AlertId,
  eventId: EventId,
  windowId: WindowId,
  start: IsoInstant,
  end: IsoInstant,
  state: AlertState,
  snoozedUntil: IsoInstant.optional(),
  override: AlertOverride.optional(),
});
export type Alert = z.infer<typeof Alert>;

/** How the light shows an alert. */
export const LightPattern = z.enum(['steady', 'blink']);
export type LightPattern = z.infer<typeof LightPattern>;

/**
 * One named window relative to the event start, in elapsed seconds before it (instant arithmetic:
 * three hours before is three real hours, also across a DST change).
 */
export const AlertWindow = z
  .strictObject({
    id: WindowId,
    /** Seconds before the event start at which the alert begins. */
    startBeforeS: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400),
    /** Seconds before the event start at which the alert ends; 0 = at the start. */
    endBeforeS: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400),
    pattern: LightPattern.optional(),
  })
  .refine((w) => w.startBeforeS > w.endBeforeS, {
    message: 'startBeforeS must be greater than endBeforeS',
    path: ['startBeforeS'],
  });
export type AlertWindow = z.infer<typeof AlertWindow>;

/** Named windows; every scheduled event gets one alert per window. */
export const AlertPolicy = z
  .strictObject({ windows: z.array(AlertWindow).min(1).max(10) })
  .refine((p) => new Set(p.windows.map((w) => w.id)).size === p.windows.length, {
    message: 'window ids must be unique',
    path: ['windows'],
  });
export type AlertPolicy = z.infer<typeof AlertPolicy>;
