/** Metrics that keep running totals for assertions. */
import type { MetricName, MetricUnit } from '../../components/shared/contracts/index.ts';
import type { Metrics } from '../../components/shared/ports/index.ts';

export class RecordingMetrics implements Metrics {
  readonly counters = new Map<MetricName, number>();
  readonly gauges = new Map<MetricName, { value: number; unit: MetricUnit | undefined }>();
  count(name: MetricName, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }
  gauge(name: MetricName, value: number, unit?: MetricUnit): void {
    this.gauges.set(name, { value, unit });
  }
  total(name: MetricName): number {
    return this.counters.get(name) ?? 0;
  }
}
