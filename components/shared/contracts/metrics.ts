/** `cloudwatch/metric/put`: one metric per message, in aws.greengrass.Cloudwatch's format. */
import { z } from 'zod';

export const METRIC_NAMESPACE = 'MatchdayAlert';

/** CloudWatch units accepted by the Cloudwatch component. */
export const MetricUnit = z.enum([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Percent',
  'Count',
  'Count/Second',
  'None',
]);
export type MetricUnit = z.infer<typeof MetricUnit>;

/** Metric names of ARCHITECTURE §6 (plus the scheduler's and scraper's own warnings). */
export const MetricName = z.enum([
  'EventsAdded',
  'EventsUpdated',
  'EventsCancelled',
  'AlertsSnoozed',
  'AlertsStarted',
  'AlertsStopped',
  'ScrapeFailures',
  'RelaySwitches',
  'RelayErrors',
  'ClockUntrusted',
  'UnconfirmedKickoffSoon',
  'StoreRecovered',
  'CommandsRejected',
  'JobsSucceeded',
  'JobsFailed',
  'JobsRejected',
  'ShadowEditsApplied',
  'ShadowEditsRejected',
  'Heartbeat',
]);
export type MetricName = z.infer<typeof MetricName>;

export const MetricDimension = z.strictObject({
  name: z.string().min(1).max(255),
  value: z.string().min(1).max(1024),
});

export const MetricMessage = z.strictObject({
  request: z.strictObject({
    namespace: z
      .string()
      .min(1)
      .max(255)
      .refine((n) => !n.startsWith('AWS/'), 'must not start with `AWS/`'),
    metricData: z.strictObject({
      metricName: z.string().min(1).max(255),
      value: z.number().finite(),
      unit: MetricUnit,
      dimensions: z.array(MetricDimension).max(30).optional(),
      /** Epoch seconds. */
      timestamp: z.number().nonnegative().optional(),
    }),
  }),
});
export type MetricMessage = z.infer<typeof MetricMessage>;
