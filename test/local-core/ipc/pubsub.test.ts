import { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, type IpcClient, policy, startHarness, waitFor } from './ipc-harness.ts';

const { ReceiveMode } = greengrasscoreipc.model;
type Received = { topic: string | undefined; json?: unknown; binary?: string };

const PUBSUB = 'aws.greengrass.ipc.pubsub';
const ALL = policy(PUBSUB, ['*'], ['*']);

async function subscribe(
  client: IpcClient,
  topic: string,
  receiveMode?: greengrasscoreipc.model.ReceiveMode,
): Promise<{ received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const operation = client.subscribeToTopic(receiveMode ? { topic, receiveMode } : { topic });
  operation.on('message', (message) => {
    if (message.jsonMessage)
      received.push({ topic: message.jsonMessage.context?.topic, json: message.jsonMessage.message });
    if (message.binaryMessage) {
      received.push({
        topic: message.binaryMessage.context?.topic,
        binary: Buffer.from(message.binaryMessage.message as ArrayBuffer).toString('utf8'),
      });
    }
  });
  await operation.activate();
  return { received, close: () => operation.close() };
}

const publishJson = (client: IpcClient, topic: string, message: Record<string, unknown>) =>
  client.publishToTopic({ topic, publishMessage: { jsonMessage: { message } } });

describe('local pub/sub with the real IPC client', () => {
  let harness: Harness;
  let alice: IpcClient;
  let bob: IpcClient;

  beforeAll(async () => {
    harness = await startHarness();
    harness.config.replace('Alice', ALL);
    harness.config.replace('Bob', ALL);
    alice = await harness.connect('Alice');
    bob = await harness.connect('Bob');
  });
  afterAll(() => harness.close());

  it('delivers a JSON message as JSON with the published topic as context', async () => {
    const sub = await subscribe(bob, 'json/one');
    await publishJson(alice, 'json/one', { n: 1, nested: { ok: true } });
    const [message] = await waitFor(() => (sub.received.length > 0 ? sub.received : undefined));
    expect(message).toEqual({ topic: 'json/one', json: { n: 1, nested: { ok: true } } });
    await sub.close();
  });

  it('delivers a binary message as binary bytes', async () => {
    const sub = await subscribe(bob, 'bin/one');
    await alice.publishToTopic({ topic: 'bin/one', publishMessage: { binaryMessage: { message: 'héllo' } } });
    const [message] = await waitFor(() => (sub.received.length > 0 ? sub.received : undefined));
    expect(message).toEqual({ topic: 'bin/one', binary: 'héllo' });
    await sub.close();
  });

  it('matches + and # filters and reports the concrete topic', async () => {
    const plus = await subscribe(bob, 'wild/+/temp', ReceiveMode.RECEIVE_ALL_MESSAGES);
    const hash = await subscribe(bob, 'wild/#', ReceiveMode.RECEIVE_ALL_MESSAGES);
    await publishJson(alice, 'wild/kitchen/temp', { v: 1 });
    await publishJson(alice, 'wild/kitchen/humidity', { v: 2 });
    await waitFor(() => (hash.received.length === 2 ? true : undefined));
    expect(plus.received.map((m) => m.topic)).toEqual(['wild/kitchen/temp']);
    expect(hash.received.map((m) => m.topic)).toEqual(['wild/kitchen/temp', 'wild/kitchen/humidity']);
    await plus.close();
    await hash.close();
  });

  it('does not let a/# match the parent topic a, as the nucleus SubscriptionTrie does not', async () => {
    const hash = await subscribe(bob, 'parent/#', ReceiveMode.RECEIVE_ALL_MESSAGES);
    const exact = await subscribe(bob, 'parent');
    await publishJson(alice, 'parent', { v: 1 });
    await waitFor(() => (exact.received.length === 1 ? true : undefined));
    expect(hash.received).toEqual([]);
    await hash.close();
    await exact.close();
  });

  it('defaults a wildcard subscription to receiving messages from others only', async () => {
    const own = await subscribe(alice, 'mode/wild/#');
    const marker = await subscribe(alice, 'mode/marker');
    await publishJson(alice, 'mode/wild/x', { from: 'self' });
    await publishJson(bob, 'mode/wild/x', { from: 'other' });
    await publishJson(alice, 'mode/marker', { done: true });
    await waitFor(() => (marker.received.length === 1 && own.received.length >= 1 ? true : undefined));
    expect(own.received.map((m) => m.json)).toEqual([{ from: 'other' }]);
    await own.close();
    await marker.close();
  });

  it('defaults an exact subscription to receiving its own messages too', async () => {
    const own = await subscribe(alice, 'mode/exact');
    await publishJson(alice, 'mode/exact', { from: 'self' });
    await waitFor(() => (own.received.length === 1 ? true : undefined));
    expect(own.received[0]?.json).toEqual({ from: 'self' });
    await own.close();
  });

  it('honours an explicit RECEIVE_MESSAGES_FROM_OTHERS on an exact topic', async () => {
    const own = await subscribe(alice, 'mode/others', ReceiveMode.RECEIVE_MESSAGES_FROM_OTHERS);
    await publishJson(alice, 'mode/others', { from: 'self' });
    await publishJson(bob, 'mode/others', { from: 'other' });
    await waitFor(() => (own.received.length === 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(own.received.map((m) => m.json)).toEqual([{ from: 'other' }]);
    await own.close();
  });

  it('delivers messages in publish order', async () => {
    const sub = await subscribe(bob, 'order/seq');
    for (let seq = 0; seq < 200; seq += 1) void publishJson(alice, 'order/seq', { seq });
    await waitFor(() => (sub.received.length === 200 ? true : undefined));
    expect(sub.received.map((m) => (m.json as { seq: number }).seq)).toEqual([...Array(200).keys()]);
    await sub.close();
  });

  it('stops delivering once the subscription is closed and delivers again when reopened', async () => {
    const first = await subscribe(bob, 'reopen/t');
    await first.close();
    const marker = await subscribe(bob, 'reopen/marker');
    await publishJson(alice, 'reopen/t', { n: 1 });
    await publishJson(alice, 'reopen/marker', { n: 1 });
    await waitFor(() => (marker.received.length === 1 ? true : undefined));
    expect(first.received).toEqual([]);
    const second = await subscribe(bob, 'reopen/t');
    await publishJson(alice, 'reopen/t', { n: 2 });
    await waitFor(() => (second.received.length === 1 ? true : undefined));
    expect(second.received[0]?.json).toEqual({ n: 2 });
    await second.close();
    await marker.close();
  });

  it('delivers an IPC publish to an in-process subscriber of the local bus', async () => {
    const seen: Array<{ topic: string; message: unknown }> = [];
    const off = harness.server.bus.subscribe(
      'cloudwatch/metric/#',
      (topic, message) => seen.push({ topic, message }),
      'aws.greengrass.Cloudwatch',
    );
    await publishJson(alice, 'cloudwatch/metric/put', { request: { namespace: 'x' } });
    await waitFor(() => (seen.length === 1 ? true : undefined));
    expect(seen).toEqual([
      { topic: 'cloudwatch/metric/put', message: { json: { request: { namespace: 'x' } } } },
    ]);
    off();
  });

  it('delivers an in-process binary publish to an IPC subscriber as binaryMessage', async () => {
    const sub = await subscribe(bob, '$aws/things/thing-1/shadow/update/accepted');
    harness.server.bus.publish(
      '$aws/things/thing-1/shadow/update/accepted',
      { binary: Buffer.from('{"version":1}') },
      'aws.greengrass.ShadowManager',
    );
    await waitFor(() => (sub.received.length === 1 ? true : undefined));
    expect(sub.received[0]).toEqual({
      topic: '$aws/things/thing-1/shadow/update/accepted',
      binary: '{"version":1}',
    });
    await sub.close();
  });

  it('rejects a publish to a wildcard topic with the nucleus InvalidArgumentsError, which the JS model does not list', async () => {
    const error = await publishJson(alice, 'bad/#', { n: 1 }).catch((e: unknown) => e);
    // PublishToTopic models only ServiceError/UnauthorizedError, so the JS client reports the shape as unexpected.
    expect(error).toMatchObject({
      description: "Unexpected response shape received: 'aws.greengrass#InvalidArgumentsError'",
    });
  });

  it('answers a jsonMessage that is not a JSON object with InternalServerError, as Gson fails on Map<String, Object>', async () => {
    const error = await alice
      .publishToTopic({ topic: 'json/array', publishMessage: { jsonMessage: { message: [1, 2] } } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      description: expect.stringContaining("Plain text payload is: 'InternalServerError'"),
    });
  });

  it('rejects an empty subscribe topic with InvalidArgumentsError', async () => {
    const operation = alice.subscribeToTopic({ topic: '' });
    const error = await operation.activate().catch((e: unknown) => e);
    expect(error).toMatchObject({
      serviceError: { _errorCode: 'InvalidArgumentsError', message: 'Subscribe topic must not be empty' },
    });
  });
});

describe('pubsub accessControl with the real IPC client', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ interpolateComponentConfiguration: true });
  });
  afterAll(() => harness.close());

  it('denies a publish not covered by any policy with the nucleus message', async () => {
    harness.config.replace('NoPolicy', { other: 1 });
    const client = await harness.connect('NoPolicy');
    const error = await publishJson(client, 'some/topic', { n: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      serviceError: {
        _errorCode: 'UnauthorizedError',
        message:
          'Principal NoPolicy is not authorized to perform aws.greengrass.ipc.pubsub:aws.greengrass#PublishToTopic on resource some/topic',
      },
    });
  });

  it('grants a * glob across levels but not the other operation', async () => {
    harness.config.replace('Globber', policy(PUBSUB, ['aws.greengrass#PublishToTopic'], ['sensors/*']));
    const client = await harness.connect('Globber');
    await expect(publishJson(client, 'sensors/a/b', { n: 1 })).resolves.toEqual({});
    const error = await client
      .subscribeToTopic({ topic: 'sensors/a' })
      .activate()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ serviceError: { _errorCode: 'UnauthorizedError' } });
  });

  it('treats MQTT wildcards in a pubsub resource as literal characters', async () => {
    harness.config.replace('Literal', policy(PUBSUB, ['aws.greengrass#SubscribeToTopic'], ['home/#']));
    const client = await harness.connect('Literal');
    const exact = client.subscribeToTopic({ topic: 'home/#' });
    await expect(exact.activate()).resolves.toEqual({});
    await exact.close();
    const narrower = await client
      .subscribeToTopic({ topic: 'home/kitchen' })
      .activate()
      .catch((e: unknown) => e);
    expect(narrower).toMatchObject({ serviceError: { _errorCode: 'UnauthorizedError' } });
  });

  it('ignores a policy without operations', async () => {
    harness.config.replace('NoOps', {
      accessControl: {
        [PUBSUB]: { 'p:1': { resources: ['*'] }, 'p:2': { operations: [], resources: ['*'] } },
      },
    });
    const client = await harness.connect('NoOps');
    const error = await publishJson(client, 'x', { n: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ serviceError: { _errorCode: 'UnauthorizedError' } });
  });

  it('matches an escaped star only as a literal star', async () => {
    harness.config.replace('Escaper', policy(PUBSUB, ['aws.greengrass#PublishToTopic'], ['lit/$' + '{*}/x']));
    const client = await harness.connect('Escaper');
    const error = await publishJson(client, 'lit/abc/x', { n: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ serviceError: { _errorCode: 'UnauthorizedError' } });
    // The literal star is refused by PublishToTopic's wildcard check, which runs after authorization.
    const literal = await publishJson(client, 'lit/*/x', { n: 1 }).catch((e: unknown) => e);
    expect(literal).toMatchObject({ description: expect.stringContaining('InvalidArgumentsError') });
  });

  it('interpolates {iot:thingName} when the nucleus interpolates component configuration', async () => {
    harness.config.replace(
      'Interp',
      policy(PUBSUB, ['aws.greengrass#PublishToTopic'], ['things/{iot:thingName}/up']),
    );
    const client = await harness.connect('Interp');
    await expect(publishJson(client, 'things/thing-1/up', { n: 1 })).resolves.toEqual({});
  });

  it('picks up a changed accessControl on the next call', async () => {
    harness.config.replace('Changer', policy(PUBSUB, ['aws.greengrass#PublishToTopic'], ['a']));
    const client = await harness.connect('Changer');
    await expect(publishJson(client, 'a', { n: 1 })).resolves.toEqual({});
    harness.config.replace('Changer', policy(PUBSUB, ['aws.greengrass#PublishToTopic'], ['b']));
    const error = await publishJson(client, 'a', { n: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ serviceError: { _errorCode: 'UnauthorizedError' } });
  });
});

describe('{iot:thingName} without interpolation', () => {
  it('keeps {iot:thingName} literal, so the thing topic is denied', async () => {
    const harness = await startHarness({ interpolateComponentConfiguration: false });
    try {
      harness.config.replace(
        'Raw',
        policy(PUBSUB, ['aws.greengrass#PublishToTopic'], ['things/{iot:thingName}/up']),
      );
      const client = await harness.connect('Raw');
      const error = await publishJson(client, 'things/thing-1/up', { n: 1 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ serviceError: { _errorCode: 'UnauthorizedError' } });
      await expect(publishJson(client, 'things/{iot:thingName}/up', { n: 1 })).resolves.toEqual({});
    } finally {
      await harness.close();
    }
  });
});
