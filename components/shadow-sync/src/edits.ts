/**
 * The desired-edit format of the `matchday` shadow and its translation into scheduler commands. Every
 * value read from `desired` is hostile: it is validated here with zod and either becomes exactly one
 * command or a rejection naming the field, the expectation and the value. Pure.
 */
import { z } from 'zod';
import {
  AlertId,
  type Command,
  CustomEventId,
  describeZodError,
  EventId,
  IsoInstant,
  Recurrence,
  type ResultError,
  ShortText,
} from '../../shared/contracts/index.ts';

/** The sections of `desired` that carry edits. */
export const SECTIONS = ['alerts', 'events'] as const;
export type Section = (typeof SECTIONS)[number];

const endAfterStart = (v: { start: string; end?: string | undefined }) =>
  v.end === undefined || Date.parse(v.end) > Date.parse(v.start);
const END_AFTER_START = { message: 'end must be after start', path: ['end'] };

/** `desired.alerts[<alertId>]`: snooze until an instant, move the window, or disable / enable. */
export const AlertSnoozeEdit = z.strictObject({ snoozedUntil: IsoInstant });
export const AlertMoveEdit = z
  .strictObject({ start: IsoInstant, end: IsoInstant })
  .refine(endAfterStart, END_AFTER_START);
export const AlertDisableEdit = z.strictObject({ disabled: z.boolean() });

/** `desired.events[<eventId>]`: a custom event's definition, its deletion, ignoring, or snoozing all its alerts. */
export const CustomEventEdit = z
  .strictObject({
    title: ShortText.min(1),
    start: IsoInstant,
    end: IsoInstant.optional(),
    venue: ShortText.optional(),
    recurrence: Recurrence.optional(),
  })
  .refine(endAfterStart, END_AFTER_START);
export const EventDeleteEdit = z.strictObject({ deleted: z.literal(true) });
export const EventIgnoreEdit = z.strictObject({ ignored: z.boolean() });
export const EventSnoozeEdit = z.strictObject({ snoozedUntil: IsoInstant });

/** A command without its id and origin. */
export type CommandBody = Pick<Command, 'type' | 'args'>;

export type EditParse = { ok: true; command: CommandBody } | { ok: false; error: ResultError };

function invalid(path: string, message: string): EditParse {
  return {
    ok: false,
    error: { code: 'INVALID_ARGS', message: message.slice(0, 500), path: path.slice(0, 200) },
  };
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function parseWith<T>(
  schema: z.ZodType<T>,
  value: unknown,
  path: string,
  build: (v: T) => CommandBody,
): EditParse {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, command: build(parsed.data) };
  const { path: field, message } = describeZodError(parsed.error);
  const at = field === '(root)' ? path : `${path}.${field}`;
  return invalid(at, `\`${at}\`: ${message.replace(/^`[^`]*`: /, '')}`);
}

const has = (value: object, key: string) => Object.hasOwn(value, key);

/** Validates `desired.alerts[key]` and turns it into a command. */
export function parseAlertEdit(key: string, value: unknown): EditParse {
  const path = `alerts.${key}`;
  if (!AlertId.safeParse(key).success) {
    return invalid(
      path,
      `\`${path}\`: the key must be an alert id \`<eventId>:<windowId>\`, got ${show(key)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid(
      path,
      `\`${path}\`: expected an object {snoozedUntil} | {start, end} | {disabled}, got ${show(value)}`,
    );
  }
  if (has(value, 'snoozedUntil')) {
    return parseWith(AlertSnoozeEdit, value, path, (v) => ({
      type: 'snoozeAlert',
      args: { alertId: key, until: v.snoozedUntil },
    }));
  }
  if (has(value, 'start') || has(value, 'end')) {
    return parseWith(AlertMoveEdit, value, path, (v) => ({
      type: 'updateAlert',
      args: { alertId: key, start: v.start, end: v.end },
    }));
  }
  if (has(value, 'disabled')) {
    return parseWith(AlertDisableEdit, value, path, (v) => ({
      type: v.disabled ? 'disableAlert' : 'enableAlert',
      args: { alertId: key },
    }));
  }
  return invalid(
    path,
    `\`${path}\`: expected one of snoozedUntil, start + end, disabled; got ${show(value)}`,
  );
}

/** Validates `desired.events[key]` and turns it into a command. */
export function parseEventEdit(key: string, value: unknown): EditParse {
  const path = `events.${key}`;
  if (!EventId.safeParse(key).success) {
    return invalid(path, `\`${path}\`: the key must be an event id, got ${show(key)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid(
      path,
      `\`${path}\`: expected an object {title, start, …} | {deleted} | {ignored} | {snoozedUntil}, got ${show(value)}`,
    );
  }
  const custom = CustomEventId.safeParse(key).success;
  if (has(value, 'title') || has(value, 'start')) {
    if (!custom) {
      return invalid(
        path,
        `\`${path}\`: only custom events (ids of letters, digits, \`_.-\`) can be defined`,
      );
    }
    return parseWith(CustomEventEdit, value, path, (v) => ({
      type: 'upsertCustomEvent',
      args: {
        eventId: key,
        title: v.title,
        start: v.start,
        ...(v.end === undefined ? {} : { end: v.end }),
        ...(v.venue === undefined ? {} : { venue: v.venue }),
        ...(v.recurrence === undefined ? {} : { recurrence: v.recurrence }),
      },
    }));
  }
  if (has(value, 'deleted')) {
    if (!custom)
      return invalid(path, `\`${path}\`: only custom events can be deleted; ignore a game instead`);
    return parseWith(EventDeleteEdit, value, path, () => ({ type: 'deleteEvent', args: { eventId: key } }));
  }
  if (has(value, 'ignored')) {
    return parseWith(EventIgnoreEdit, value, path, (v) => ({
      type: 'ignoreEvent',
      args: { eventId: key, ignored: v.ignored },
    }));
  }
  if (has(value, 'snoozedUntil')) {
    return parseWith(EventSnoozeEdit, value, path, (v) => ({
      type: 'snoozeEvent',
      args: { eventId: key, until: v.snoozedUntil },
    }));
  }
  return invalid(
    path,
    `\`${path}\`: expected one of title + start, deleted, ignored, snoozedUntil; got ${show(value)}`,
  );
}

export function parseEdit(section: Section, key: string, value: unknown): EditParse {
  return section === 'alerts' ? parseAlertEdit(key, value) : parseEventEdit(key, value);
}

/** The newest `timestamp` anywhere in a metadata subtree (epoch seconds), 0 when none. */
export function newestTimestamp(metadata: unknown): number {
  if (typeof metadata !== 'object' || metadata === null) return 0;
  let newest = 0;
  for (const [key, value] of Object.entries(metadata)) {
    if (key === 'timestamp' && typeof value === 'number' && Number.isFinite(value))
      newest = Math.max(newest, value);
    else newest = Math.max(newest, newestTimestamp(value));
  }
  return newest;
}

/** JSON with object keys sorted, so equal values always serialise the same way. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** FNV-1a (32 bit) of a string, as 8 hex digits: a short, stable fingerprint (not a security hash). */
export function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * The command id of one edit: the shadow key, its metadata timestamp, the value's fingerprint and the
 * key's decision number from the ledger (the same value may come back within one second: A, B, A). Stable
 * for one edit across restarts until it is decided, so a resend is applied once. Keys too long for a
 * message id are replaced by their fingerprint.
 */
export function commandIdOf(
  section: Section,
  key: string,
  timestamp: number,
  valueHash: string,
  sequence: number,
): string {
  const id = `shadow:${section}/${key}@${timestamp}.${valueHash}.${sequence}`;
  return id.length <= 128
    ? id
    : `shadow:${section}/#${fingerprint(key)}@${timestamp}.${valueHash}.${sequence}`;
}
