import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalBus, PluginContext } from '../../../local-core/src/nucleus/services.ts';
import { cloudwatch, parseMetricRequest } from '../../../local-core/src/plugins/cloudwatch.ts';

type Message = { json: unknown } | { binary: Uint8Array };

function fakeBus() {
  const listeners = new Map<string, (topic: string, message: Message) => void>();
  const published: { topic: string; message: Message }[] = [];
  const bus: LocalBus = {
    publish: (topic, message) => {
      published.push({ topic, message });
    },
    subscribe: (filter, listener) => {
      listeners.set(filter, listener);
      return () => listeners.delete(filter);
    },
  };
  const put = (message: Message) =>
    listeners.get('cloudwatch/metric/put')?.('cloudwatch/metric/put', message);
  return { bus, put, published };
}

const request = (value: unknown, namespace = 'NS') => ({
  json: { request: { namespace, metricData: { metricName: 'm', value, unit: 'Count' } } },
});

describe('aws.greengrass.Cloudwatch sink', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  async function start(config: Record<string, unknown>) {
    const root = mkdtempSync(join(tmpdir(), 'lc-cw-'));
    roots.push(root);
    const { bus, put, published } = fakeBus();
    const plugin = cloudwatch.create();
    const context: PluginContext = {
      thingName: 'Core1',
      rootDir: root,
      config: () => ({ ...cloudwatch.defaultConfiguration, ...config }),
      onConfigChange: () => () => undefined,
      bus,
      operations: { register: () => undefined, unregister: () => undefined },
      cloud: {
        thingName: 'Core1',
        thingGroups: [],
        isOnline: () => true,
        onConnectivityChange: () => () => undefined,
      },
      log: () => undefined,
    };
    await plugin.start(context);
    const lines = () => {
      try {
        return readFileSync(join(root, 'cloudwatch', 'metrics.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
      } catch {
        return [];
      }
    };
    return { plugin, put, published, lines };
  }

  it('adds the coreName dimension and defaults the unit to Count', () => {
    const parsed = parseMetricRequest(
      { request: { namespace: 'N', metricData: { metricName: 'x', value: 1 } } },
      'C',
      10,
    );
    expect(parsed.datum).toEqual({
      MetricName: 'x',
      Value: 1,
      Unit: 'Count',
      Dimensions: [{ Name: 'coreName', Value: 'C' }],
      Timestamp: new Date(10_000).toISOString(),
    });
  });

  it('rejects an AWS/ namespace and a unit CloudWatch does not know', () => {
    expect(() =>
      parseMetricRequest(
        { request: { namespace: 'AWS/EC2', metricData: { metricName: 'x', value: 1 } } },
        'C',
        0,
      ),
    ).toThrow(/must not start with "AWS\/"/);
    expect(() =>
      parseMetricRequest(
        { request: { namespace: 'N', metricData: { metricName: 'x', value: 1, unit: 'Parsecs' } } },
        'C',
        0,
      ),
    ).toThrow(/unit.*"Parsecs"/);
  });

  it('batches per namespace and uploads when 20 metrics are queued', async () => {
    const sink = await start({ PublishInterval: '900' });
    for (let i = 0; i < 19; i += 1) sink.put(request(i));
    sink.put(request(1, 'Other'));
    await sink.plugin.stop();
    expect(sink.lines()).toEqual([]);

    const second = await start({ PublishInterval: '900' });
    for (let i = 0; i < 20; i += 1) second.put(request(i));
    await second.plugin.stop();
    const lines = second.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0].Namespace).toBe('NS');
    expect(lines[0].MetricData).toHaveLength(20);
  });

  it('answers a binary message and an invalid request with a fail status and records nothing', async () => {
    const sink = await start({ PublishInterval: '0' });
    sink.put({ binary: new Uint8Array([1]) });
    sink.put(request('seven'));
    await sink.plugin.stop();
    expect(sink.lines()).toEqual([]);
    const statuses = sink.published.map(
      (p) => (p.message as { json: { response: { status: string } } }).json.response,
    );
    expect(sink.published.every((p) => p.topic === 'cloudwatch/metric/put/status')).toBe(true);
    expect(statuses.map((s) => s.status)).toEqual(['fail', 'fail']);
  });

  it('uploads at once with PublishInterval 0 and reports success', async () => {
    const sink = await start({ PublishInterval: '0' });
    sink.put(request(3));
    await sink.plugin.stop();
    expect(sink.lines()).toHaveLength(1);
    expect(sink.published[0]?.message).toMatchObject({
      json: { response: { status: 'success', namespace: 'NS' } },
    });
  });
});
