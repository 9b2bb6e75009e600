import { describe, expect, it } from 'vitest';
import type { GpioRelayConfig } from '../../components/gpio-relay/src/config.ts';
import { createGpioRelay } from '../../components/gpio-relay/src/gpio-relay.ts';
import { RelayDriverError } from '../../components/gpio-relay/src/relay-driver.ts';
import {
  type CommandResult,
  type RelaySet,
  type RelayState,
  TOPICS,
} from '../../components/shared/contracts/index.ts';
import type { IotCoreMqtt, PubSub, ShadowStore } from '../../components/shared/ports/index.ts';
import type { ComponentContext } from '../../components/shared/runtime/component.ts';
import {
  FakeClock,
  FakeLifecycle,
  InMemoryBus,
  MemoryFileSystem,
  RecordingLogger,
  RecordingMetrics,
} from '../fakes/index.ts';
import { RecordingDriver, relayConfig } from './helpers.ts';

const unused = new Proxy(
  {},
  {
    get: () => () => {
      throw new Error('not used by gpio-relay');
    },
  },
);

async function setup(
  overrides: Partial<GpioRelayConfig> = {},
  wrapPubSub: (pubsub: PubSub) => PubSub = (pubsub) => pubsub,
) {
  const clock = new FakeClock('2026-09-12T12:00:00.000Z');
  const bus = new InMemoryBus();
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  const driver = new RecordingDriver(() => clock.monotonic());
  const ctx: ComponentContext<GpioRelayConfig> = {
    config: relayConfig(overrides),
    pubsub: wrapPubSub(bus.endpoint('gpioRelay')),
    iotCore: unused as IotCoreMqtt,
    shadows: unused as ShadowStore,
    lifecycle: new FakeLifecycle(),
    clock,
    logger,
    metrics,
    fs: new MemoryFileSystem(),
    workDir: '/work',
    thingName: 'pi-1',
  };
  const relay = createGpioRelay(ctx, { openDriver: async () => driver });
  await relay.start();
  const scheduler = bus.endpoint('scheduler');
  const jobs = bus.endpoint('jobHandler');
  const send = async (set: RelaySet) => {
    await scheduler.publish(TOPICS.relaySet, set);
    await bus.settle();
  };
  const sendTest = async (request: unknown) => {
    await jobs.publishRaw(TOPICS.relayTest.name, { json: request });
    await bus.settle();
  };
  const advance = async (ms: number) => {
    await clock.advance(ms);
    await bus.settle();
  };
  const states = () => bus.messages<RelayState>(TOPICS.relayState.name);
  const lastState = () => states().at(-1);
  const results = () => bus.messages<CommandResult>(TOPICS.relayTestResult.name);
  return { clock, bus, logger, metrics, driver, relay, send, sendTest, advance, states, lastState, results };
}

const ON: RelaySet = { on: true, reason: 'alert', alertId: 'game-1:h3' };

describe('GpioRelay', () => {
  it('starts with the light off and reports its driver as healthy', async () => {
    const t = await setup();
    expect(t.driver.on).toBe(false);
    expect(t.lastState()).toEqual({
      on: false,
      since: '2026-09-12T12:00:00.000Z',
      driver: 'simulated',
      healthy: true,
    });
  });

  it('switches the light on for a set and publishes the change, counting one switch', async () => {
    const t = await setup();
    await t.advance(1000);
    await t.send(ON);
    expect(t.driver.on).toBe(true);
    expect(t.lastState()).toMatchObject({ on: true, since: '2026-09-12T12:00:01.000Z', healthy: true });
    expect(t.metrics.total('RelaySwitches')).toBe(1);
  });

  it("turns the light off at the set's until", async () => {
    const t = await setup();
    await t.send({ ...ON, until: '2026-09-12T12:01:30.000Z' });
    await t.advance(89_999);
    expect(t.driver.on).toBe(true);
    await t.advance(1);
    expect(t.driver.on).toBe(false);
    expect(t.lastState()).toMatchObject({ on: false, since: '2026-09-12T12:01:30.000Z' });
  });

  it('turns the light off within one state interval when the wall clock steps past until', async () => {
    const t = await setup({ stateIntervalS: 30 });
    await t.send({ ...ON, until: '2026-09-12T14:00:00.000Z' });
    t.clock.jumpWall(3 * 3_600_000);
    await t.advance(29_999);
    expect(t.driver.on).toBe(true);
    await t.advance(1);
    expect(t.driver.on).toBe(false);
  });

  it('keeps the light off for a set whose until has already passed', async () => {
    const t = await setup();
    await t.send({ ...ON, until: '2026-09-12T11:59:00.000Z' });
    expect(t.driver.writes).toEqual([]);
  });

  it('turns the light off when the lease runs out without a fresh set', async () => {
    const t = await setup();
    await t.send(ON);
    await t.advance(179_999);
    expect(t.driver.on).toBe(true);
    await t.advance(1);
    expect(t.driver.on).toBe(false);
    expect(t.logger.events()).toContain('gpio-relay.lease.expired');
  });

  it('keeps the light on while the scheduler re-asserts the set every minute', async () => {
    const t = await setup();
    await t.send(ON);
    for (let minute = 0; minute < 30; minute++) {
      await t.advance(60_000);
      await t.send(ON);
    }
    expect(t.driver.on).toBe(true);
    expect(t.driver.writes).toHaveLength(1);
  });

  it('measures the lease on the monotonic clock, so a wall-clock step back does not extend it', async () => {
    const t = await setup();
    await t.send(ON);
    t.clock.jumpWall(-3_600_000);
    await t.advance(180_000);
    expect(t.driver.on).toBe(false);
  });

  it('turns the light off after the maximum on-time even while the set is re-asserted', async () => {
    const t = await setup({ maxOnS: 600 });
    await t.send(ON);
    for (let minute = 0; minute < 9; minute++) {
      await t.advance(60_000);
      await t.send(ON);
    }
    expect(t.driver.on).toBe(true);
    await t.advance(60_000);
    expect(t.driver.on).toBe(false);
    await t.send(ON);
    expect(t.driver.on).toBe(false);
    expect(t.logger.events()).toContain('gpio-relay.max-on.reached');
  });

  it('switches on again after the maximum on-time for a different alert', async () => {
    const t = await setup({ maxOnS: 600 });
    await t.send(ON);
    await t.advance(600_000);
    expect(t.driver.on).toBe(false);
    await t.send({ ...ON, alertId: 'game-1:h2' });
    expect(t.driver.on).toBe(true);
  });

  it('switches on again after the maximum on-time once an off was received', async () => {
    const t = await setup({ maxOnS: 600 });
    await t.send(ON);
    await t.advance(600_000);
    await t.send({ on: false, reason: 'no active alert' });
    await t.send(ON);
    expect(t.driver.on).toBe(true);
  });

  it('blinks with the configured pattern for a blink set', async () => {
    const t = await setup({ blink: { onMs: 300, offMs: 700 } });
    await t.send({ ...ON, pattern: 'blink' });
    await t.advance(2500);
    expect(t.driver.writes).toEqual([
      { on: true, at: 0 },
      { on: false, at: 300 },
      { on: true, at: 1000 },
      { on: false, at: 1300 },
      { on: true, at: 2000 },
      { on: false, at: 2300 },
    ]);
    expect(t.metrics.total('RelaySwitches')).toBe(1);
    expect(t.lastState()?.on).toBe(true);
  });

  it('skips stale blink levels instead of queueing them when the driver is slower than the blink', async () => {
    const t = await setup({ blink: { onMs: 200, offMs: 200 } });
    t.driver.slow = () => new Promise<void>((resolve) => t.clock.setTimer(700, resolve));
    await t.send({ ...ON, pattern: 'blink' });
    await t.advance(2100);
    expect(t.driver.calls).toBeLessThanOrEqual(4);
    await t.send({ on: false, reason: 'no active alert' });
    await t.advance(1400);
    expect(t.driver.on).toBe(false);
    expect(t.driver.calls).toBeLessThanOrEqual(6);
  });

  it('changes nothing for a malformed set', async () => {
    const t = await setup();
    await t.send(ON);
    const before = t.states().length;
    await t.bus.endpoint('scheduler').publishRaw(TOPICS.relaySet.name, { json: { on: 'off', reason: 'x' } });
    await t.bus.settle();
    expect(t.driver.on).toBe(true);
    expect(t.states()).toHaveLength(before);
    expect(t.bus.dropped).toEqual([expect.objectContaining({ topic: TOPICS.relaySet.name, path: 'on' })]);
  });

  it('blinks for the test duration, restores the planned off state and answers the test', async () => {
    const t = await setup();
    await t.sendTest({ id: 'test-1', durationS: 3 });
    expect(t.lastState()?.on).toBe(true);
    await t.advance(2999);
    expect(t.results()).toEqual([]);
    expect(t.driver.writes.map((w) => w.on)).toEqual([true, false, true, false, true, false]);
    await t.advance(1);
    expect(t.driver.on).toBe(false);
    expect(t.lastState()?.on).toBe(false);
    expect(t.results()).toEqual([{ id: 'test-1', ok: true }]);
  });

  it('restores the planned on state after a light test', async () => {
    const t = await setup();
    await t.send(ON);
    await t.sendTest({ id: 'test-2', durationS: 2 });
    await t.advance(1700);
    expect(t.driver.on).toBe(false);
    await t.advance(300);
    expect(t.driver.on).toBe(true);
    expect(t.lastState()?.on).toBe(true);
    expect(t.results()).toEqual([{ id: 'test-2', ok: true }]);
  });

  it('answers an invalid light test with INVALID_ARGS and the failing field, without blinking', async () => {
    const t = await setup();
    await t.sendTest({ id: 'test-3', durationS: 0 });
    expect(t.results()).toEqual([
      {
        id: 'test-3',
        ok: false,
        error: expect.objectContaining({ code: 'INVALID_ARGS', path: 'durationS' }),
      },
    ]);
    expect(t.driver.writes).toEqual([]);
  });

  it('answers a second light test with BUSY while one is running', async () => {
    const t = await setup();
    await t.sendTest({ id: 'test-4', durationS: 10 });
    await t.sendTest({ id: 'test-5', durationS: 10 });
    expect(t.results()).toEqual([
      { id: 'test-5', ok: false, error: expect.objectContaining({ code: 'BUSY' }) },
    ]);
  });

  it('reports a failing driver as unhealthy, counts the error and recovers on the next tick', async () => {
    const t = await setup();
    t.driver.failWith = new RelayDriverError('chardev', 'gpioset could not hold the line');
    await t.send(ON);
    expect(t.lastState()).toMatchObject({
      healthy: false,
      error: 'chardev driver: gpioset could not hold the line',
    });
    expect(t.metrics.total('RelayErrors')).toBe(1);
    t.driver.failWith = undefined;
    await t.advance(60_000);
    expect(t.driver.on).toBe(true);
    expect(t.lastState()).toEqual(expect.objectContaining({ on: true, healthy: true }));
    expect(t.lastState()).not.toHaveProperty('error');
  });

  it('marks the state unhealthy when the driver loses the line by itself, and drives it again', async () => {
    const t = await setup();
    await t.send(ON);
    t.driver.on = false;
    t.driver.fault(new Error('gpioset holder exited unexpectedly'));
    await t.bus.settle();
    expect(t.lastState()).toMatchObject({ healthy: false, error: 'gpioset holder exited unexpectedly' });
    expect(t.metrics.total('RelayErrors')).toBe(1);
    await t.advance(60_000);
    expect(t.driver.on).toBe(true);
    expect(t.lastState()?.healthy).toBe(true);
  });

  it('answers a light test with an error when the driver failed during it', async () => {
    const t = await setup();
    await t.sendTest({ id: 'test-6', durationS: 2 });
    t.driver.failWith = new Error('line lost');
    await t.advance(2000);
    expect(t.results()).toEqual([
      { id: 'test-6', ok: false, error: expect.objectContaining({ code: 'INTERNAL' }) },
    ]);
  });

  it('publishes its state every state interval even without changes', async () => {
    const t = await setup({ stateIntervalS: 30 });
    const before = t.states().length;
    await t.advance(90_000);
    expect(t.states()).toHaveLength(before + 3);
  });

  it('turns the light off, reports it and closes the driver on stop', async () => {
    const t = await setup();
    await t.send(ON);
    await t.relay.stop();
    await t.bus.settle();
    expect(t.driver.on).toBe(false);
    expect(t.driver.closed).toBe(true);
    expect(t.lastState()?.on).toBe(false);
    expect(t.clock.pendingTimers).toBe(0);
  });

  it('turns the light off on stop before closing its subscriptions, which may hang while IPC goes away', async () => {
    const t = await setup({}, (pubsub) => ({
      ...pubsub,
      publish: pubsub.publish.bind(pubsub),
      subscribe: async (topic, handler) => {
        await pubsub.subscribe(topic, handler);
        return { close: () => new Promise<void>(() => {}) };
      },
    }));
    await t.send(ON);
    void t.relay.stop();
    await t.bus.settle();
    expect(t.driver.on).toBe(false);
  });

  it('answers a running light test when stopped before it ends', async () => {
    const t = await setup();
    await t.sendTest({ id: 'test-7', durationS: 60 });
    await t.relay.stop();
    await t.bus.settle();
    expect(t.results()).toEqual([
      { id: 'test-7', ok: false, error: expect.objectContaining({ code: 'INTERNAL' }) },
    ]);
  });

  it('fails to start and publishes an unhealthy state naming the reason when the driver cannot be opened', async () => {
    const bus = new InMemoryBus();
    const relay = createGpioRelay(
      {
        config: relayConfig(),
        pubsub: bus.endpoint('gpioRelay'),
        iotCore: unused as IotCoreMqtt,
        shadows: unused as ShadowStore,
        lifecycle: new FakeLifecycle(),
        clock: new FakeClock(),
        logger: new RecordingLogger(),
        metrics: new RecordingMetrics(),
        fs: new MemoryFileSystem(),
        workDir: '/work',
        thingName: 'pi-1',
      },
      {
        openDriver: async () => {
          throw new RelayDriverError('auto', 'no usable GPIO for BCM 17');
        },
      },
    );
    await expect(relay.start()).rejects.toThrow('auto driver: no usable GPIO for BCM 17');
    expect(bus.messages(TOPICS.relayState.name)).toEqual([
      {
        on: false,
        since: '2026-01-01T00:00:00.000Z',
        driver: 'auto',
        healthy: false,
        error: 'auto driver: no usable GPIO for BCM 17',
      },
    ]);
    await relay.stop();
    expect(bus.messages(TOPICS.relayState.name)).toHaveLength(1);
  });
});
