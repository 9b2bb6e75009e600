/**
 * The Metrics port for aws.greengrass.Cloudwatch: counters are summed per interval and sent as ONE metric
 * per message on `cloudwatch/metric/put` (namespace MatchdayAlert, dimension Component; the Cloudwatch
 * component adds coreName). Zero counters are not sent; gauges send the last value set during the interval;
 * a Heartbeat (1) goes out at start and every 5 minutes. A metric that fails to publish is kept for the next
 * flush, never thrown at the caller.
 */
import {
  METRIC_NAMESPACE,
  MetricMessage,
  type MetricName,
  type MetricUnit,
  TOPICS,
} from '../contracts/index.ts';
import { LOG_EVENTS } from '../logging/log-events.ts';
import type { Clock, Logger, Metrics, PubSub, Timer } from '../ports/index.ts';

/** What CloudwatchMetrics publishes through and for whom. */
export interface CloudwatchMetricsOptions {
  readonly pubsub: PubSub;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The recipe's ComponentName, sent as the `Component` dimension. */
  readonly component: string;
  /** Aggregation interval, ms. @default 60000 */
  readonly intervalMs?: number;
  /** Heartbeat period, ms. @default 300000 */
  readonly heartbeatMs?: number;
}

interface Gauge {
  value: number;
  unit: MetricUnit;
}

/** Metrics for aws.greengrass.Cloudwatch; `start()` once connected, `stop()` (flushes) before closing IPC. */
export class CloudwatchMetrics implements Metrics {
  private readonly pubsub: PubSub;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly component: string;
  private readonly intervalMs: number;
  private readonly heartbeatMs: number;
  private counters = new Map<MetricName, number>();
  private gauges = new Map<MetricName, Gauge>();
  private flushTimer: Timer | undefined;
  private heartbeatTimer: Timer | undefined;
  private running = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(options: CloudwatchMetricsOptions) {
    this.pubsub = options.pubsub;
    this.clock = options.clock;
    this.logger = options.logger;
    this.component = options.component;
    this.intervalMs = options.intervalMs ?? 60_000;
    this.heartbeatMs = options.heartbeatMs ?? 300_000;
    if (!(this.intervalMs > 0))
      throw new RangeError(`Expected \`intervalMs\` to be > 0, got \`${this.intervalMs}\``);
    if (!(this.heartbeatMs > 0)) {
      throw new RangeError(`Expected \`heartbeatMs\` to be > 0, got \`${this.heartbeatMs}\``);
    }
    // Fails fast on a component name the Cloudwatch component would reject as a dimension value.
    MetricMessage.parse(this.message('Heartbeat', 1, 'Count'));
  }

  /** Adds `by` to this interval's counter (non-finite values are logged and ignored). */
  count(name: MetricName, by = 1): void {
    if (!Number.isFinite(by)) {
      this.logger.warn(LOG_EVENTS.metricsValueInvalid, { metric: name, value: String(by) });
      return;
    }
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  /** Sets the gauge; the last value set in an interval is sent at its end. */
  gauge(name: MetricName, value: number, unit: MetricUnit = 'None'): void {
    if (!Number.isFinite(value)) {
      this.logger.warn(LOG_EVENTS.metricsValueInvalid, { metric: name, value: String(value) });
      return;
    }
    this.gauges.set(name, { value, unit });
  }

  /** Starts the interval and heartbeat timers and sends the first heartbeat. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.armFlush();
    this.beat();
  }

  /** Stops the timers and flushes what is pending (call before closing IPC). */
  async stop(): Promise<void> {
    this.running = false;
    this.flushTimer?.cancel();
    this.heartbeatTimer?.cancel();
    this.flushTimer = undefined;
    this.heartbeatTimer = undefined;
    await this.flush();
  }

  /** Sends every non-zero counter and every gauge set since the last flush, one message each. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow());
    return this.flushing;
  }

  private armFlush(): void {
    this.flushTimer = this.clock.setTimer(this.intervalMs, () => {
      if (!this.running) return;
      this.armFlush();
      void this.flush();
    });
  }

  private beat(): void {
    // A missed heartbeat is not resent: the next one follows within the period the alarm tolerates.
    this.send('Heartbeat', 1, 'Count').catch(() => undefined);
    this.heartbeatTimer = this.clock.setTimer(this.heartbeatMs, () => {
      if (this.running) this.beat();
    });
  }

  private async flushNow(): Promise<void> {
    const counters = this.counters;
    const gauges = this.gauges;
    this.counters = new Map();
    this.gauges = new Map();
    const sends: Promise<void>[] = [];
    for (const [name, value] of counters) {
      if (value === 0) continue;
      sends.push(
        this.send(name, value, 'Count').catch(() => {
          this.counters.set(name, (this.counters.get(name) ?? 0) + value);
        }),
      );
    }
    for (const [name, gauge] of gauges) {
      sends.push(
        this.send(name, gauge.value, gauge.unit).catch(() => {
          if (!this.gauges.has(name)) this.gauges.set(name, gauge);
        }),
      );
    }
    await Promise.all(sends);
  }

  private message(name: MetricName, value: number, unit: MetricUnit): MetricMessage {
    return {
      request: {
        namespace: METRIC_NAMESPACE,
        metricData: {
          metricName: name,
          value,
          unit,
          dimensions: [{ name: 'Component', value: this.component }],
          timestamp: Math.floor(this.clock.now() / 1000),
        },
      },
    };
  }

  /**
   * Publishes one metric; logs and rethrows a publish failure so the caller can keep the value. A message
   * the contract rejects is logged and dropped (retrying it could never succeed).
   */
  private async send(name: MetricName, value: number, unit: MetricUnit): Promise<void> {
    const parsed = MetricMessage.safeParse(this.message(name, value, unit));
    if (!parsed.success) {
      this.logger.warn(LOG_EVENTS.metricsValueInvalid, { metric: name, value, error: parsed.error.message });
      return;
    }
    try {
      await this.pubsub.publish(TOPICS.metrics, parsed.data);
    } catch (error) {
      this.logger.warn(LOG_EVENTS.metricsPublishFailed, { metric: name, error });
      throw error;
    }
  }
}
