import { describe, expect, it } from 'vitest';
import { MetricMessage, TOPICS } from '../../../components/shared/contracts/index.ts';
import { CloudwatchMetrics } from '../../../components/shared/runtime/cloudwatch-metrics.ts';
import { FakeClock, flushMicrotasks, InMemoryBus, RecordingLogger } from '../../fakes/index.ts';

const MINUTE = 60_000;

function setup(options: { intervalMs?: number } = {}) {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const bus = new InMemoryBus();
  const logger = new RecordingLogger();
  const metrics = new CloudwatchMetrics({
    pubsub: bus.endpoint('com.matchdayalert.Scheduler'),
    clock,
    logger,
    component: 'com.matchdayalert.Scheduler',
    ...options,
  });
  const sent = () => bus.messages<MetricMessage>(TOPICS.metrics.name);
  const data = (name?: string) =>
    sent()
      .map((m) => m.request.metricData)
      .filter((d) => name === undefined || d.metricName === name);
  return { clock, bus, logger, metrics, sent, data };
}

describe('CloudwatchMetrics', () => {
  it('sends a heartbeat at start and every five minutes', async () => {
    const { metrics, clock, data } = setup();
    metrics.start();
    await flushMicrotasks();
    expect(data('Heartbeat')).toHaveLength(1);
    await clock.advance(5 * MINUTE - 1);
    expect(data('Heartbeat')).toHaveLength(1);
    await clock.advance(1);
    expect(data('Heartbeat')).toHaveLength(2);
    await clock.advance(10 * MINUTE);
    expect(data('Heartbeat').map((d) => d.value)).toEqual([1, 1, 1, 1]);
  });

  it('sums counters over the interval and sends one metric per message', async () => {
    const { metrics, clock, data } = setup();
    metrics.start();
    metrics.count('AlertsStarted');
    metrics.count('AlertsStarted', 2);
    metrics.count('RelaySwitches');
    await clock.advance(MINUTE - 1);
    expect(data('AlertsStarted')).toEqual([]);
    await clock.advance(1);
    expect(data('AlertsStarted').map((d) => d.value)).toEqual([3]);
    expect(data('RelaySwitches').map((d) => d.value)).toEqual([1]);
  });

  it('uses the Cloudwatch component format: namespace, Count unit, Component dimension, epoch seconds', async () => {
    const { metrics, clock, sent } = setup();
    metrics.start();
    metrics.count('ScrapeFailures');
    await clock.advance(MINUTE);
    const message = sent().find((m) => m.request.metricData.metricName === 'ScrapeFailures');
    expect(message).toEqual({
      request: {
        namespace: 'MatchdayAlert',
        metricData: {
          metricName: 'ScrapeFailures',
          value: 1,
          unit: 'Count',
          dimensions: [{ name: 'Component', value: 'com.matchdayalert.Scheduler' }],
          timestamp: Date.parse('2026-05-01T12:01:00Z') / 1000,
        },
      },
    });
    for (const m of sent()) expect(MetricMessage.safeParse(m).success).toBe(true);
  });

  it('does not send counters that stayed at zero', async () => {
    const { metrics, clock, data } = setup();
    metrics.start();
    metrics.count('EventsAdded', 0);
    metrics.count('AlertsStarted');
    await clock.advance(MINUTE);
    metrics.count('AlertsStarted', 0);
    await clock.advance(MINUTE);
    expect(data('EventsAdded')).toEqual([]);
    expect(data('AlertsStarted')).toHaveLength(1);
  });

  it('sends the last gauge value set during the interval, with its unit', async () => {
    const { metrics, clock, data } = setup();
    metrics.start();
    metrics.gauge('ClockUntrusted', 1);
    metrics.gauge('ClockUntrusted', 0);
    await clock.advance(MINUTE);
    await clock.advance(MINUTE);
    expect(data('ClockUntrusted')).toEqual([expect.objectContaining({ value: 0, unit: 'None' })]);
  });

  it('honours a configured interval', async () => {
    const { metrics, clock, data } = setup({ intervalMs: 10_000 });
    metrics.start();
    metrics.count('JobsSucceeded');
    await clock.advance(10_000);
    expect(data('JobsSucceeded')).toHaveLength(1);
  });

  it('flushes what is pending on stop and sends nothing afterwards', async () => {
    const { metrics, clock, data, sent } = setup();
    metrics.start();
    metrics.count('CommandsRejected', 4);
    await metrics.stop();
    expect(data('CommandsRejected').map((d) => d.value)).toEqual([4]);
    const before = sent().length;
    await clock.advance(30 * MINUTE);
    expect(sent()).toHaveLength(before);
  });

  it('keeps a count whose publish failed and sends it with the next interval', async () => {
    const { clock, bus, logger, data } = setup();
    let failing = true;
    const pubsub = bus.endpoint('x');
    const flaky = new CloudwatchMetrics({
      pubsub: {
        ...pubsub,
        publish: async (topic, message) => {
          if (failing) throw new Error('IPC down');
          await pubsub.publish(topic, message);
        },
        subscribe: pubsub.subscribe.bind(pubsub),
        publishRaw: pubsub.publishRaw.bind(pubsub),
        subscribeRaw: pubsub.subscribeRaw.bind(pubsub),
      },
      clock,
      logger,
      component: 'com.matchdayalert.Scheduler',
    });
    flaky.start();
    flaky.count('RelayErrors', 2);
    await clock.advance(MINUTE);
    expect(logger.events()).toContain('metrics.publish.failed');
    failing = false;
    flaky.count('RelayErrors');
    await clock.advance(MINUTE);
    expect(data('RelayErrors').map((d) => d.value)).toEqual([3]);
  });

  it('refuses a component name the Cloudwatch component would reject as a dimension value', () => {
    const bus = new InMemoryBus();
    expect(
      () =>
        new CloudwatchMetrics({
          pubsub: bus.endpoint(),
          clock: new FakeClock(),
          logger: new RecordingLogger(),
          component: '',
        }),
    ).toThrow();
  });

  it('ignores a non-finite value and logs it', async () => {
    const { metrics, clock, data, logger } = setup();
    metrics.start();
    metrics.count('EventsAdded', Number.NaN);
    metrics.gauge('ClockUntrusted', Number.POSITIVE_INFINITY);
    await clock.advance(MINUTE);
    expect(data('EventsAdded')).toEqual([]);
    expect(data('ClockUntrusted')).toEqual([]);
    expect(logger.events().filter((e) => e === 'metrics.value.invalid')).toHaveLength(2);
  });
});
