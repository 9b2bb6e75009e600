import { describe, expect, it } from 'vitest';
import { type InvalidRequest, TOPICS } from '../../../components/shared/contracts/index.ts';
import { GreengrassError, TimeoutError } from '../../../components/shared/errors.ts';
import { GreengrassAdapter } from '../../../components/shared/greengrass/greengrass-adapter.ts';
import type { RawMessage, UpdateEvent } from '../../../components/shared/ports/index.ts';
import { FakeClock, flushMicrotasks, RecordingLogger } from '../../fakes/index.ts';
import { rpcError, rpcServiceError, StubIpcWorld, type StubStream } from './stub-ipc-client.ts';

const relayState = { on: true, since: '2026-01-01T10:00:00.000Z', driver: 'simulated', healthy: true };

function setup(options: { random?: () => number; maxQueued?: number } = {}) {
  const clock = new FakeClock();
  const logger = new RecordingLogger();
  const world = new StubIpcWorld(() => clock.monotonic());
  const adapter = new GreengrassAdapter({
    clientFactory: world.factory,
    clock,
    logger,
    connectTimeoutMs: 1_000,
    operationTimeoutMs: 2_000,
    reconnectBaseMs: 100,
    reconnectMaxMs: 1_600,
    random: options.random ?? (() => 0),
    ...(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued }),
  });
  return { clock, logger, world, adapter };
}

async function connected(options: { random?: () => number; maxQueued?: number } = {}) {
  const s = setup(options);
  await s.adapter.connect();
  return s;
}

function onlyStream(world: StubIpcWorld, operation: string): StubStream {
  const streams = world.current.open(operation);
  expect(streams).toHaveLength(1);
  return streams[0]!;
}

describe('GreengrassAdapter connection', () => {
  it('connects with a client from the injected factory', async () => {
    const { world, adapter, logger } = await connected();
    expect(world.clients).toHaveLength(1);
    expect(world.current.state).toBe('connected');
    expect(adapter.connected).toBe(true);
    expect(logger.events()).toContain('ipc.connected');
  });

  it('fails with a TimeoutError and closes the client when the handshake hangs', async () => {
    const { world, adapter, clock } = setup();
    world.connectOutcomes.push('hang');
    const result = adapter.connect().catch((e: unknown) => e);
    await clock.advance(1_000);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).operation).toBe('Connect');
    expect(world.current.state).toBe('closed');
  });

  it('maps a refused connection to a GreengrassError keeping the SDK error as cause', async () => {
    const { world, adapter } = setup();
    world.connectOutcomes.push('fail');
    const error = await adapter.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GreengrassError);
    expect((error as GreengrassError).cause).toMatchObject({ type: 3 });
  });

  it('closes the client on close and does not reconnect after the resulting disconnection', async () => {
    const { world, adapter, clock } = await connected();
    await adapter.close();
    expect(world.current.state).toBe('closed');
    world.current.emit('disconnection', { reason: new Error('User-initiated disconnect') });
    await clock.advance(10_000);
    expect(world.clients).toHaveLength(1);
  });
});

describe('GreengrassAdapter reconnection', () => {
  it('builds a new client after a disconnection, backing off exponentially between failed attempts', async () => {
    const { world, clock, logger } = await connected();
    world.connectOutcomes.push('fail', 'fail', 'fail');
    const droppedAt = clock.monotonic();
    world.current.disconnect();
    await clock.advance(5_000);
    expect(world.clients).toHaveLength(5);
    // random() = 0 → half of base·2ⁿ: 50, 100, 200, 400 ms after each previous attempt.
    const gaps = world.createdAt.slice(1).map((t, i) => t - (i === 0 ? droppedAt : world.createdAt[i]!));
    expect(gaps).toEqual([50, 100, 200, 400]);
    expect(world.current.state).toBe('connected');
    expect(logger.events().filter((e) => e === 'ipc.reconnect.failed')).toHaveLength(3);
    expect(logger.events()).toContain('ipc.reconnected');
  });

  it('caps the backoff and spreads it with jitter', async () => {
    const { world, clock } = await connected({ random: () => 0.5 });
    world.connectOutcomes.push(...Array.from({ length: 8 }, () => 'fail' as const));
    world.current.disconnect();
    await clock.advance(60_000);
    const gaps = world.createdAt.slice(2).map((t, i) => t - world.createdAt[i + 1]!);
    // ceiling = min(1600, 100·2ⁿ); delay = ceiling·(0.5 + 0.5·0.5)
    expect(gaps).toEqual([150, 300, 600, 1_200, 1_200, 1_200, 1_200, 1_200]);
  });

  it('re-establishes every live subscription on the new client and keeps delivering to the old handlers', async () => {
    const { world, clock, adapter } = await connected();
    const topicMessages: unknown[] = [];
    const iotMessages: string[] = [];
    const keyPaths: (readonly string[])[] = [];
    const updates: UpdateEvent[] = [];
    await adapter.pubsub.subscribe(TOPICS.relayState, (m) => void topicMessages.push(m));
    await adapter.iotCore.subscribe(
      '$aws/things/t/jobs/notify-next',
      (topic) => void iotMessages.push(topic),
    );
    await adapter.config.onChange((k) => void keyPaths.push(k));
    await adapter.lifecycle.onUpdate((e) => void updates.push(e));

    world.current.disconnect();
    await clock.advance(100);

    expect(world.clients).toHaveLength(2);
    const fresh = world.current;
    expect(fresh.open('SubscribeToTopic').map((s) => s.request)).toEqual([
      { topic: 'matchday/relay/state', receiveMode: 'RECEIVE_MESSAGES_FROM_OTHERS' },
    ]);
    expect(fresh.open('SubscribeToIoTCore').map((s) => s.request)).toEqual([
      { topicName: '$aws/things/t/jobs/notify-next', qos: '1' },
    ]);
    expect(fresh.open('SubscribeToConfigurationUpdate')).toHaveLength(1);
    expect(fresh.open('SubscribeToComponentUpdates')).toHaveLength(1);

    onlyStream(world, 'SubscribeToTopic').push({ jsonMessage: { message: relayState } });
    onlyStream(world, 'SubscribeToIoTCore').push({
      message: { topicName: '$aws/things/t/jobs/notify-next', payload: Buffer.from('{}') },
    });
    onlyStream(world, 'SubscribeToConfigurationUpdate').push({
      configurationUpdateEvent: { componentName: 'c', keyPath: ['leaseS'] },
    });
    onlyStream(world, 'SubscribeToComponentUpdates').push({ postUpdateEvent: { deploymentId: 'd-1' } });
    await flushMicrotasks();

    expect(topicMessages).toEqual([relayState]);
    expect(iotMessages).toEqual(['$aws/things/t/jobs/notify-next']);
    expect(keyPaths).toEqual([['leaseS']]);
    expect(updates).toEqual([{ kind: 'post', deploymentId: 'd-1' }]);
  });

  it('never adopts a client whose connection dropped as it was established', async () => {
    const { world, clock, adapter } = await connected();
    world.connectOutcomes.push('die');
    world.current.disconnect();
    await clock.advance(1_000);
    expect(world.clients).toHaveLength(3);
    expect(world.clients[1]!.state).toBe('closed');
    await adapter.pubsub.publishRaw('a/b', { json: {} });
    expect(world.clients[2]!.calls.map((c) => c.operation)).toEqual(['PublishToTopic']);
  });

  it('closes every subscription stream and the client when closed', async () => {
    const { world, adapter } = await connected();
    await adapter.pubsub.subscribeRaw('a/b', () => undefined);
    await adapter.config.onChange(() => undefined);
    await adapter.close();
    expect(world.current.streams.every((s) => s.closed)).toBe(true);
    expect(world.current.state).toBe('closed');
    await expect(adapter.pubsub.publishRaw('a/b', { json: {} })).rejects.toMatchObject({
      code: 'Disconnected',
    });
  });

  it('does not re-establish a subscription that was closed', async () => {
    const { world, clock, adapter } = await connected();
    const sub = await adapter.pubsub.subscribeRaw('a/b', () => undefined);
    await sub.close();
    expect(world.current.streams[0]!.closed).toBe(true);
    world.current.disconnect();
    await clock.advance(100);
    expect(world.clients).toHaveLength(2);
    expect(world.current.calls.filter((c) => c.operation === 'SubscribeToTopic')).toHaveLength(0);
    expect(adapter.subscriptionCount).toBe(0);
  });

  it('ignores messages still arriving on a stream of the dead client', async () => {
    const { world, clock, adapter } = await connected();
    const seen: unknown[] = [];
    await adapter.pubsub.subscribeRaw('a/b', (m) => void seen.push(m));
    const old = world.current.streams[0]!;
    world.current.disconnect();
    await clock.advance(100);
    old.push({ jsonMessage: { message: { stale: true } } });
    await flushMicrotasks();
    expect(seen).toEqual([]);
  });

  it('holds an operation issued while disconnected until the new client is up', async () => {
    const { world, clock, adapter } = await connected();
    world.current.disconnect();
    const publish = adapter.pubsub.publishRaw('a/b', { json: { x: 1 } });
    await clock.advance(100);
    await publish;
    expect(world.clients).toHaveLength(2);
    expect(world.current.calls.map((c) => c.operation)).toEqual(['PublishToTopic']);
  });

  it('fails an operation with a TimeoutError whose cause says the nucleus is unreachable', async () => {
    const { world, clock, adapter } = await connected();
    world.connectOutcomes.push(...Array.from({ length: 20 }, () => 'fail' as const));
    world.current.disconnect();
    const publish = adapter.pubsub.publishRaw('a/b', { json: {} }).catch((e: unknown) => e);
    await clock.advance(2_000);
    const error = await publish;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).cause).toMatchObject({ code: 'Disconnected' });
    expect(adapter.pendingCalls).toBe(0);
  });

  it('retries a subscription the new client refused, with backoff, until it is re-established', async () => {
    const { world, clock, adapter, logger } = await connected();
    await adapter.pubsub.subscribeRaw('a/b', () => undefined);
    world.activations.set('SubscribeToTopic', [rpcServiceError('ServiceError', 'not ready')]);
    world.current.disconnect();
    await clock.advance(50);
    expect(world.clients).toHaveLength(2);
    expect(logger.events()).toContain('ipc.resubscribe.failed');
    expect(world.current.open('SubscribeToTopic')).toHaveLength(0);
    await clock.advance(50);
    expect(world.current.open('SubscribeToTopic')).toHaveLength(1);
  });

  it('re-subscribes a stream the nucleus ended while the connection stayed up', async () => {
    const { world, clock, adapter, logger } = await connected();
    const seen: unknown[] = [];
    await adapter.pubsub.subscribeRaw('a/b', (m) => void seen.push(m));
    world.current.streams[0]!.end();
    await clock.advance(100);
    expect(logger.events()).toContain('ipc.stream.ended');
    expect(world.clients).toHaveLength(1);
    onlyStream(world, 'SubscribeToTopic').push({ jsonMessage: { message: { again: true } } });
    await flushMicrotasks();
    expect(seen).toEqual([{ json: { again: true } }]);
  });
});

describe('GreengrassAdapter local pub/sub', () => {
  it('publishes a typed message as a jsonMessage', async () => {
    const { world, adapter } = await connected();
    await adapter.pubsub.publish(TOPICS.relayState, relayState);
    expect(world.current.calls[0]).toMatchObject({
      operation: 'PublishToTopic',
      request: { topic: 'matchday/relay/state', publishMessage: { jsonMessage: { message: relayState } } },
    });
  });

  it('refuses to publish an invalid event, naming the path, and sends nothing', async () => {
    const { world, adapter, logger } = await connected();
    const error = await adapter.pubsub
      .publish(TOPICS.relayState, { ...relayState, since: 'now' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ValidationError', path: 'since' });
    expect(world.current.calls).toEqual([]);
    expect(logger.entries.find((e) => e.event === 'ipc.publish.refused')?.fields).toMatchObject({
      topic: 'matchday/relay/state',
      path: 'since',
    });
  });

  it('sends a request with bad arguments as given, for its answering component to reject', async () => {
    const { world, adapter } = await connected();
    await adapter.pubsub.publish(TOPICS.relayTest, { id: 't-1', durationS: 0 });
    expect(world.current.calls[0]!.request).toMatchObject({
      publishMessage: { jsonMessage: { message: { id: 't-1', durationS: 0 } } },
    });
  });

  it('publishes a binary raw message as a binaryMessage', async () => {
    const { world, adapter } = await connected();
    await adapter.pubsub.publishRaw('$aws/things/t/shadow/name/matchday/get', {
      binary: new Uint8Array([1, 2]),
    });
    expect(world.current.calls[0]!.request).toEqual({
      topic: '$aws/things/t/shadow/name/matchday/get',
      publishMessage: { binaryMessage: { message: new Uint8Array([1, 2]) } },
    });
  });

  it.each([
    ['all', { topic: 'x/#', receiveMode: 'RECEIVE_ALL_MESSAGES' }],
    ['others', { topic: 'x/#', receiveMode: 'RECEIVE_MESSAGES_FROM_OTHERS' }],
    [undefined, { topic: 'x/#' }],
  ] as const)('sends receive mode %s of a raw subscription as %j', async (mode, request) => {
    const { world, adapter } = await connected();
    await adapter.pubsub.subscribeRaw('x/#', () => undefined, mode);
    expect(world.current.calls[0]!.request).toEqual(request);
  });

  it('delivers a raw binary message as bytes with the topic it was published on', async () => {
    const { world, adapter } = await connected();
    const seen: [RawMessage, string][] = [];
    await adapter.pubsub.subscribeRaw('$aws/things/+/shadow/#', (m, t) => void seen.push([m, t]));
    world.current.streams[0]!.push({
      binaryMessage: {
        message: Buffer.from('{"state":{}}'),
        context: { topic: '$aws/things/t/shadow/get/accepted' },
      },
    });
    await flushMicrotasks();
    expect(seen).toHaveLength(1);
    const [message, topic] = seen[0]!;
    expect(topic).toBe('$aws/things/t/shadow/get/accepted');
    expect('binary' in message && Buffer.from(message.binary).toString()).toBe('{"state":{}}');
  });

  it('delivers a valid typed message to the handler', async () => {
    const { world, adapter } = await connected();
    const seen: unknown[] = [];
    await adapter.pubsub.subscribe(TOPICS.relayState, (m) => void seen.push(m));
    world.current.streams[0]!.push({ jsonMessage: { message: relayState } });
    await flushMicrotasks();
    expect(seen).toEqual([relayState]);
  });

  it('accepts a typed message sent as UTF-8 JSON bytes', async () => {
    const { world, adapter } = await connected();
    const seen: unknown[] = [];
    await adapter.pubsub.subscribe(TOPICS.relayState, (m) => void seen.push(m));
    world.current.streams[0]!.push({ binaryMessage: { message: Buffer.from(JSON.stringify(relayState)) } });
    await flushMicrotasks();
    expect(seen).toEqual([relayState]);
  });

  it('drops an invalid event and logs ipc.message.dropped with the failing path', async () => {
    const { world, adapter, logger } = await connected();
    const seen: unknown[] = [];
    await adapter.pubsub.subscribe(TOPICS.relayState, (m) => void seen.push(m));
    world.current.streams[0]!.push({ jsonMessage: { message: { ...relayState, since: 'yesterday' } } });
    await flushMicrotasks();
    expect(seen).toEqual([]);
    const entry = logger.entries.find((e) => e.event === 'ipc.message.dropped');
    expect(entry?.fields).toMatchObject({ topic: 'matchday/relay/state', path: 'since' });
  });

  it('drops a request without a usable id, logging the path', async () => {
    const { world, adapter, logger } = await connected();
    const seen: unknown[] = [];
    await adapter.pubsub.subscribe(TOPICS.relayTest, (m) => void seen.push(m));
    world.current.streams[0]!.push({ jsonMessage: { message: { durationS: 5 } } });
    await flushMicrotasks();
    expect(seen).toEqual([]);
    expect(logger.entries.find((e) => e.event === 'ipc.message.dropped')?.fields).toMatchObject({
      path: 'id',
    });
  });

  it('hands a request with bad arguments to the handler as an InvalidRequest with INVALID_ARGS', async () => {
    const { world, adapter } = await connected();
    const seen: unknown[] = [];
    await adapter.pubsub.subscribe(TOPICS.relayTest, (m) => void seen.push(m));
    world.current.streams[0]!.push({ jsonMessage: { message: { id: 'r-1', durationS: 0 } } });
    await flushMicrotasks();
    const request = seen[0] as InvalidRequest;
    expect(request).toMatchObject({
      invalid: true,
      id: 'r-1',
      error: { code: 'INVALID_ARGS', path: 'durationS' },
    });
  });

  it('drops a binary message on a typed topic that is not JSON', async () => {
    const { world, adapter, logger } = await connected();
    await adapter.pubsub.subscribe(TOPICS.relayState, () => undefined);
    world.current.streams[0]!.push({ binaryMessage: { message: Buffer.from([0xff, 0x00]) } });
    await flushMicrotasks();
    expect(logger.entries.find((e) => e.event === 'ipc.message.dropped')?.fields).toMatchObject({
      path: '(root)',
    });
  });

  it('calls the handlers of one subscription one message at a time, in order', async () => {
    const { world, adapter } = await connected();
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    await adapter.pubsub.subscribeRaw('a/b', async (m) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      const n = String((m as { json: { n: number } }).json.n);
      log.push(`start ${n}`);
      await new Promise((r) => setImmediate(r));
      log.push(`end ${n}`);
      active -= 1;
    });
    for (const n of [1, 2, 3]) world.current.streams[0]!.push({ jsonMessage: { message: { n } } });
    await flushMicrotasks();
    expect(maxActive).toBe(1);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('drops messages beyond the queue limit while the handler is behind, and says how many', async () => {
    const { world, adapter, logger } = await connected({ maxQueued: 2 });
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await adapter.pubsub.subscribeRaw('a/b', async (m) => {
      await gate;
      seen.push((m as { json: { n: number } }).json.n);
    });
    for (const n of [1, 2, 3, 4]) world.current.streams[0]!.push({ jsonMessage: { message: { n } } });
    release();
    await flushMicrotasks();
    expect(seen).toEqual([1, 2]);
    expect(logger.entries.filter((e) => e.event === 'ipc.queue.full')).toHaveLength(1);
    expect(logger.entries.find((e) => e.event === 'ipc.queue.drained')?.fields).toMatchObject({ dropped: 2 });
    world.current.streams[0]!.push({ jsonMessage: { message: { n: 5 } } });
    await flushMicrotasks();
    expect(seen).toEqual([1, 2, 5]);
  });

  it('logs a handler failure and still delivers the next message', async () => {
    const { world, adapter, logger } = await connected();
    const seen: number[] = [];
    await adapter.pubsub.subscribeRaw('a/b', (m) => {
      const n = (m as { json: { n: number } }).json.n;
      if (n === 1) throw new Error('boom');
      seen.push(n);
    });
    world.current.streams[0]!.push({ jsonMessage: { message: { n: 1 } } });
    world.current.streams[0]!.push({ jsonMessage: { message: { n: 2 } } });
    await flushMicrotasks();
    expect(seen).toEqual([2]);
    expect(logger.entries.find((e) => e.event === 'ipc.handler.failed')?.fields).toMatchObject({
      subscription: 'topic a/b',
    });
  });

  it('fails a subscription the nucleus refuses with the mapped error and keeps nothing live', async () => {
    const { world, adapter } = await connected();
    world.activations.set('SubscribeToTopic', [
      rpcServiceError('UnauthorizedError', 'Principal x is not authorized'),
    ]);
    const error = await adapter.pubsub.subscribeRaw('secret/topic', () => undefined).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UnauthorizedError', retryable: false });
    expect(adapter.subscriptionCount).toBe(0);
    expect(world.current.streams[0]!.closed).toBe(true);
  });

  it('cancels an activation that hangs with a TimeoutError', async () => {
    const { world, adapter, clock } = await connected();
    world.activations.set('SubscribeToTopic', ['hang']);
    const result = adapter.pubsub.subscribeRaw('a/b', () => undefined).catch((e: unknown) => e);
    await flushMicrotasks();
    await clock.advance(2_000);
    expect(await result).toBeInstanceOf(TimeoutError);
    expect(world.current.streams[0]!.options?.cancelController?.hasBeenCancelled()).toBe(true);
  });
});

describe('GreengrassAdapter errors and timeouts', () => {
  it('cancels a call that hangs and rejects with a TimeoutError naming the operation', async () => {
    const { world, adapter, clock } = await connected();
    world.respond('PublishToTopic', () => new Promise(() => undefined));
    const result = adapter.pubsub.publishRaw('a/b', { json: {} }).catch((e: unknown) => e);
    await flushMicrotasks();
    await clock.advance(2_000);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ operation: 'PublishToTopic', timeoutMs: 2_000 });
    expect(world.current.calls[0]!.options?.cancelController?.hasBeenCancelled()).toBe(true);
  });

  it.each([
    ['ConflictError', false],
    ['UnauthorizedError', false],
    ['InvalidArgumentsError', false],
    ['ServiceError', true],
  ] as const)(
    'maps _errorCode %s to a GreengrassError with that code (retryable %s)',
    async (code, retryable) => {
      const { world, adapter } = await connected();
      const original = rpcServiceError(code, 'nope');
      world.respond('UpdateThingShadow', () => Promise.reject(original));
      const error = await adapter.shadows.update('t', 'matchday', { state: {} }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GreengrassError);
      expect(error).toMatchObject({ code, retryable });
      expect((error as Error).message).toContain('UpdateThingShadow');
      expect((error as Error).cause).toBe(original);
    },
  );

  it('maps an unmodeled _errorCode to Unknown, naming the code', async () => {
    const { world, adapter } = await connected();
    world.respond('UpdateState', () => Promise.reject(rpcServiceError('InvalidCredentialError', 'bad')));
    const error = await adapter.lifecycle.reportState('RUNNING').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'Unknown' });
    expect((error as Error).message).toContain('InvalidCredentialError');
  });

  it('maps a client-state error to a retryable Disconnected error', async () => {
    const { world, adapter } = await connected();
    world.respond('PublishToTopic', () => Promise.reject(rpcError(4, 'New streams may only be created…')));
    const error = await adapter.pubsub.publishRaw('a/b', { json: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'Disconnected', retryable: true });
  });
});

describe('GreengrassAdapter shadows, IoT Core, configuration and lifecycle', () => {
  const doc = { state: { reported: { light: 'off' } }, version: 3, timestamp: 1_767_225_600 };

  it('returns the parsed shadow document', async () => {
    const { world, adapter } = await connected();
    world.respond('GetThingShadow', async () => ({ payload: Buffer.from(JSON.stringify(doc)) }));
    expect(await adapter.shadows.get('t', 'matchday')).toEqual(doc);
    expect(world.current.calls[0]!.request).toEqual({ thingName: 't', shadowName: 'matchday' });
  });

  it('returns undefined for a shadow that does not exist', async () => {
    const { world, adapter } = await connected();
    world.respond('GetThingShadow', () =>
      Promise.reject(rpcServiceError('ResourceNotFoundError', 'No shadow')),
    );
    expect(await adapter.shadows.get('t', 'matchday')).toBeUndefined();
  });

  it('rejects a shadow payload that is not JSON with a ValidationError', async () => {
    const { world, adapter } = await connected();
    world.respond('GetThingShadow', async () => ({ payload: Buffer.from('<html>') }));
    await expect(adapter.shadows.get('t', 'matchday')).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('sends a shadow update as a JSON payload and returns the response document', async () => {
    const { world, adapter } = await connected();
    world.respond('UpdateThingShadow', async () => ({ payload: Buffer.from(JSON.stringify(doc)) }));
    const request = { state: { reported: { light: 'off' } }, version: 2 };
    expect(await adapter.shadows.update('t', 'matchday', request)).toEqual(doc);
    const sent = world.current.calls[0]!.request as { payload: string };
    expect(JSON.parse(sent.payload)).toEqual(request);
  });

  it('treats deleting a shadow that does not exist as done', async () => {
    const { world, adapter } = await connected();
    world.respond('DeleteThingShadow', () =>
      Promise.reject(rpcServiceError('ResourceNotFoundError', 'gone')),
    );
    await expect(adapter.shadows.delete('t', 'matchday')).resolves.toBeUndefined();
  });

  it('publishes to IoT Core with QoS 1 unless told otherwise', async () => {
    const { world, adapter } = await connected();
    await adapter.iotCore.publish('$aws/things/t/jobs/j1/update', '{"status":"SUCCEEDED"}');
    await adapter.iotCore.publish('dt/x', new Uint8Array([1]), 0);
    expect(world.current.calls.map((c) => c.request)).toEqual([
      { topicName: '$aws/things/t/jobs/j1/update', qos: '1', payload: '{"status":"SUCCEEDED"}' },
      { topicName: 'dt/x', qos: '0', payload: new Uint8Array([1]) },
    ]);
  });

  it('delivers IoT Core messages with their topic and payload bytes', async () => {
    const { world, adapter } = await connected();
    const seen: [string, string][] = [];
    await adapter.iotCore.subscribe(
      '$aws/things/t/jobs/#',
      (t, p) => void seen.push([t, Buffer.from(p).toString()]),
      0,
    );
    expect(world.current.calls[0]!.request).toEqual({ topicName: '$aws/things/t/jobs/#', qos: '0' });
    world.current.streams[0]!.push({
      message: { topicName: '$aws/things/t/jobs/notify', payload: Buffer.from('hi') },
    });
    await flushMicrotasks();
    expect(seen).toEqual([['$aws/things/t/jobs/notify', 'hi']]);
  });

  it('reads the whole configuration with an empty key path', async () => {
    const { world, adapter } = await connected();
    world.respond('GetConfiguration', async () => ({ componentName: 'c', value: { leaseS: 90 } }));
    expect(await adapter.config.get()).toEqual({ leaseS: 90 });
    expect(world.current.calls[0]!.request).toEqual({ keyPath: [] });
  });

  it('drops a configuration update event without a key path', async () => {
    const { world, adapter, logger } = await connected();
    const seen: unknown[] = [];
    await adapter.config.onChange((k) => void seen.push(k));
    world.current.streams[0]!.push({ configurationUpdateEvent: { componentName: 'c' } });
    await flushMicrotasks();
    expect(seen).toEqual([]);
    expect(logger.entries.find((e) => e.event === 'ipc.message.dropped')?.fields).toMatchObject({
      path: 'configurationUpdateEvent.keyPath',
    });
  });

  it('turns component update events into pre and post update events', async () => {
    const { world, adapter } = await connected();
    const seen: UpdateEvent[] = [];
    await adapter.lifecycle.onUpdate((e) => void seen.push(e));
    world.current.streams[0]!.push({ preUpdateEvent: { deploymentId: 'd-1', isGgcRestarting: false } });
    world.current.streams[0]!.push({ postUpdateEvent: { deploymentId: 'd-1' } });
    await flushMicrotasks();
    expect(seen).toEqual([
      { kind: 'pre', deploymentId: 'd-1', isGgcRestarting: false },
      { kind: 'post', deploymentId: 'd-1' },
    ]);
  });

  it('reports state and defers updates with the request shapes the nucleus expects', async () => {
    const { world, adapter } = await connected();
    await adapter.lifecycle.reportState('ERRORED');
    await adapter.lifecycle.deferUpdate('d-1', 60_000, 'alert active');
    expect(world.current.calls.map((c) => [c.operation, c.request])).toEqual([
      ['UpdateState', { state: 'ERRORED' }],
      ['DeferComponentUpdate', { deploymentId: 'd-1', recheckAfterMs: 60_000, message: 'alert active' }],
    ]);
  });
});
