/**
 * `matchday/commands` → `matchday/commands/result`: user and fleet edits, answered by the scheduler only.
 * Commands are idempotent by id: a repeated id gets the stored original result and has no second effect.
 */
import { z } from 'zod';
import { AlertPolicy, Recurrence } from './events.ts';
import { AlertId, EventId } from './identity.ts';
import { CustomEventId, IsoInstant, MessageId, ShortText } from './primitives.ts';

/** Who sent a command: the shadow (ref = shadow key), a job (ref = job id) or a local tool. */
export const CommandOrigin = z.strictObject({ via: z.enum(['shadow', 'job', 'local']), ref: ShortText });
export type CommandOrigin = z.infer<typeof CommandOrigin>;

const endAfterStart = <T extends { start: string; end?: string | undefined }>(v: T) =>
  v.end === undefined || Date.parse(v.end) > Date.parse(v.start);

/** Arguments of every command type. */
export const CommandArgs = {
  /** Keep the alert dark until `until`; it resumes afterwards if still inside its window. */
  snoozeAlert: z.strictObject({ alertId: AlertId, until: IsoInstant }),
  /** Move an alert: new start and end instants (end after start). */
  updateAlert: z
    .strictObject({ alertId: AlertId, start: IsoInstant, end: IsoInstant })
    .refine(endAfterStart, { message: 'end must be after start', path: ['end'] }),
  disableAlert: z.strictObject({ alertId: AlertId }),
  enableAlert: z.strictObject({ alertId: AlertId }),
  /** Snooze every alert of an event until `until`. */
  snoozeEvent: z.strictObject({ eventId: EventId, until: IsoInstant }),
  /** Ignore (default) or un-ignore an event: an ignored event has no alerts. */
  ignoreEvent: z.strictObject({ eventId: EventId, ignored: z.boolean().optional() }),
  /**
   * Add or replace a custom event (a concert, a seminar). A recurring event repeats its first occurrence's
   * local wall time in the configured zone.
   */
  upsertCustomEvent: z
    .strictObject({
      eventId: CustomEventId,
      title: ShortText.min(1),
      start: IsoInstant,
      end: IsoInstant.optional(),
      venue: ShortText.optional(),
      recurrence: Recurrence.optional(),
    })
    .refine(endAfterStart, { message: 'end must be after start', path: ['end'] }),
  /** Delete a custom event (games cannot be deleted, only ignored). */
  deleteEvent: z.strictObject({ eventId: CustomEventId }),
  /** Replace this device's alert policy. Edits of windows it removes are rejected with WINDOW_REMOVED. */
  setAlertPolicy: z.strictObject({ policy: AlertPolicy }),
} as const;

export type CommandType = keyof typeof CommandArgs;
export const COMMAND_TYPES = Object.keys(CommandArgs) as CommandType[];
export const CommandType = z.enum(COMMAND_TYPES as [CommandType, ...CommandType[]]);

const commandOf = <T extends CommandType>(type: T) =>
  z.strictObject({ id: MessageId, type: z.literal(type), args: CommandArgs[type], origin: CommandOrigin });

export const Command = z.discriminatedUnion('type', [
  commandOf('snoozeAlert'),
  commandOf('updateAlert'),
  commandOf('disableAlert'),
  commandOf('enableAlert'),
  commandOf('snoozeEvent'),
  commandOf('ignoreEvent'),
  commandOf('upsertCustomEvent'),
  commandOf('deleteEvent'),
  commandOf('setAlertPolicy'),
]);
export type Command = z.infer<typeof Command>;
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

/** The envelope every request carries: what must be usable for the sender to get an answer. */
export const CommandEnvelope = z.looseObject({ id: MessageId, type: z.string().min(1).max(64) });

/**
 * Error codes a result may carry. `INVALID_ARGS` (arguments fail their schema, `path` says where),
 * `UNKNOWN_TYPE`, `NOT_FOUND`, `NOT_CUSTOM` (a game cannot be deleted), `WINDOW_REMOVED` (the edited
 * window no longer exists), `CONFLICT`, `BUSY`, `TIMEOUT`, `INTERNAL`.
 */
export const ErrorCode = z.enum([
  'INVALID_ARGS',
  'UNKNOWN_TYPE',
  'NOT_FOUND',
  'NOT_CUSTOM',
  'WINDOW_REMOVED',
  'CONFLICT',
  'BUSY',
  'TIMEOUT',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ResultError = z.strictObject({
  code: ErrorCode,
  message: z.string().max(500),
  /** Dotted path of the failing field, e.g. `args.until`. */
  path: z.string().max(200).optional(),
});
export type ResultError = z.infer<typeof ResultError>;

/** The one answer to a request; `error` is present iff `ok` is false. */
export const CommandResult = z
  .strictObject({ id: MessageId, ok: z.boolean(), error: ResultError.optional() })
  .refine((r) => r.ok === (r.error === undefined), { message: 'error must be present iff ok is false' });
export type CommandResult = z.infer<typeof CommandResult>;

/** `matchday/scraper/run`: scrape now. */
export const ScraperRunRequest = z.strictObject({ id: MessageId });
export type ScraperRunRequest = z.infer<typeof ScraperRunRequest>;
