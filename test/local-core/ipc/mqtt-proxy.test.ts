import { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, policy, startHarness, waitFor } from './ipc-harness.ts';

const { QOS } = greengrasscoreipc.model;
const MQTT = 'aws.greengrass.ipc.mqttproxy';

describe('IoT Core through the IPC server with the real client', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ interpolateComponentConfiguration: true });
    harness.config.replace('Cloudy', policy(MQTT, ['*'], ['dt/{iot:thingName}/#', 'cmd/+/run']));
  });
  afterAll(() => harness.close());

  it('publishes the decoded payload, QoS and retain flag to the IotCoreLink', async () => {
    const client = await harness.connect('Cloudy');
    await client.publishToIoTCore({
      topicName: 'dt/thing-1/telemetry',
      qos: QOS.AT_LEAST_ONCE,
      payload: JSON.stringify({ t: 21.5 }),
      retain: true,
    });
    const sent = harness.iotCore.published.at(-1);
    expect(sent).toMatchObject({ topic: 'dt/thing-1/telemetry', qos: 1, retain: true });
    expect(sent?.payload.toString('utf8')).toBe('{"t":21.5}');
  });

  it('round-trips a cloud message to a SubscribeToIoTCore stream as an IoTCoreMessage', async () => {
    const client = await harness.connect('Cloudy');
    const received: Array<{ topic: string | undefined; payload: string }> = [];
    const operation = client.subscribeToIoTCore({ topicName: 'cmd/+/run', qos: QOS.AT_MOST_ONCE });
    operation.on('message', (event) =>
      received.push({
        topic: event.message?.topicName,
        payload: Buffer.from(event.message?.payload as ArrayBuffer).toString('utf8'),
      }),
    );
    await operation.activate();
    harness.iotCore.deliver('cmd/+/run', 'cmd/relay/run', '{"on":true}');
    await waitFor(() => (received.length === 1 ? true : undefined));
    expect(received).toEqual([{ topic: 'cmd/relay/run', payload: '{"on":true}' }]);
    await operation.close();
    await waitFor(() => (harness.iotCore.subscriptions.has('cmd/+/run') ? undefined : true));
  });

  it('lets MQTT wildcards in an mqttproxy resource match concrete topics', async () => {
    const client = await harness.connect('Cloudy');
    await expect(
      client.publishToIoTCore({ topicName: 'dt/thing-1/a/b/c', qos: QOS.AT_MOST_ONCE, payload: 'x' }),
    ).resolves.toEqual({});
  });

  it('denies a topic outside the policy with UnauthorizedError "Not Authorized"', async () => {
    const client = await harness.connect('Cloudy');
    const error = await client
      .publishToIoTCore({ topicName: 'dt/other-thing/x', qos: QOS.AT_MOST_ONCE, payload: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      serviceError: { _errorCode: 'UnauthorizedError', message: 'Not Authorized' },
    });
  });

  it('denies a subscription by a component without an mqttproxy policy', async () => {
    harness.config.replace('Grounded', { x: 1 });
    const client = await harness.connect('Grounded');
    const error = await client
      .subscribeToIoTCore({ topicName: 'cmd/a/run', qos: QOS.AT_MOST_ONCE })
      .activate()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      serviceError: { _errorCode: 'UnauthorizedError', message: 'Not Authorized' },
    });
  });

  it('answers a broker failure with ServiceError naming the topic', async () => {
    const client = await harness.connect('Cloudy');
    harness.iotCore.failPublishWith = new Error('spool full');
    try {
      const error = await client
        .publishToIoTCore({ topicName: 'dt/thing-1/x', qos: QOS.AT_LEAST_ONCE, payload: 'x' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        serviceError: {
          _errorCode: 'ServiceError',
          message: 'Publish to topic dt/thing-1/x failed: spool full',
        },
      });
    } finally {
      harness.iotCore.failPublishWith = undefined;
    }
  });

  it('rejects a publish without payload as the nucleus does', async () => {
    const client = await harness.connect('Cloudy');
    const error = await client
      .publishToIoTCore({ topicName: 'dt/thing-1/x', qos: QOS.AT_MOST_ONCE })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      description: "Unexpected response shape received: 'aws.greengrass#InvalidArgumentsError'",
    });
  });
});
