/**
 * Pure planning: stored events + edits + policy → planned events with their alerts, and the light as a
 * function of that plan at any instant (`relayOn`). No I/O, no clock: `now` is always a parameter.
 */
import {
  type Alert,
  type AlertPolicy,
  type AlertState,
  alertId,
  type Event,
  type EventStatus,
  type LightPattern,
} from '../../shared/contracts/index.ts';
import type { AlertEdit, EventEdit, SchedulerData } from './model.ts';
import { expandOccurrences } from './recurrence.ts';
import { iso } from './wall-time.ts';

const DAY_MS = 86_400_000;

/** One alert as planned: instants in epoch ms. */
export interface PlannedAlert {
  readonly id: string;
  readonly eventId: string;
  readonly windowId: string;
  readonly start: number;
  readonly end: number;
  readonly disabled: boolean;
  /** The latest snooze that applies (alert, event or recurring parent). */
  readonly snoozedUntil?: number;
  readonly pattern: LightPattern;
  readonly edit?: AlertEdit;
}

/** One event as planned (occurrences of recurring events are events of their own). */
export interface PlannedEvent {
  readonly id: string;
  readonly kind: 'game' | 'custom';
  readonly title: string;
  readonly start: number;
  readonly end?: number;
  readonly venue?: string;
  readonly status: EventStatus;
  readonly kickoffConfirmed: boolean;
  readonly recurrence?: string;
  readonly origin: Event['origin'];
  readonly alerts: readonly PlannedAlert[];
}

/** What `relayOn` needs: the alerts of scheduled events, and whether the clock may be followed. */
export interface RelayPlan {
  readonly entries: readonly PlannedAlert[];
  /** False while the clock is untrusted and the policy is `lightOff`. */
  readonly followClock: boolean;
}

export interface Plan extends RelayPlan {
  /** Every planned event, in start order. */
  readonly events: readonly PlannedEvent[];
}

export interface PlanOptions {
  readonly policy: AlertPolicy;
  readonly zone: string;
  /** Recurrences are expanded from `now − 2 days` to `now + horizonDays`. */
  readonly horizonDays: number;
  readonly maxOccurrences: number;
  readonly followClock: boolean;
}

const maxDefined = (...values: (number | undefined)[]): number | undefined => {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : Math.max(...defined);
};

function alertsOf(
  eventId: string,
  eventStart: number,
  policy: AlertPolicy,
  alertEdits: ReadonlyMap<string, AlertEdit>,
  eventSnooze: number | undefined,
): PlannedAlert[] {
  return policy.windows.map((w) => {
    const id = alertId(eventId, w.id);
    const edit = alertEdits.get(id);
    let start = eventStart - w.startBeforeS * 1000;
    let end = eventStart - w.endBeforeS * 1000;
    if (edit?.start !== undefined && edit.end !== undefined) {
      // A moved alert moves again with its event, so a rescheduled game keeps the user's edit.
      const shift = eventStart - (edit.baseStart ?? eventStart);
      start = edit.start + shift;
      end = edit.end + shift;
    }
    const snoozedUntil = maxDefined(edit?.snoozedUntil, eventSnooze);
    return {
      id,
      eventId,
      windowId: w.id,
      start,
      end,
      disabled: edit?.disabled === true,
      ...(snoozedUntil === undefined ? {} : { snoozedUntil }),
      pattern: w.pattern ?? 'steady',
      ...(edit ? { edit } : {}),
    };
  });
}

function statusOf(base: EventStatus, edits: (EventEdit | undefined)[]): EventStatus {
  return base === 'scheduled' && edits.some((e) => e?.ignored === true) ? 'ignored' : base;
}

/** Plans every stored event at `now`. Pure. */
export function buildPlan(data: SchedulerData, now: number, options: PlanOptions): Plan {
  const events: PlannedEvent[] = [];
  const { policy, zone } = options;
  for (const record of data.events.values()) {
    const ownEdit = data.eventEdits.get(record.id);
    if (record.kind === 'game') {
      const status = statusOf(record.sourceStatus, [ownEdit]);
      events.push({
        id: record.id,
        kind: 'game',
        title: record.title,
        start: record.start,
        ...(record.venue === undefined ? {} : { venue: record.venue }),
        status,
        kickoffConfirmed: record.kickoffConfirmed,
        origin: { via: 'scraper', ref: record.source },
        alerts: alertsOf(record.id, record.start, policy, data.alertEdits, ownEdit?.snoozedUntil),
      });
      continue;
    }
    const common = {
      kind: 'custom' as const,
      title: record.title,
      ...(record.venue === undefined ? {} : { venue: record.venue }),
      kickoffConfirmed: true,
      origin: record.origin,
    };
    if (record.recurrence === undefined) {
      events.push({
        ...common,
        id: record.id,
        start: record.start,
        ...(record.end === undefined ? {} : { end: record.end }),
        status: statusOf('scheduled', [ownEdit]),
        alerts: alertsOf(record.id, record.start, policy, data.alertEdits, ownEdit?.snoozedUntil),
      });
      continue;
    }
    const duration = record.end === undefined ? undefined : record.end - record.start;
    const occurrences = expandOccurrences(
      record.start,
      record.recurrence,
      zone,
      now - 2 * DAY_MS,
      now + options.horizonDays * DAY_MS,
      options.maxOccurrences,
    );
    for (const occurrence of occurrences) {
      const id = `${record.id}@${occurrence.key}`;
      const edit = data.eventEdits.get(id);
      events.push({
        ...common,
        id,
        start: occurrence.start,
        ...(duration === undefined ? {} : { end: occurrence.start + duration }),
        status: statusOf('scheduled', [ownEdit, edit]),
        recurrence: record.recurrence,
        alerts: alertsOf(
          id,
          occurrence.start,
          policy,
          data.alertEdits,
          maxDefined(ownEdit?.snoozedUntil, edit?.snoozedUntil),
        ),
      });
    }
  }
  events.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
  const entries = events
    .filter((e) => e.status === 'scheduled')
    .flatMap((e) => e.alerts)
    .sort((a, b) => a.start - b.start);
  return { events, entries, followClock: options.followClock };
}

/** When an alert can light the relay: after its start and any snooze. */
export function effectiveStart(alert: PlannedAlert): number {
  return alert.snoozedUntil === undefined ? alert.start : Math.max(alert.start, alert.snoozedUntil);
}

/** Whether one alert lights the relay at `now`. */
export function isLit(alert: PlannedAlert, now: number): boolean {
  return !alert.disabled && effectiveStart(alert) <= now && now < alert.end;
}

/** What the relay must do at one instant. */
export interface RelayDecision {
  readonly on: boolean;
  readonly reason: string;
  /** The lit alert that started first. */
  readonly alertId?: string;
  /** When the light goes off if nothing changes: the end of the continuous lit stretch. */
  readonly until?: number;
  readonly pattern?: LightPattern;
}

/** The light as a pure function of the plan: on iff some alert of a scheduled event is lit at `now`. */
export function relayOn(plan: RelayPlan, now: number): RelayDecision {
  if (!plan.followClock) return { on: false, reason: 'clock untrusted' };
  const lit = plan.entries.filter((a) => isLit(a, now));
  const first = lit[0];
  if (!first) return { on: false, reason: 'no active alert' };
  let until = Math.max(...lit.map((a) => a.end));
  for (let extended = true; extended; ) {
    extended = false;
    for (const a of plan.entries) {
      if (!a.disabled && effectiveStart(a) <= until && a.end > until) {
        until = a.end;
        extended = true;
      }
    }
  }
  const earliest = lit.reduce((best, a) => (a.start < best.start ? a : best), first);
  return {
    on: true,
    reason: 'alert',
    alertId: earliest.id,
    until,
    pattern: lit.some((a) => a.pattern === 'blink') ? 'blink' : 'steady',
  };
}

/** The next instant after `now` at which `relayOn` may change, or `undefined` when none is planned. */
export function nextBoundary(plan: RelayPlan, now: number): number | undefined {
  let next: number | undefined;
  for (const a of plan.entries) {
    if (a.disabled || a.end <= now) continue;
    const start = effectiveStart(a);
    const candidate = start > now ? start : a.end;
    if (next === undefined || candidate < next) next = candidate;
  }
  return next;
}

/** The reported state of an alert at `now`. */
export function alertStateAt(alert: PlannedAlert, status: EventStatus, now: number): AlertState {
  if (status !== 'scheduled') return 'cancelled';
  if (alert.disabled) return 'disabled';
  if (now >= alert.end) return 'done';
  if (alert.snoozedUntil !== undefined && alert.snoozedUntil > now && now >= alert.start) return 'snoozed';
  if (alert.snoozedUntil !== undefined && alert.snoozedUntil > alert.start && now < alert.start)
    return 'snoozed';
  return now >= alert.start ? 'active' : 'scheduled';
}

/** The contract shape of a planned alert at `now`. */
export function toAlert(alert: PlannedAlert, status: EventStatus, now: number): Alert {
  const edit = alert.edit;
  const moved = edit?.start !== undefined && edit.end !== undefined;
  const override =
    edit && (moved || edit.disabled !== undefined)
      ? {
          ...(moved ? { start: iso(alert.start), end: iso(alert.end) } : {}),
          ...(edit.disabled === undefined ? {} : { disabled: edit.disabled }),
          commandId: edit.commandId,
        }
      : undefined;
  return {
    id: alert.id,
    eventId: alert.eventId,
    windowId: alert.windowId,
    start: iso(alert.start),
    end: iso(alert.end),
    state: alertStateAt(alert, status, now),
    ...(alert.snoozedUntil !== undefined && alert.snoozedUntil > now
      ? { snoozedUntil: iso(alert.snoozedUntil) }
      : {}),
    ...(override ? { override } : {}),
  };
}

/** The contract shape of a planned event. */
export function toEvent(event: PlannedEvent): Event {
  return {
    id: event.id,
    kind: event.kind,
    title: event.title,
    start: iso(event.start),
    ...(event.end === undefined ? {} : { end: iso(event.end) }),
    ...(event.venue === undefined ? {} : { venue: event.venue }),
    status: event.status,
    kickoffConfirmed: event.kickoffConfirmed,
    ...(event.recurrence === undefined ? {} : { recurrence: event.recurrence }),
    origin: event.origin,
  };
}
