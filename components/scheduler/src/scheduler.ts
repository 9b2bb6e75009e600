/**
 * The scheduler core. Owns events, alerts and user edits (the only writer), clock trust and the light.
 * Consumes fixtures snapshots, commands, relay state, state requests and update notifications; produces
 * relay sets, command results, state snapshots and metrics. It never decides the light from a one-shot
 * trigger: the light is always `relayOn(plan, now)`, re-derived on start, change, boundary and tick.
 */
import { isAbsolute, join } from 'node:path';
import {
  type AlertPolicy,
  type ClockTrust,
  type Command,
  type CommandResult,
  type FixturesSnapshot,
  type Inbound,
  isInvalidRequest,
  type RelaySet,
  type RelayState,
  type StateSnapshot,
  TOPICS,
} from '../../shared/contracts/index.ts';
import type { Closable, Timer, UpdateEvent } from '../../shared/ports/index.ts';
import type { ComponentContext, ComponentInstance } from '../../shared/runtime/component.ts';
import { MAX_TIMER_MS } from '../../shared/runtime/system-clock.ts';
import { assessClockTrust } from './clock-trust.ts';
import { applyCommand, type CommandOutcome } from './commands.ts';
import type { SchedulerConfig } from './config.ts';
import {
  buildPlan,
  isLit,
  nextBoundary,
  type Plan,
  type RelayDecision,
  relayOn,
  toAlert,
  toEvent,
} from './plan.ts';
import { reconcileFixtures } from './reconcile.ts';
import { lastOccurrence } from './recurrence.ts';
import { SchedulerStore } from './store.ts';
import { iso } from './wall-time.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Options the composition root adds to the context. */
export interface SchedulerOptions {
  /** Path of sql.js's `sql-wasm.wasm` (default: beside sql.js's own JS file). */
  readonly wasmPath?: string;
}

/** A running scheduler, with read access for tests and benchmarks. */
export interface Scheduler extends ComponentInstance {
  /** The current plan (after the last change or tick). */
  plan(): Plan;
  /** The decision last published on `matchday/relay/set`. */
  published(): RelaySet | undefined;
  clockTrust(): ClockTrust;
  /** Resolves once everything changed so far is durable. */
  flush(): Promise<void>;
}

const sameSet = (a: RelaySet | undefined, b: RelaySet) =>
  a !== undefined &&
  a.on === b.on &&
  a.alertId === b.alertId &&
  a.until === b.until &&
  a.pattern === b.pattern &&
  a.reason === b.reason;

function toRelaySet(decision: RelayDecision): RelaySet {
  return {
    on: decision.on,
    reason: decision.reason,
    ...(decision.alertId === undefined ? {} : { alertId: decision.alertId }),
    ...(decision.until === undefined ? {} : { until: iso(decision.until) }),
    ...(decision.pattern === undefined ? {} : { pattern: decision.pattern }),
  };
}

/** Creates the scheduler core. */
export function createScheduler(
  ctx: ComponentContext<SchedulerConfig>,
  options: SchedulerOptions = {},
): Scheduler {
  const { config, pubsub, clock, logger, metrics, lifecycle, fs } = ctx;
  const zone = config.timeZone;
  const storePath = isAbsolute(config.store.file) ? config.store.file : join(ctx.workDir, config.store.file);

  let store: SchedulerStore | undefined;
  let trust: ClockTrust = { trusted: false, source: 'none' };
  let plan: Plan = { events: [], entries: [], followClock: false };
  let planBuiltAt = 0;
  let published: RelaySet | undefined;
  let relayState: RelayState | undefined;
  let active = new Set<string>();
  let wallOffset = 0;
  let lastResendMono = Number.NEGATIVE_INFINITY;
  let lastPruneMono = Number.NEGATIVE_INFINITY;
  const warnedUnconfirmed = new Set<string>();
  const subscriptions: Closable[] = [];
  let boundaryTimer: Timer | undefined;
  let tickTimer: Timer | undefined;
  let reassertTimer: Timer | undefined;
  let stateTimer: Timer | undefined;
  let running = false;
  const startedAt = clock.now();

  const requireStore = (): SchedulerStore => {
    if (!store) throw new Error('scheduler not started');
    return store;
  };
  const policy = (): AlertPolicy => store?.data.policy ?? config.alertPolicy;
  const followClock = () => trust.trusted || config.clockTrust.untrustedPolicy === 'followWallClock';

  const publish = async <T>(topic: { name: string }, send: () => Promise<T>) => {
    try {
      await send();
    } catch (error) {
      logger.error('scheduler.publish.failed', { topic: topic.name, error: (error as Error).message });
    }
  };

  const publishSet = async (set: RelaySet, why: string) => {
    published = set;
    // Re-assertions are routine (every minute): debug, so the log shows only changes.
    logger[why === 're-assert' ? 'debug' : 'info']('scheduler.relay.set', { ...set, why });
    await publish(TOPICS.relaySet, () => pubsub.publish(TOPICS.relaySet, set));
  };

  function rebuildPlan(now = clock.now()): void {
    plan = buildPlan(requireStore().data, now, {
      policy: policy(),
      zone,
      horizonDays: config.recurrence.horizonDays,
      maxOccurrences: config.recurrence.maxOccurrences,
      followClock: followClock(),
    });
    planBuiltAt = now;
  }

  function checkUnconfirmed(now: number): void {
    if (!trust.trusted) return;
    const soon = now + config.fixtures.unconfirmedSoonDays * DAY_MS;
    for (const event of plan.events) {
      if (event.kind !== 'game' || event.kickoffConfirmed || event.status !== 'scheduled') continue;
      if (event.start <= now || event.start > soon || warnedUnconfirmed.has(event.id)) continue;
      warnedUnconfirmed.add(event.id);
      metrics.count('UnconfirmedKickoffSoon');
      logger.warn('scheduler.kickoff.unconfirmed-soon', {
        eventId: event.id,
        plannedStart: iso(event.start),
      });
    }
  }

  /** Re-derives the light from the plan, publishes it on change and re-arms the boundary timer. */
  async function derive(why: string): Promise<void> {
    if (!running) return;
    const now = clock.now();
    const decision = relayOn(plan, now);
    if (plan.followClock) {
      const nowActive = new Set(plan.entries.filter((a) => isLit(a, now)).map((a) => a.id));
      const started = [...nowActive].filter((id) => !active.has(id));
      const stopped = [...active].filter((id) => !nowActive.has(id));
      if (started.length > 0) metrics.count('AlertsStarted', started.length);
      if (stopped.length > 0) metrics.count('AlertsStopped', stopped.length);
      for (const id of started) logger.info('scheduler.alert.started', { alertId: id });
      for (const id of stopped) logger.info('scheduler.alert.stopped', { alertId: id });
      if (started.length + stopped.length > 0) scheduleState();
      active = nowActive;
    }
    const set = toRelaySet(decision);
    if (!sameSet(published, set)) {
      const switched = published === undefined || published.on !== set.on;
      if (published !== undefined && switched) metrics.count('RelaySwitches');
      if (switched) scheduleState();
      await publishSet(set, why);
    }
    armBoundary(now);
  }

  function armBoundary(now: number): void {
    boundaryTimer?.cancel();
    boundaryTimer = undefined;
    if (!plan.followClock) return;
    const next = nextBoundary(plan, now);
    if (next === undefined) return;
    boundaryTimer = clock.setTimer(Math.min(Math.max(0, next - now), MAX_TIMER_MS), () => {
      boundaryTimer = undefined;
      void derive('boundary');
    });
  }

  async function refreshTrust(initial = false): Promise<boolean> {
    const next = await assessClockTrust(fs, config.clockTrust);
    const changed = initial || next.trusted !== trust.trusted || next.source !== trust.source;
    if (changed) {
      const level = next.trusted ? 'info' : 'warn';
      logger[level]('scheduler.clock.trust', { trusted: next.trusted, source: next.source });
      if (!next.trusted && (initial || trust.trusted)) metrics.count('ClockUntrusted');
      trust = next;
      scheduleState();
    }
    return changed;
  }

  function prune(now: number): void {
    if (!trust.trusted) return;
    const s = requireStore();
    const before = now - config.store.pastEventRetentionDays * DAY_MS;
    const old: string[] = [];
    for (const record of s.data.events.values()) {
      let last: number | undefined = record.start;
      if (record.kind === 'custom' && record.recurrence !== undefined) {
        last = lastOccurrence(record.start, record.recurrence, zone, 10_000);
      }
      if (last !== undefined && last < before) old.push(record.id);
    }
    const startOfOccurrence = (eventId: string) => {
      const m = /@(\d{4})(\d{2})(\d{2})T/.exec(eventId);
      return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) : undefined;
    };
    const belongsToOld = (eventId: string) => {
      const base = eventId.split('@')[0]!;
      const occ = startOfOccurrence(eventId);
      return old.includes(base) || (occ !== undefined && occ < before - DAY_MS);
    };
    const staleEventEdits = [...s.data.eventEdits.keys()].filter(belongsToOld);
    const staleAlertEdits = [...s.data.alertEdits]
      .filter(([, e]) => belongsToOld(e.eventId))
      .map(([id]) => id);
    const commandsBefore = now - config.store.commandRetentionDays * DAY_MS;
    const oldCommands = [...s.commands.values()].some((c) => c.at < commandsBefore);
    if (old.length + staleEventEdits.length + staleAlertEdits.length === 0 && !oldCommands) return;
    let commands = 0;
    s.batch(() => {
      for (const id of old) s.deleteEvent(id);
      for (const id of staleEventEdits) s.setEventEdit(id, undefined);
      for (const id of staleAlertEdits) s.setAlertEdit(id, undefined);
      commands = s.pruneCommands(commandsBefore);
    });
    logger.info('scheduler.store.pruned', {
      events: old.length,
      edits: staleEventEdits.length + staleAlertEdits.length,
      commands,
    });
  }

  async function tick(): Promise<void> {
    tickTimer = undefined;
    if (!running) return;
    try {
      const now = clock.now();
      const offset = now - clock.monotonic();
      const jump = offset - wallOffset;
      wallOffset = offset;
      const jumped = Math.abs(jump) > config.clockJumpThresholdS * 1000;
      if (jumped) logger.warn('scheduler.clock.jumped', { byMs: Math.round(jump), now: iso(now) });
      const trustChanged = await refreshTrust();
      if (clock.monotonic() - lastPruneMono >= HOUR_MS) {
        lastPruneMono = clock.monotonic();
        prune(now);
      }
      if (
        jumped ||
        trustChanged ||
        Math.abs(now - planBuiltAt) >= HOUR_MS ||
        plan.followClock !== followClock()
      ) {
        rebuildPlan(now);
        checkUnconfirmed(now);
      }
      await derive(jumped ? 'clock jump' : 'tick');
    } catch (error) {
      logger.error('scheduler.tick.failed', { error: (error as Error).message });
    } finally {
      if (running) tickTimer = clock.setTimer(config.safetyTickS * 1000, () => void tick());
    }
  }

  function reassert(): void {
    reassertTimer = undefined;
    if (!running) return;
    if (published) void publishSet(published, 're-assert');
    if (!trust.trusted) metrics.count('ClockUntrusted');
    reassertTimer = clock.setTimer(config.relay.reassertIntervalS * 1000, reassert);
  }

  function buildState(): StateSnapshot {
    const now = clock.now();
    const s = requireStore();
    const upcomingAll = plan.events.filter(
      (e) => e.start > now - 3 * HOUR_MS || e.alerts.some((a) => a.end > now),
    );
    const upcoming = upcomingAll.slice(0, config.state.upcomingLimit).map((e) => ({
      ...toEvent(e),
      title: e.title.slice(0, 200),
      alerts: e.alerts.slice(0, 10).map((a) => toAlert(a, e.status, now)),
    }));
    const light = relayState ?? { on: false, since: iso(startedAt), driver: 'unknown', healthy: false };
    const last = s.data.lastFixtures;
    return {
      at: iso(now),
      clock: trust,
      light: { ...light, planned: published?.on ?? false },
      upcoming,
      lastFixtures: last
        ? {
            snapshotId: last.snapshotId,
            takenAt: last.takenAt,
            ok: last.ok,
            ...(last.failureReason === undefined ? {} : { failureReason: last.failureReason }),
            ...(last.sources === undefined ? {} : { sources: last.sources }),
          }
        : null,
      counts: {
        events: s.data.events.size,
        upcomingEvents: upcomingAll.length,
        activeAlerts: plan.entries.filter((a) => isLit(a, now)).length,
        unconfirmedKickoffs: plan.events.filter(
          (e) => e.kind === 'game' && !e.kickoffConfirmed && e.status === 'scheduled' && e.start > now,
        ).length,
      },
    };
  }

  async function publishState(): Promise<void> {
    if (!running) return;
    const state = buildState();
    await publish(TOPICS.state, () => pubsub.publish(TOPICS.state, state));
  }

  function scheduleState(): void {
    if (stateTimer || !running) return;
    stateTimer = clock.setTimer(config.state.debounceMs, () => {
      stateTimer = undefined;
      void publishState();
    });
  }

  /** After a change: plan again, derive the light, and tell the state. */
  async function changed(why: string): Promise<void> {
    const now = clock.now();
    rebuildPlan(now);
    checkUnconfirmed(now);
    scheduleState();
    await derive(why);
  }

  async function onFixtures(message: Inbound<FixturesSnapshot>): Promise<void> {
    if (isInvalidRequest(message)) return;
    const s = requireStore();
    const now = clock.now();
    const games = new Map(
      [...s.data.events.values()].flatMap((e) => (e.kind === 'game' ? [[e.id, e] as const] : [])),
    );
    const outcome = reconcileFixtures(games, message, s.data.lastFixtures?.snapshotId, now, {
      zone,
      ...config.fixtures,
      countAbsences: trust.trusted,
      lastAppliedTakenAt: s.data.lastAppliedTakenAt,
    });
    const last = {
      snapshotId: message.snapshotId,
      takenAt: message.takenAt,
      sources: message.sources,
    };
    if (!outcome.applied) {
      logger.warn('scheduler.fixtures.ignored', {
        snapshotId: message.snapshotId,
        reason: outcome.reason,
        detail: outcome.detail,
      });
      if (outcome.reason === 'duplicate' || outcome.reason === 'stale') return;
      s.setLastFixtures({
        ...last,
        ok: false,
        failureReason:
          outcome.reason === 'implausible' ? `implausible: ${outcome.detail}`.slice(0, 200) : outcome.detail,
      });
      scheduleState();
      return;
    }
    s.batch(() => {
      for (const record of outcome.put) s.putEvent(record);
      s.setLastFixtures({ ...last, ok: true });
      s.setLastAppliedTakenAt(message.takenAt);
    });
    if (outcome.added.length > 0) metrics.count('EventsAdded', outcome.added.length);
    if (outcome.updated.length > 0) metrics.count('EventsUpdated', outcome.updated.length);
    if (outcome.cancelled.length > 0) metrics.count('EventsCancelled', outcome.cancelled.length);
    for (const id of outcome.missing) logger.warn('scheduler.event.missing', { eventId: id });
    logger.info('scheduler.fixtures.applied', {
      snapshotId: message.snapshotId,
      replayed: message.replayed,
      added: outcome.added.length,
      updated: outcome.updated.length,
      cancelled: outcome.cancelled.length,
      missing: outcome.missing.length,
    });
    await changed('fixtures');
  }

  async function answer(result: CommandResult): Promise<void> {
    await requireStore().durable();
    await publish(TOPICS.commandResults, () => pubsub.publish(TOPICS.commandResults, result));
  }

  async function onCommand(message: Inbound<Command>): Promise<void> {
    const s = requireStore();
    const stored = s.commands.get(message.id);
    if (stored) {
      logger.info('scheduler.command.repeated', { id: message.id, ok: stored.result.ok });
      void answer(stored.result);
      return;
    }
    const now = clock.now();
    let outcome: CommandOutcome;
    if (isInvalidRequest(message)) {
      outcome = { ok: false, error: message.error };
    } else {
      try {
        outcome = applyCommand({ store: s, policy: policy(), zone, now }, message);
      } catch (error) {
        logger.error('scheduler.command.failed', { id: message.id, error: (error as Error).message });
        outcome = {
          ok: false,
          error: { code: 'INTERNAL', message: 'the command failed; see the device log' },
        };
      }
    }
    const type = message.type;
    const result: CommandResult = outcome.ok
      ? { id: message.id, ok: true }
      : { id: message.id, ok: false, error: outcome.error };
    s.putCommand(message.id, now, result);
    if (outcome.ok) {
      const { effect } = outcome;
      if (effect.snoozed) metrics.count('AlertsSnoozed', effect.snoozed);
      if (effect.added) metrics.count('EventsAdded');
      if (effect.updated && type === 'upsertCustomEvent') metrics.count('EventsUpdated');
      if (effect.deleted) metrics.count('EventsCancelled');
      if (effect.windowRemoved && effect.windowRemoved.length > 0) {
        logger.warn('scheduler.policy.window-removed', { alertIds: effect.windowRemoved.slice(0, 50) });
      }
      logger.info('scheduler.command.applied', {
        id: message.id,
        type,
        origin: isInvalidRequest(message) ? undefined : message.origin,
      });
    } else {
      metrics.count('CommandsRejected');
      logger.warn('scheduler.command.rejected', { id: message.id, type, ...outcome.error });
    }
    void answer(result);
    if (outcome.ok) await changed(`command ${type}`);
  }

  async function onRelayState(message: Inbound<RelayState>): Promise<void> {
    if (isInvalidRequest(message)) return;
    const previous = relayState;
    relayState = message;
    if (previous?.on !== message.on || previous?.healthy !== message.healthy) scheduleState();
    if (!published || message.on === published.on) return;
    const mono = clock.monotonic();
    if (mono - lastResendMono < config.relay.resendMinIntervalS * 1000) return;
    lastResendMono = mono;
    logger.warn('scheduler.relay.disagrees', { reported: message.on, planned: published.on });
    await publishSet(published, 'relay state disagrees');
  }

  async function onUpdate(event: UpdateEvent): Promise<void> {
    if (event.kind === 'post') {
      logger.info('scheduler.update.done', { deploymentId: event.deploymentId });
      return;
    }
    const now = clock.now();
    const decision = relayOn(plan, now);
    try {
      if (decision.on && decision.until !== undefined) {
        const recheck = Math.min(
          Math.max(1000, decision.until - now + config.updates.deferMarginS * 1000),
          config.updates.maxDeferS * 1000,
        );
        const why = `alert ${decision.alertId} active until ${iso(decision.until)}`;
        logger.info('scheduler.update.deferred', {
          deploymentId: event.deploymentId,
          recheckAfterMs: recheck,
          why,
        });
        await lifecycle.deferUpdate(event.deploymentId, recheck, why);
      } else {
        logger.info('scheduler.update.accepted', { deploymentId: event.deploymentId });
        await lifecycle.deferUpdate(event.deploymentId, 0);
      }
    } catch (error) {
      logger.error('scheduler.update.answer-failed', {
        deploymentId: event.deploymentId,
        error: String(error),
      });
    }
  }

  return {
    async start() {
      store = await SchedulerStore.open({
        fs,
        path: storePath,
        clock,
        logger,
        metrics,
        saveRetryS: config.store.saveRetryS,
        ...(options.wasmPath === undefined ? {} : { wasmPath: options.wasmPath }),
      });
      running = true;
      wallOffset = clock.now() - clock.monotonic();
      await refreshTrust(true);
      lastPruneMono = clock.monotonic();
      prune(clock.now());
      rebuildPlan();
      checkUnconfirmed(clock.now());
      await derive('start');
      subscriptions.push(
        await pubsub.subscribe(TOPICS.fixtures, onFixtures),
        await pubsub.subscribe(TOPICS.commands, onCommand),
        await pubsub.subscribe(TOPICS.relayState, onRelayState),
        await pubsub.subscribe(TOPICS.stateRequest, () => publishState()),
        await lifecycle.onUpdate(onUpdate),
      );
      tickTimer = clock.setTimer(config.safetyTickS * 1000, () => void tick());
      reassertTimer = clock.setTimer(config.relay.reassertIntervalS * 1000, reassert);
      scheduleState();
      logger.info('scheduler.started', {
        events: store.data.events.size,
        clock: trust,
        light: published?.on ?? false,
        store: storePath,
      });
    },
    async stop() {
      running = false;
      for (const timer of [boundaryTimer, tickTimer, reassertTimer, stateTimer]) timer?.cancel();
      await Promise.all(subscriptions.splice(0).map((s) => s.close().catch(() => undefined)));
      await store?.close();
      logger.info('scheduler.stopped');
    },
    plan: () => plan,
    published: () => published,
    clockTrust: () => trust,
    flush: () => requireStore().durable(),
  };
}
