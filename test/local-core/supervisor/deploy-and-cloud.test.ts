import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCoreHandle, runLocalCoreCli, startLocalCore } from '../../support/local-core-harness.ts';

const FIXTURES = new URL('../../fixtures/local-core/', import.meta.url).pathname;

interface ProbeEvent {
  event: string;
  version: string;
  pid: number;
  [key: string]: unknown;
}

function deployment(probe: { version?: string; config?: Record<string, unknown>; reset?: string[] } = {}) {
  return {
    things: [{ name: 'T1', thingGroups: ['lab'] }],
    deploymentPolicies: { componentUpdatePolicy: { action: 'NOTIFY_COMPONENTS', timeoutInSeconds: 10 } },
    components: {
      'test.IpcProbe': {
        componentVersion: probe.version ?? '1.0.0',
        configurationUpdate: {
          ...(probe.config === undefined ? {} : { merge: JSON.stringify(probe.config) }),
          ...(probe.reset === undefined ? {} : { reset: probe.reset }),
        },
      },
      'test.SlowStartup': { componentVersion: '1.0.0' },
      'aws.greengrass.Cloudwatch': {
        componentVersion: '3.1.0',
        configurationUpdate: { merge: JSON.stringify({ PublishInterval: '0' }) },
      },
    },
  };
}

describe('deployments and the IoT Core stand-in (real IPC client in the component)', () => {
  let core: LocalCoreHandle;
  let cloud: MqttClient;
  const received: { topic: string; payload: string }[] = [];

  const events = (): ProbeEvent[] => {
    const file = join(core.root, 'things', 'T1', 'work', 'test.IpcProbe', 'events.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as ProbeEvent);
  };
  async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const value = probe();
      if (value !== undefined && value !== false) return value;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; events:\n${JSON.stringify(events(), null, 1)}`);
  }

  beforeAll(async () => {
    core = await startLocalCore({
      recipesDir: join(FIXTURES, 'recipes'),
      artifactsDir: join(FIXTURES, 'artifacts'),
      deployment: deployment(),
    });
    cloud = await mqtt.connectAsync(core.endpoints.mqtt.url, { clientId: 'test-cloud', protocolVersion: 4 });
    cloud.on('message', (topic, payload) => received.push({ topic, payload: payload.toString('utf8') }));
    await cloud.subscribeAsync(['echo/#', 'probe/#'], { qos: 1 });
    await until(() => events().find((e) => e.event === 'ready'), 'the probe to be ready', 30_000);
  }, 60_000);

  afterAll(async () => {
    await cloud?.endAsync(true);
    await core?.stop();
  });

  it('delivers a cloud message to SubscribeToIoTCore and the reply back to the cloud', async () => {
    await cloud.publishAsync('cmd/T1/ping', '{"n":1}', { qos: 1 });
    await until(() => received.find((m) => m.topic === 'echo/cmd/T1/ping'), 'the echo');
    expect(events().find((e) => e.event === 'iot-message')).toMatchObject({
      topic: 'cmd/T1/ping',
      payload: '{"n":1}',
    });
  });

  it('fires a configuration update and does not restart on a configuration-only deploy', async () => {
    const before = events().filter((e) => e.event === 'started');
    const result = await core.deploy(
      deployment({ config: { publishNow: { id: 1, topic: 'probe/T1/a', qos: '1' } } }),
    );
    expect(result.things.T1).toMatchObject({
      status: 'SUCCEEDED',
      reconfigured: ['test.IpcProbe'],
      restarted: [],
    });
    await until(() => received.find((m) => m.topic === 'probe/T1/a'), 'the publish triggered by the update');
    expect(events().some((e) => e.event === 'config-update')).toBe(true);
    expect(events().filter((e) => e.event === 'started')).toEqual(before);
    expect((await core.status()).things.T1?.components['test.IpcProbe']).toMatchObject({
      state: 'RUNNING',
      restarts: 0,
    });
  });

  it('notifies the component before and after a deployment', async () => {
    const result = await core.deploy(deployment({ config: { note: 'notify' } }));
    expect(events().some((e) => e.event === 'pre-update' && e.deploymentId === result.deploymentId)).toBe(
      true,
    );
    await until(
      () => events().find((e) => e.event === 'post-update' && e.deploymentId === result.deploymentId),
      'the post-update event',
    );
  });

  it('spools QoS 1 and drops QoS 0 publishes while the thing is offline, and sends the spool on reconnect', async () => {
    await core.setCloud('T1', false);
    expect((await core.status()).things.T1?.cloud).toMatchObject({ online: false, connected: false });
    await core.deploy(deployment({ config: { publishNow: { id: 2, topic: 'probe/T1/qos1', qos: '1' } } }));
    await until(() => events().find((e) => e.event === 'published' && e.id === 2), 'the QoS 1 publish');
    await core.deploy(deployment({ config: { publishNow: { id: 3, topic: 'probe/T1/qos0', qos: '0' } } }));
    await until(() => events().find((e) => e.event === 'published' && e.id === 3), 'the QoS 0 publish');
    expect((await core.status()).things.T1?.cloud.spooledMessages).toBe(1);
    expect(received.some((m) => m.topic.startsWith('probe/T1/qos'))).toBe(false);

    await core.setCloud('T1', true);
    await until(() => received.find((m) => m.topic === 'probe/T1/qos1'), 'the spooled message');
    await new Promise((r) => setTimeout(r, 300));
    expect(received.some((m) => m.topic === 'probe/T1/qos0')).toBe(false);
  });

  it('restores IoT Core subscriptions after the thing comes back online', async () => {
    await cloud.publishAsync('cmd/T1/again', 'x', { qos: 1 });
    await until(() => received.find((m) => m.topic === 'echo/cmd/T1/again'), 'the echo after reconnect');
  });

  it('records metrics as the Cloudwatch component would upload them, with the coreName dimension', async () => {
    const request = {
      namespace: 'Matchday/Test',
      metricData: { metricName: 'probe', value: 7, unit: 'Count' },
    };
    await core.deploy(deployment({ config: { metric: { id: 1, message: { request } } } }));
    await until(
      () => existsSync(join(core.root, 'things', 'T1', 'cloudwatch', 'metrics.jsonl')),
      'metrics.jsonl',
    );
    const cli = await runLocalCoreCli(['metrics', '--root', core.root]);
    expect(cli.code).toBe(0);
    const puts = JSON.parse(cli.stdout) as { Namespace: string; thing: string; MetricData: unknown[] }[];
    expect(puts[0]).toMatchObject({
      thing: 'T1',
      Namespace: 'Matchday/Test',
      MetricData: [
        {
          MetricName: 'probe',
          Value: 7,
          Unit: 'Count',
          Dimensions: [{ Name: 'coreName', Value: 'T1' }],
        },
      ],
    });
  });

  it('honours a deferral, then restarts only the component whose version changed', async () => {
    await core.deploy(deployment({ config: { deferMs: 1500 } }));
    const result = await core.deploy(deployment({ version: '1.1.0' }));
    expect(result.things.T1).toMatchObject({
      status: 'SUCCEEDED',
      restarted: ['test.IpcProbe'],
      deferrals: ['busy'],
    });
    await until(() => events().find((e) => e.event === 'started' && e.version === '1.1.0'), 'version 1.1.0');
    const sequence = events()
      .filter((e) => e.deploymentId === result.deploymentId || e.event === 'sigterm' || e.event === 'started')
      .map((e) => `${e.event}:${e.version}`);
    const deferring = sequence.indexOf('deferring:1.0.0');
    const acknowledging = sequence.indexOf('acknowledging:1.0.0');
    const sigterm = sequence.lastIndexOf('sigterm:1.0.0');
    expect(deferring).toBeGreaterThanOrEqual(0);
    expect(acknowledging).toBeGreaterThan(deferring);
    expect(sigterm, JSON.stringify(events())).toBeGreaterThan(acknowledging);
    expect(sequence.indexOf('started:1.1.0')).toBeGreaterThan(sigterm);
    expect(core.output()).not.toMatch(/"component":"test\.SlowStartup","state":"STOPPING"/);
    expect((await core.status()).things.T1?.components['test.SlowStartup']?.state).toBe('RUNNING');
  });

  it('starts components a deployment adds and stops (with Shutdown) the ones it no longer lists', async () => {
    const next = deployment({ version: '1.1.0' });
    const { 'test.SlowStartup': _removed, ...kept } = next.components;
    const result = await core.deploy({
      ...next,
      components: { ...kept, 'test.EnvProbe': { componentVersion: '1.0.0', configurationUpdate: {} } },
    });
    expect(result.things.T1).toMatchObject({
      added: ['test.EnvProbe'],
      removed: ['test.SlowStartup'],
      restarted: [],
    });
    const status = await core.waitFor((s) => s.things.T1?.components['test.EnvProbe']?.state === 'FINISHED');
    expect(Object.keys(status.things.T1?.components ?? {})).not.toContain('test.SlowStartup');
    expect(existsSync(join(core.root, 'things', 'T1', 'work', 'test.SlowStartup', 'shutdown.txt'))).toBe(
      true,
    );
    expect(status.things.T1?.components['test.IpcProbe']).toMatchObject({
      version: '1.1.0',
      state: 'RUNNING',
    });
  });

  it('answers 400 to control and cloud API request targets that are not URLs, and keeps running', async () => {
    const statusLine = (port: number) =>
      new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write('GET http://[ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'),
        );
        let text = '';
        const done = () => resolve(text.split('\r\n')[0] ?? '');
        socket.on('data', (chunk) => {
          text += chunk;
        });
        socket.on('close', done);
        socket.on('error', done);
        setTimeout(() => socket.destroy(), 2_000).unref();
      });
    expect([
      await statusLine(core.endpoints.control.port),
      await statusLine(core.endpoints.api.port),
    ]).toEqual(['HTTP/1.1 400 Bad Request', 'HTTP/1.1 400 Bad Request']);
    expect((await fetch(`${core.endpoints.control.url}/status`)).status).toBe(200);
  });
});
