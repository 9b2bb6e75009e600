/**
 * aws.greengrass.Cloudwatch as a metrics sink: subscribes to `cloudwatch/metric/put` (InputTopic),
 * validates each request as the component does (CW src/request.py: jsonMessage only), adds the
 * `coreName` dimension, batches per namespace (20 metrics or every PublishInterval seconds) and, instead
 * of PutMetricData, appends each call to `<thing root>/cloudwatch/metrics.jsonl`. Status messages go to
 * `cloudwatch/metric/put/status` (OutputTopic). Like the component, queued metrics are lost on stop.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PluginContext } from '../nucleus/services.ts';
import type { BuiltinPlugin } from './builtin.ts';

/** CloudWatch units the component accepts. */
export const CLOUDWATCH_UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

/** `METRIC_BATCH_SIZE`: a namespace's queue is flushed when it holds this many. */
export const METRIC_BATCH_SIZE = 20;
const MAX_DIMENSIONS = 30;

/** One datum as PutMetricData takes it. */
export interface MetricDatum {
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Timestamp: string;
  Value: number;
  Unit: string;
}

/** One line of metrics.jsonl: a PutMetricData call as the component would make it. */
export interface RecordedPut {
  time: string;
  thing: string;
  Namespace: string;
  MetricData: MetricDatum[];
}

export class MetricRequestError extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates one `cloudwatch/metric/put` message; throws MetricRequestError naming the field. */
export function parseMetricRequest(
  message: unknown,
  coreName: string,
  nowSeconds: number,
): { namespace: string; datum: MetricDatum } {
  if (!isObject(message) || !isObject(message.request)) {
    throw new MetricRequestError('`request` is required and must be an object');
  }
  const { namespace, metricData } = message.request;
  if (typeof namespace !== 'string' || namespace === '') {
    throw new MetricRequestError(
      `\`request.namespace\` must be a non-empty string (got ${JSON.stringify(namespace)})`,
    );
  }
  if (namespace.startsWith('AWS/')) {
    throw new MetricRequestError(
      `\`request.namespace\` must not start with "AWS/" (got ${JSON.stringify(namespace)})`,
    );
  }
  if (!isObject(metricData))
    throw new MetricRequestError('`request.metricData` is required and must be an object');
  const { metricName, value, unit, dimensions, timestamp } = metricData;
  if (typeof metricName !== 'string' || metricName === '') {
    throw new MetricRequestError(
      `\`request.metricData.metricName\` must be a non-empty string (got ${JSON.stringify(metricName)})`,
    );
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MetricRequestError(
      `\`request.metricData.value\` must be a number (got ${JSON.stringify(value)})`,
    );
  }
  const resolvedUnit = unit === undefined ? 'Count' : unit;
  if (typeof resolvedUnit !== 'string' || !CLOUDWATCH_UNITS.has(resolvedUnit)) {
    throw new MetricRequestError(
      `\`request.metricData.unit\` must be a CloudWatch unit such as Count or Milliseconds (got ${JSON.stringify(unit)})`,
    );
  }
  const dims: { Name: string; Value: string }[] = [];
  if (dimensions !== undefined) {
    if (!Array.isArray(dimensions) || dimensions.length > MAX_DIMENSIONS) {
      throw new MetricRequestError(
        `\`request.metricData.dimensions\` must be a list of at most ${MAX_DIMENSIONS}`,
      );
    }
    dimensions.forEach((d, i) => {
      if (!isObject(d) || typeof d.name !== 'string' || typeof d.value !== 'string') {
        throw new MetricRequestError(
          `\`request.metricData.dimensions.${i}\` must be {name: string, value: string} (got ${JSON.stringify(d)})`,
        );
      }
      dims.push({ Name: d.name, Value: d.value });
    });
  }
  dims.push({ Name: 'coreName', Value: coreName });
  let seconds = nowSeconds;
  if (timestamp !== undefined) {
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      throw new MetricRequestError(
        `\`request.metricData.timestamp\` must be epoch seconds (got ${JSON.stringify(timestamp)})`,
      );
    }
    seconds = timestamp;
  }
  return {
    namespace,
    datum: {
      MetricName: metricName,
      Dimensions: dims,
      Timestamp: new Date(seconds * 1000).toISOString(),
      Value: value,
      Unit: resolvedUnit,
    },
  };
}

function numberSetting(value: unknown, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : fallback;
}

export const cloudwatch: BuiltinPlugin = {
  kind: 'plugin',
  componentName: 'aws.greengrass.Cloudwatch',
  componentVersion: '3.1.0',
  defaultConfiguration: {
    PublishInterval: '10',
    MaxMetricsToRetain: '5000',
    PublishRegion: '',
    PubSubToIoTCore: 'false',
    InputTopic: 'cloudwatch/metric/put',
    OutputTopic: 'cloudwatch/metric/put/status',
  },
  create() {
    let context: PluginContext | undefined;
    let unsubscribe: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    let writes: Promise<void> = Promise.resolve();
    const queues = new Map<string, { datum: MetricDatum; id: string }[]>();

    const outputTopic = () => String(context?.config().OutputTopic ?? 'cloudwatch/metric/put/status');
    const status = (response: Record<string, unknown>, id: string) =>
      context?.bus.publish(outputTopic(), { json: { response, id } }, 'aws.greengrass.Cloudwatch');

    function flush(namespace: string): void {
      const ctx = context;
      const queue = queues.get(namespace);
      if (ctx === undefined || queue === undefined || queue.length === 0) return;
      queues.set(namespace, []);
      const line: RecordedPut = {
        time: new Date().toISOString(),
        thing: ctx.thingName,
        Namespace: namespace,
        MetricData: queue.map((q) => q.datum),
      };
      const dir = join(ctx.rootDir, 'cloudwatch');
      writes = writes
        .then(async () => {
          await mkdir(dir, { recursive: true });
          await appendFile(join(dir, 'metrics.jsonl'), `${JSON.stringify(line)}\n`);
          const rid = randomUUID();
          for (const q of queue) status({ status: 'success', cloudwatch_rid: rid, namespace }, q.id);
        })
        .catch((error: unknown) => ctx.log('cloudwatch.write-failed', { error: String(error) }));
    }

    function flushAll(): void {
      for (const namespace of queues.keys()) flush(namespace);
    }

    function schedule(): void {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      const seconds = Math.min(numberSetting(context?.config().PublishInterval, 10), 900);
      if (seconds > 0) {
        timer = setInterval(flushAll, seconds * 1000);
        timer.unref();
      }
    }

    function subscribe(ctx: PluginContext): void {
      unsubscribe?.();
      const inputTopic = String(ctx.config().InputTopic ?? 'cloudwatch/metric/put');
      unsubscribe = ctx.bus.subscribe(
        inputTopic,
        (_topic, message) => {
          const id =
            'json' in message && isObject(message.json) && typeof message.json.id === 'string'
              ? message.json.id
              : '';
          if (!('json' in message)) {
            status(
              {
                status: 'fail',
                error: 'InvalidRequest',
                error_message: 'expected a jsonMessage',
                namespace: '',
              },
              id,
            );
            return;
          }
          let parsed: ReturnType<typeof parseMetricRequest>;
          try {
            parsed = parseMetricRequest(message.json, ctx.thingName, Date.now() / 1000);
          } catch (error) {
            const ns =
              isObject(message.json) &&
              isObject(message.json.request) &&
              typeof message.json.request.namespace === 'string'
                ? message.json.request.namespace
                : '';
            status(
              {
                status: 'fail',
                error: 'InvalidRequest',
                error_message: (error as Error).message,
                namespace: ns,
              },
              id,
            );
            ctx.log('cloudwatch.request.rejected', { error: (error as Error).message });
            return;
          }
          const queue = queues.get(parsed.namespace) ?? [];
          const max = Math.max(numberSetting(ctx.config().MaxMetricsToRetain, 5000), 2000);
          const total = [...queues.values()].reduce((n, q) => n + q.length, 0);
          if (total >= max) queue.shift();
          queue.push({ datum: parsed.datum, id });
          queues.set(parsed.namespace, queue);
          const interval = numberSetting(ctx.config().PublishInterval, 10);
          if (queue.length >= METRIC_BATCH_SIZE || interval === 0) flush(parsed.namespace);
        },
        'aws.greengrass.Cloudwatch',
      );
    }

    let unsubscribeConfig: (() => void) | undefined;
    return {
      name: 'aws.greengrass.Cloudwatch',
      async start(ctx) {
        context = ctx;
        subscribe(ctx);
        schedule();
        unsubscribeConfig = ctx.onConfigChange(() => {
          subscribe(ctx);
          schedule();
        });
      },
      async stop() {
        unsubscribeConfig?.();
        unsubscribe?.();
        if (timer !== undefined) clearInterval(timer);
        queues.clear();
        await writes;
        context = undefined;
      },
    };
  },
};
