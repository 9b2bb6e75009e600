/**
 * The GpioRelay core. Owns the warning light: applies `matchday/relay/set` and `matchday/relay/test`,
 * publishes `matchday/relay/state`, `matchday/relay/test/result` and RelaySwitches / RelayErrors.
 * It fails safe: off at the earliest of the set's `until`, the lease and the maximum on-time, off at start
 * and at stop. It never reaches GPIO except through the RelayDriver it is given.
 */
import {
  type CommandResult,
  type Inbound,
  isInvalidRequest,
  type RelaySet,
  type RelayState,
  type RelayTestRequest,
  TOPICS,
} from '../../shared/contracts/index.ts';
import type { Closable, Timer } from '../../shared/ports/index.ts';
import type { ComponentContext, ComponentInstance } from '../../shared/runtime/component.ts';
import type { GpioRelayConfig } from './config.ts';
import type { RelayDriver } from './relay-driver.ts';

/** What the core needs besides its context: a way to open the configured driver (probing happens here). */
export interface GpioRelayDeps {
  openDriver(): Promise<RelayDriver>;
}

type Output = 'off' | 'steady' | 'blink';

interface Plan {
  readonly set: RelaySet;
  /** Monotonic ms at which the lease runs out without a fresh set. */
  readonly leaseEnd: number;
  /** Wall ms of `until`, when given. */
  readonly until: number | undefined;
}

interface RunningTest {
  readonly id: string;
  readonly timer: Timer;
  failed: string | undefined;
}

const MAX_ERROR_TEXT = 200;

/** Creates the core; `start` opens the driver (a probe failure rejects, so the component goes ERRORED). */
export function createGpioRelay(
  ctx: ComponentContext<GpioRelayConfig>,
  deps: GpioRelayDeps,
): ComponentInstance {
  const { config, clock, logger, metrics, pubsub } = ctx;
  const leaseMs = config.leaseS * 1000;
  const maxOnMs = config.maxOnS * 1000;

  let driver: RelayDriver | undefined;
  let plan: Plan | undefined;
  let untilReported = false;
  /** Monotonic ms at which the current on-period started, and the alert it belongs to. */
  let onSince: number | undefined;
  let onAlertId: string | undefined;
  /** Set when the maximum on-time ended an on-period; cleared by an off or by a different alert. */
  let latched: { alertId: string | undefined } | undefined;
  let test: RunningTest | undefined;

  let output: Output = 'off';
  let level = false;
  let blinkTimer: Timer | undefined;
  let deadlineTimer: Timer | undefined;
  let tickTimer: Timer | undefined;
  /** The level last written successfully (`undefined` after a failure or a lost line: write again). */
  let written: boolean | undefined;
  let pumping: Promise<void> | undefined;

  let light: RelayState = { on: false, since: iso(clock.now()), driver: 'unknown', healthy: true };
  let stopping = false;
  const subscriptions: Closable[] = [];

  function iso(ms: number): string {
    return new Date(ms).toISOString();
  }

  function errorText(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: state errors must be printable ShortText
    const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    return clean.length > MAX_ERROR_TEXT ? `${clean.slice(0, MAX_ERROR_TEXT - 1)}…` : clean || 'driver error';
  }

  async function publishState(): Promise<void> {
    try {
      await pubsub.publish(TOPICS.relayState, light);
    } catch (error) {
      logger.warn('gpio-relay.state.publish-failed', { error: errorText(error) });
    }
  }

  function setHealth(healthy: boolean, error?: string): void {
    if (light.healthy === healthy && light.error === error) return;
    const { error: _, ...rest } = light;
    light = healthy || error === undefined ? { ...rest, healthy } : { ...rest, healthy, error };
    void publishState();
  }

  function fault(error: unknown): void {
    const text = errorText(error);
    metrics.count('RelayErrors');
    logger.error('gpio-relay.driver.failed', { driver: driver?.name, line: driver?.line, error: text });
    if (test) test.failed = text;
    setHealth(false, text);
  }

  /**
   * Asks for `on` on the line. Writes never overlap and the latest request wins: a slow driver (a gpioset
   * holder per change) under a fast blink skips stale levels instead of queueing them. A failure marks the
   * state unhealthy; the next tick retries. Resolves once the line holds the latest level (or failed).
   */
  function drive(on: boolean): Promise<void> {
    level = on;
    if (!pumping) pumping = pump().finally(() => (pumping = undefined));
    return pumping;
  }

  async function pump(): Promise<void> {
    const current = driver;
    while (current && written !== level) {
      const target = level;
      try {
        await current.write(target);
        written = target;
        if (!light.healthy) {
          logger.info('gpio-relay.driver.recovered', { driver: current.name, line: current.line });
          setHealth(true);
        }
      } catch (error) {
        written = undefined;
        fault(error);
        return;
      }
    }
  }

  /** Resolves when the writes asked for so far are done. */
  function settled(): Promise<void> {
    return pumping ?? Promise.resolve();
  }

  function stopBlink(): void {
    blinkTimer?.cancel();
    blinkTimer = undefined;
  }

  function blinkStep(on: boolean): void {
    void drive(on);
    blinkTimer = clock.setTimer(on ? config.blink.onMs : config.blink.offMs, () => blinkStep(!on));
  }

  /** Puts the line in `next` mode; a no-op when already there unless `force` (after a test or a fault). */
  function applyOutput(next: Output, force = false): void {
    if (next === output && !force) return;
    output = next;
    stopBlink();
    if (next === 'blink') blinkStep(true);
    else void drive(next === 'steady');
  }

  function setLight(on: boolean, reason: string): void {
    if (light.on === on) return;
    light = { ...light, on, since: iso(clock.now()) };
    metrics.count('RelaySwitches');
    logger.info('gpio-relay.switched', { on, reason, alertId: plan?.set.alertId });
    // Published once the driver write queued before it has finished, so `on` means the line was driven.
    void settled().then(publishState);
  }

  /** What the plan asks for right now, after `until`, the lease and the maximum on-time. */
  function plannedOutput(): { output: Output; reason: string } {
    const mono = clock.monotonic();
    if (plan && mono >= plan.leaseEnd) {
      logger.warn('gpio-relay.lease.expired', { alertId: plan.set.alertId, leaseS: config.leaseS });
      plan = undefined;
    }
    if (!plan) return { output: 'off', reason: 'no valid set' };
    const { set } = plan;
    if (!set.on) return { output: 'off', reason: set.reason };
    if (plan.until !== undefined && clock.now() >= plan.until) {
      if (!untilReported) logger.info('gpio-relay.until.reached', { alertId: set.alertId, until: set.until });
      untilReported = true;
      return { output: 'off', reason: 'until reached' };
    }
    if (latched) return { output: 'off', reason: 'maximum on-time reached' };
    if (onSince === undefined || onAlertId !== set.alertId) {
      onSince = mono;
      onAlertId = set.alertId;
    }
    if (mono - onSince >= maxOnMs) {
      latched = { alertId: set.alertId };
      onSince = undefined;
      logger.warn('gpio-relay.max-on.reached', { alertId: set.alertId, maxOnS: config.maxOnS });
      return { output: 'off', reason: 'maximum on-time reached' };
    }
    return { output: set.pattern === 'blink' ? 'blink' : 'steady', reason: set.reason };
  }

  /** Re-derives the light from the plan and arms one timer for the next deadline. */
  function evaluate(force = false): void {
    if (stopping) return;
    const planned = plannedOutput();
    if (planned.output === 'off') onSince = undefined;
    if (!test) {
      applyOutput(planned.output, force);
      setLight(planned.output !== 'off', planned.reason);
    }
    armDeadline();
  }

  function armDeadline(): void {
    deadlineTimer?.cancel();
    deadlineTimer = undefined;
    if (!plan) return;
    const mono = clock.monotonic();
    const waits = [plan.leaseEnd - mono];
    if (plan.set.on && plan.until !== undefined && !untilReported) waits.push(plan.until - clock.now());
    if (plan.set.on && onSince !== undefined && !latched) waits.push(onSince + maxOnMs - mono);
    const wait = Math.max(0, Math.min(...waits));
    deadlineTimer = clock.setTimer(wait, () => evaluate());
  }

  function onSet(message: Inbound<RelaySet>): void {
    if (stopping) return;
    if (isInvalidRequest(message)) {
      logger.warn('gpio-relay.set.rejected', { path: message.error.path, error: message.error.message });
      return;
    }
    if (!message.on || (latched && latched.alertId !== message.alertId)) latched = undefined;
    const until = message.until === undefined ? undefined : Date.parse(message.until);
    if (plan?.set.until !== message.until || plan?.set.on !== message.on) untilReported = false;
    plan = { set: message, leaseEnd: clock.monotonic() + leaseMs, until };
    logger.debug('gpio-relay.set.applied', { ...message });
    evaluate();
  }

  async function answer(result: CommandResult): Promise<void> {
    try {
      await pubsub.publish(TOPICS.relayTestResult, result);
    } catch (error) {
      logger.warn('gpio-relay.test.answer-failed', { id: result.id, error: errorText(error) });
    }
  }

  async function onTest(message: Inbound<RelayTestRequest>): Promise<void> {
    if (stopping) return;
    if (isInvalidRequest(message)) {
      logger.warn('gpio-relay.test.rejected', { id: message.id, path: message.error.path });
      await answer({ id: message.id, ok: false, error: message.error });
      return;
    }
    if (test) {
      logger.warn('gpio-relay.test.rejected', { id: message.id, busyWith: test.id });
      await answer({
        id: message.id,
        ok: false,
        error: { code: 'BUSY', message: `a light test is already running (id \`${test.id}\`)` },
      });
      return;
    }
    logger.info('gpio-relay.test.started', { id: message.id, durationS: message.durationS });
    const timer = clock.setTimer(message.durationS * 1000, () => void finishTest());
    test = { id: message.id, timer, failed: light.healthy ? undefined : light.error };
    applyOutput('blink', true);
    setLight(true, 'light test');
  }

  async function finishTest(): Promise<void> {
    const finished = test;
    if (!finished) return;
    test = undefined;
    evaluate(true);
    await settled();
    const failed = finished.failed ?? (light.healthy ? undefined : light.error);
    logger.info('gpio-relay.test.finished', { id: finished.id, ok: failed === undefined });
    await answer(
      failed === undefined
        ? { id: finished.id, ok: true }
        : { id: finished.id, ok: false, error: { code: 'INTERNAL', message: `driver error: ${failed}` } },
    );
  }

  function tick(): void {
    if (stopping) return;
    if (!light.healthy && !test) applyOutput(output, true);
    else if (!light.healthy) void drive(level);
    evaluate();
    void publishState();
    tickTimer = clock.setTimer(config.stateIntervalS * 1000, tick);
  }

  return {
    async start() {
      try {
        driver = await deps.openDriver();
      } catch (error) {
        // Say so where the scheduler and the dashboard look before the component goes ERRORED.
        const text = errorText(error);
        light = { on: false, since: iso(clock.now()), driver: config.driver, healthy: false, error: text };
        metrics.count('RelayErrors');
        logger.error('gpio-relay.driver.unavailable', { driver: config.driver, error: text });
        await publishState();
        throw error;
      }
      driver.onFault((error) => {
        if (stopping) return;
        written = undefined;
        fault(error);
      });
      written = false;
      light = { on: false, since: iso(clock.now()), driver: driver.name, healthy: true };
      logger.info('gpio-relay.started', {
        driver: driver.name,
        line: driver.line,
        pin: config.pin,
        activeLow: config.activeLow,
        leaseS: config.leaseS,
        maxOnS: config.maxOnS,
      });
      subscriptions.push(await pubsub.subscribe(TOPICS.relaySet, onSet));
      subscriptions.push(await pubsub.subscribe(TOPICS.relayTest, onTest));
      await publishState();
      tickTimer = clock.setTimer(config.stateIntervalS * 1000, tick);
    },

    async stop() {
      if (stopping) return;
      stopping = true;
      if (!driver) return;
      for (const timer of [tickTimer, deadlineTimer, blinkTimer, test?.timer]) timer?.cancel();
      const aborted = test;
      test = undefined;
      output = 'off';
      // The light first: nothing that waits on IPC (which may be going away too) comes before it.
      await drive(false);
      await Promise.allSettled(subscriptions.map((s) => s.close()));
      if (light.on) {
        light = { ...light, on: false, since: iso(clock.now()) };
        metrics.count('RelaySwitches');
        logger.info('gpio-relay.switched', { on: false, reason: 'stopping' });
      }
      await publishState();
      if (aborted)
        await answer({
          id: aborted.id,
          ok: false,
          error: { code: 'INTERNAL', message: 'the component stopped before the light test ended' },
        });
      try {
        await driver?.close();
      } catch (error) {
        logger.error('gpio-relay.driver.close-failed', { error: errorText(error) });
      }
      logger.info('gpio-relay.stopped', { driver: driver?.name });
    },
  };
}
