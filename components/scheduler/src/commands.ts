/**
 * Applies one valid command to the store: the only place user edits are written. Returns the outcome;
 * a rejected command changes nothing. Pure apart from the store mutations.
 */
import {
  type AlertPolicy,
  type Command,
  type CommandOf,
  parseAlertId,
  type ResultError,
} from '../../shared/contracts/index.ts';
import type { AlertEdit, EventEdit } from './model.ts';
import { occurrenceStart, recurrenceNeverOccurs, recurrenceProblem } from './recurrence.ts';
import type { SchedulerStore } from './store.ts';

export interface CommandEnv {
  readonly store: SchedulerStore;
  readonly policy: AlertPolicy;
  readonly zone: string;
  readonly now: number;
}

/** What a command did, for metrics and logs. */
export interface CommandEffect {
  readonly snoozed?: number;
  readonly added?: string;
  readonly updated?: string;
  readonly deleted?: string;
  /** Alert edits dropped because their window is gone. */
  readonly windowRemoved?: readonly string[];
}

export type CommandOutcome = { ok: true; effect: CommandEffect } | { ok: false; error: ResultError };

/** The longest alert `updateAlert` accepts: a light on for longer is a mistake, not an alert. */
export const MAX_ALERT_MS = 24 * 3_600_000;

const fail = (code: ResultError['code'], message: string, path?: string): CommandOutcome => ({
  ok: false,
  error: { code, message, ...(path === undefined ? {} : { path }) },
});

/** The start of an event (game, custom event or one occurrence), or `undefined` when there is none. */
export function eventStart(env: CommandEnv, eventId: string): number | undefined {
  const direct = env.store.data.events.get(eventId);
  if (direct) return direct.kind === 'game' || direct.recurrence === undefined ? direct.start : undefined;
  const at = eventId.lastIndexOf('@');
  if (at <= 0) return undefined;
  const parent = env.store.data.events.get(eventId.slice(0, at));
  if (parent?.kind !== 'custom' || parent.recurrence === undefined) return undefined;
  return occurrenceStart(parent.start, parent.recurrence, env.zone, eventId.slice(at + 1));
}

function eventKnown(env: CommandEnv, eventId: string): boolean {
  return env.store.data.events.has(eventId) || eventStart(env, eventId) !== undefined;
}

type AlertTarget = { ok: true; eventId: string; start: number; edit: AlertEdit | undefined } | CommandOutcome;

function resolveAlert(env: CommandEnv, id: string): AlertTarget {
  const parts = parseAlertId(id);
  if (!parts)
    return fail(
      'INVALID_ARGS',
      `\`args.alertId\`: must be \`<eventId>:<windowId>\`, got \`${id}\``,
      'args.alertId',
    );
  const start = eventStart(env, parts.eventId);
  if (start === undefined) {
    return fail('NOT_FOUND', `no event \`${parts.eventId}\` for alert \`${id}\``, 'args.alertId');
  }
  if (!env.policy.windows.some((w) => w.id === parts.windowId)) {
    return fail(
      'WINDOW_REMOVED',
      `the alert policy has no window \`${parts.windowId}\` (windows: ${env.policy.windows.map((w) => w.id).join(', ')})`,
      'args.alertId',
    );
  }
  return { ok: true, eventId: parts.eventId, start, edit: env.store.data.alertEdits.get(id) };
}

function editAlert(
  env: CommandEnv,
  command: { id: string; args: { alertId: string } },
  change: (edit: AlertEdit, start: number) => AlertEdit,
  effect: CommandEffect = {},
): CommandOutcome {
  const target = resolveAlert(env, command.args.alertId);
  if (!('eventId' in target)) return target;
  const base: AlertEdit = target.edit ?? { eventId: target.eventId, commandId: command.id };
  const next = change({ ...base, commandId: command.id }, target.start);
  const empty = next.start === undefined && next.disabled === undefined && next.snoozedUntil === undefined;
  env.store.setAlertEdit(command.args.alertId, empty ? undefined : next);
  return { ok: true, effect };
}

function without<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const { [key]: _dropped, ...rest } = value;
  return rest;
}

const handlers: { [T in Command['type']]: (env: CommandEnv, command: CommandOf<T>) => CommandOutcome } = {
  snoozeAlert: (env, c) =>
    editAlert(env, c, (edit) => ({ ...edit, snoozedUntil: Date.parse(c.args.until) }), { snoozed: 1 }),
  updateAlert: (env, c) => {
    const length = Date.parse(c.args.end) - Date.parse(c.args.start);
    if (length > MAX_ALERT_MS) {
      return fail(
        'INVALID_ARGS',
        `\`args.end\`: an alert may last at most 24 h, got ${(length / 3_600_000).toFixed(1)} h`,
        'args.end',
      );
    }
    return editAlert(env, c, (edit, start) => ({
      ...edit,
      start: Date.parse(c.args.start),
      end: Date.parse(c.args.end),
      baseStart: start,
    }));
  },
  disableAlert: (env, c) => editAlert(env, c, (edit) => ({ ...edit, disabled: true })),
  enableAlert: (env, c) => editAlert(env, c, (edit) => without(edit, 'disabled')),
  snoozeEvent: (env, c) => {
    if (!eventKnown(env, c.args.eventId))
      return fail('NOT_FOUND', `no event \`${c.args.eventId}\``, 'args.eventId');
    const prev = env.store.data.eventEdits.get(c.args.eventId);
    env.store.setEventEdit(c.args.eventId, {
      ...prev,
      snoozedUntil: Date.parse(c.args.until),
      commandId: c.id,
    });
    return { ok: true, effect: { snoozed: env.policy.windows.length } };
  },
  ignoreEvent: (env, c) => {
    if (!eventKnown(env, c.args.eventId))
      return fail('NOT_FOUND', `no event \`${c.args.eventId}\``, 'args.eventId');
    const prev = env.store.data.eventEdits.get(c.args.eventId);
    const ignored = c.args.ignored ?? true;
    const snoozedUntil = prev?.snoozedUntil;
    const next: EventEdit = {
      ...(ignored ? { ignored: true } : {}),
      ...(snoozedUntil === undefined ? {} : { snoozedUntil }),
      commandId: c.id,
    };
    env.store.setEventEdit(c.args.eventId, ignored || snoozedUntil !== undefined ? next : undefined);
    return { ok: true, effect: { updated: c.args.eventId } };
  },
  upsertCustomEvent: (env, c) => {
    const { eventId, title, start, end, venue, recurrence } = c.args;
    if (recurrence !== undefined) {
      const problem =
        recurrenceProblem(recurrence) ?? recurrenceNeverOccurs(Date.parse(start), recurrence, env.zone);
      if (problem) {
        return fail(
          'INVALID_ARGS',
          `\`args.recurrence\`: ${problem}, got \`${recurrence}\``,
          'args.recurrence',
        );
      }
    }
    const existed = env.store.data.events.has(eventId);
    env.store.putEvent({
      kind: 'custom',
      id: eventId,
      title,
      start: Date.parse(start),
      ...(end === undefined ? {} : { end: Date.parse(end) }),
      ...(venue === undefined ? {} : { venue }),
      ...(recurrence === undefined ? {} : { recurrence }),
      origin: c.origin,
    });
    return { ok: true, effect: existed ? { updated: eventId } : { added: eventId } };
  },
  deleteEvent: (env, c) => {
    const { eventId } = c.args;
    const record = env.store.data.events.get(eventId);
    if (!record) return fail('NOT_FOUND', `no custom event \`${eventId}\``, 'args.eventId');
    if (record.kind !== 'custom')
      return fail('NOT_CUSTOM', `\`${eventId}\` is a game: ignore it instead`, 'args.eventId');
    const belongs = (id: string) => id === eventId || id.startsWith(`${eventId}@`);
    env.store.batch(() => {
      env.store.deleteEvent(eventId);
      for (const id of [...env.store.data.eventEdits.keys()].filter(belongs))
        env.store.setEventEdit(id, undefined);
      for (const [id, edit] of [...env.store.data.alertEdits].filter(([, e]) => belongs(e.eventId))) {
        void edit;
        env.store.setAlertEdit(id, undefined);
      }
    });
    return { ok: true, effect: { deleted: eventId } };
  },
  setAlertPolicy: (env, c) => {
    const kept = new Set(c.args.policy.windows.map((w) => w.id));
    const removed = [...env.store.data.alertEdits.keys()].filter(
      (id) => !kept.has(parseAlertId(id)?.windowId ?? ''),
    );
    env.store.batch(() => {
      env.store.setPolicy(c.args.policy);
      for (const id of removed) env.store.setAlertEdit(id, undefined);
    });
    return { ok: true, effect: { windowRemoved: removed } };
  },
};

/** Applies a valid command. */
export function applyCommand(env: CommandEnv, command: Command): CommandOutcome {
  const handler = handlers[command.type] as (env: CommandEnv, command: Command) => CommandOutcome;
  return handler(env, command);
}
