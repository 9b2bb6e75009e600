import {
  ConflictException,
  DeleteThingShadowCommand,
  GetThingShadowCommand,
  InvalidRequestException,
  ListNamedShadowsForThingCommand,
  RequestEntityTooLargeException,
  ResourceNotFoundException,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import {
  callerWith,
  decodePayload,
  encodePayload,
  type ShadowStack,
  startShadowStack,
} from './shadow-stack.ts';

const THING = 'pi-office';
const SYNC_MATCHDAY = { synchronize: { coreThing: { classic: false, namedShadows: ['matchday'] } } };
const PREFIX = `$aws/things/${THING}/shadow/name/matchday`;

let stack: ShadowStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function ipcUpdate(s: ShadowStack, shadowName: string, payload: unknown) {
  const response = await s.ipc('UpdateThingShadow', {
    thingName: THING,
    shadowName,
    payload: encodePayload(payload),
  });
  return decodePayload(response.payload);
}

async function ipcError(promise: Promise<unknown>): Promise<{ errorCode: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { errorCode: string; message: string };
  }
  throw new Error('expected an IPC error');
}

async function cloudGet(s: ShadowStack, shadowName?: string) {
  const response = await s.dataPlane.send(
    new GetThingShadowCommand({ thingName: THING, ...(shadowName ? { shadowName } : {}) }),
  );
  return decodePayload(response.payload);
}

async function cloudUpdate(s: ShadowStack, shadowName: string, payload: unknown) {
  const response = await s.dataPlane.send(
    new UpdateThingShadowCommand({
      thingName: THING,
      shadowName,
      payload: Buffer.from(JSON.stringify(payload)),
    }),
  );
  return decodePayload(response.payload);
}

describe('ShadowManager IPC operations', () => {
  it('answers GetThingShadow with state, delta, metadata and version', async () => {
    stack = await startShadowStack({});
    await ipcUpdate(stack, 'matchday', { state: { desired: { a: 1 }, reported: { a: 0 } } });
    const doc = decodePayload(
      (await stack.ipc('GetThingShadow', { thingName: THING, shadowName: 'matchday' })).payload,
    );
    expect(doc).toMatchObject({
      state: { desired: { a: 1 }, reported: { a: 0 }, delta: { a: 1 } },
      metadata: { desired: { a: { timestamp: expect.any(Number) } } },
      version: 1,
    });
  });

  it('answers a missing shadow with ResourceNotFoundError naming the shadow', async () => {
    stack = await startShadowStack({});
    const error = await ipcError(stack.ipc('GetThingShadow', { thingName: THING, shadowName: 'nope' }));
    expect(error).toMatchObject({
      errorCode: 'ResourceNotFoundError',
      message: 'No shadow exists with name: nope',
      extra: { resourceType: 'shadow', resourceName: 'nope' },
    });
  });

  it('answers a version conflict with ConflictError and publishes a 409 rejection', async () => {
    stack = await startShadowStack({});
    await ipcUpdate(stack, 'matchday', { state: { reported: { a: 1 } } });
    const error = await ipcError(
      ipcUpdate(stack, 'matchday', { state: { reported: { a: 2 } }, version: 7, clientToken: 'c1' }),
    );
    expect(error).toMatchObject({ errorCode: 'ConflictError', message: 'Version conflict' });
    await new Promise((r) => setTimeout(r, 10));
    expect(stack.published.find((p) => p.topic === `${PREFIX}/update/rejected`)?.payload).toMatchObject({
      code: 409,
      message: 'Version conflict',
      clientToken: 'c1',
    });
  });

  it('answers an oversized document with InvalidArgumentsError and a 413 rejection', async () => {
    stack = await startShadowStack({ shadowDocumentSizeLimitBytes: 1024 });
    const error = await ipcError(
      ipcUpdate(stack, 'matchday', { state: { reported: { big: 'x'.repeat(1100) } } }),
    );
    expect(error).toMatchObject({
      errorCode: 'InvalidArgumentsError',
      message: 'The payload exceeds the maximum size allowed',
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(stack.published.find((p) => p.topic === `${PREFIX}/update/rejected`)?.payload).toMatchObject({
      code: 413,
    });
  });

  it('checks aws.greengrass.ShadowManager accessControl on the shadow topic prefix', async () => {
    stack = await startShadowStack({});
    const caller = callerWith([`aws.greengrass#GetThingShadow ${PREFIX}`]);
    const error = await ipcError(
      stack.ipc(
        'UpdateThingShadow',
        { thingName: THING, shadowName: 'matchday', payload: encodePayload({ state: {} }) },
        caller,
      ),
    );
    expect(error.errorCode).toBe('UnauthorizedError');
    expect(caller.checks).toEqual([
      `aws.greengrass.ShadowManager aws.greengrass#UpdateThingShadow ${PREFIX}`,
    ]);
    await stack.ipc('ListNamedShadowsForThing', { thingName: THING }, caller).catch(() => undefined);
    expect(caller.checks.at(-1)).toBe(
      `aws.greengrass.ShadowManager aws.greengrass#ListNamedShadowsForThing ${THING}`,
    );
  });

  it('publishes accepted, delta and documents on the local bus as binary messages', async () => {
    stack = await startShadowStack({});
    await ipcUpdate(stack, 'matchday', { state: { desired: { a: 1 } }, clientToken: 'tok' });
    await new Promise((r) => setTimeout(r, 10));
    const topics = stack.published.map((p) => `${p.topic} ${p.kind}`);
    expect(topics).toEqual(
      expect.arrayContaining([
        `${PREFIX}/update/accepted binary`,
        `${PREFIX}/update/delta binary`,
        `${PREFIX}/update/documents binary`,
      ]),
    );
    expect(stack.published.find((p) => p.topic.endsWith('/update/delta'))?.payload).toMatchObject({
      state: { a: 1 },
      clientToken: 'tok',
    });
  });

  it('executes requests published on the local shadow topics', async () => {
    stack = await startShadowStack({});
    stack.bus.publish(
      `${PREFIX}/update`,
      { json: { state: { reported: { light: 'on' } } } },
      'com.example.Test',
    );
    await new Promise((r) => setTimeout(r, 20));
    stack.bus.publish(`${PREFIX}/get`, { json: {} }, 'com.example.Test');
    await new Promise((r) => setTimeout(r, 20));
    expect(stack.published.find((p) => p.topic === `${PREFIX}/get/accepted`)?.payload).toMatchObject({
      state: { reported: { light: 'on' } },
      version: 1,
    });
  });

  it('keeps shadows across a restart', async () => {
    stack = await startShadowStack({});
    await ipcUpdate(stack, 'matchday', { state: { reported: { a: 1 } } });
    await stack.restartPlugin();
    const doc = decodePayload(
      (await stack.ipc('GetThingShadow', { thingName: THING, shadowName: 'matchday' })).payload,
    );
    expect(doc).toMatchObject({ state: { reported: { a: 1 } }, version: 1 });
  });

  it('lists named shadows in pages and answers an empty delete payload', async () => {
    stack = await startShadowStack({});
    for (const name of ['c', 'a', 'b']) await ipcUpdate(stack, name, { state: { reported: { x: 1 } } });
    await ipcUpdate(stack, '', { state: { reported: { classic: true } } });
    const first = await stack.ipc('ListNamedShadowsForThing', { thingName: THING, pageSize: 2 });
    expect(first.results).toEqual(['a', 'b']);
    const second = await stack.ipc('ListNamedShadowsForThing', {
      thingName: THING,
      pageSize: 2,
      nextToken: first.nextToken,
    });
    expect(second.results).toEqual(['c']);
    expect(await stack.ipc('DeleteThingShadow', { thingName: THING, shadowName: 'a' })).toEqual({
      payload: '',
    });
  });
});

describe('IoT data-plane shadow API', () => {
  it('serves Get, Update, Delete and List through @aws-sdk/client-iot-data-plane', async () => {
    stack = await startShadowStack({});
    const accepted = await cloudUpdate(stack, 'matchday', {
      state: { desired: { a: 1 } },
      clientToken: 'web-1',
    });
    expect(accepted).toMatchObject({ state: { desired: { a: 1 } }, version: 1, clientToken: 'web-1' });
    expect(await cloudGet(stack, 'matchday')).toMatchObject({
      state: { desired: { a: 1 }, delta: { a: 1 } },
      version: 1,
    });
    const list = await stack.dataPlane.send(new ListNamedShadowsForThingCommand({ thingName: THING }));
    expect(list.results).toEqual(['matchday']);
    const deleted = await stack.dataPlane.send(
      new DeleteThingShadowCommand({ thingName: THING, shadowName: 'matchday' }),
    );
    expect(decodePayload(deleted.payload)).toMatchObject({ version: 1 });
  });

  it('maps errors to the SDK exceptions AWS sends', async () => {
    stack = await startShadowStack({});
    await expect(cloudGet(stack, 'missing')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await cloudUpdate(stack, 'matchday', { state: { reported: { a: 1 } } });
    await expect(
      cloudUpdate(stack, 'matchday', { state: { reported: { a: 2 } }, version: 9 }),
    ).rejects.toBeInstanceOf(ConflictException);
    await expect(cloudUpdate(stack, 'matchday', { state: 'x' })).rejects.toBeInstanceOf(
      InvalidRequestException,
    );
    await expect(
      cloudUpdate(stack, 'matchday', { state: { reported: { big: 'x'.repeat(9000) } } }),
    ).rejects.toBeInstanceOf(RequestEntityTooLargeException);
  });
});

describe('shadow synchronisation', () => {
  it('syncs only the shadows listed in synchronize', async () => {
    stack = await startShadowStack(SYNC_MATCHDAY);
    await ipcUpdate(stack, 'matchday', { state: { reported: { a: 1 } } });
    await ipcUpdate(stack, 'private', { state: { reported: { b: 1 } } });
    await stack.synced();
    expect(await cloudGet(stack, 'matchday')).toMatchObject({ state: { reported: { a: 1 } } });
    await expect(cloudGet(stack, 'private')).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('brings a cloud edit to the local shadow, each side keeping its own version counter', async () => {
    stack = await startShadowStack(SYNC_MATCHDAY);
    await ipcUpdate(stack, 'matchday', { state: { reported: { a: 1 } } });
    await stack.synced();
    stack.thing.set(false);
    for (const a of [2, 3, 4]) await ipcUpdate(stack, 'matchday', { state: { reported: { a } } });
    stack.thing.set(true);
    await stack.synced();
    await cloudUpdate(stack, 'matchday', { state: { desired: { a: 5 } } });
    await stack.synced();
    const local = decodePayload(
      (await stack.ipc('GetThingShadow', { thingName: THING, shadowName: 'matchday' })).payload,
    );
    expect(local).toMatchObject({ state: { desired: { a: 5 }, reported: { a: 4 } }, version: 5 });
    expect(await cloudGet(stack, 'matchday')).toMatchObject({
      state: { desired: { a: 5 }, reported: { a: 4 } },
      version: 3,
    });
  });

  it('delivers edits made in the cloud while offline on reconnect, cloud winning desired and device winning reported', async () => {
    stack = await startShadowStack(SYNC_MATCHDAY);
    await ipcUpdate(stack, 'matchday', { state: { desired: { x: 0 }, reported: { r: 0 } } });
    await stack.synced();
    stack.thing.set(false);
    await cloudUpdate(stack, 'matchday', { state: { desired: { x: 'cloud' }, reported: { r: 'cloud' } } });
    await ipcUpdate(stack, 'matchday', { state: { desired: { x: 'local' }, reported: { r: 'local' } } });
    await stack.synced();
    expect((await cloudGet(stack, 'matchday')).state).toMatchObject({ desired: { x: 'cloud' } });
    stack.thing.set(true);
    await stack.synced();
    const local = decodePayload(
      (await stack.ipc('GetThingShadow', { thingName: THING, shadowName: 'matchday' })).payload,
    );
    expect(local.state).toMatchObject({ desired: { x: 'cloud' }, reported: { r: 'local' } });
    expect((await cloudGet(stack, 'matchday')).state).toMatchObject({
      desired: { x: 'cloud' },
      reported: { r: 'local' },
    });
  });

  it('keeps what remains to sync across a restart while offline', async () => {
    stack = await startShadowStack(SYNC_MATCHDAY);
    await ipcUpdate(stack, 'matchday', { state: { reported: { a: 1 } } });
    await stack.synced();
    stack.thing.set(false);
    await cloudUpdate(stack, 'matchday', { state: { desired: { snooze: 'x' } } });
    await stack.restartPlugin();
    stack.thing.set(true);
    await stack.synced();
    const local = decodePayload(
      (await stack.ipc('GetThingShadow', { thingName: THING, shadowName: 'matchday' })).payload,
    );
    expect(local.state).toMatchObject({ desired: { snooze: 'x' }, reported: { a: 1 } });
  });

  it('propagates a local delete to the cloud', async () => {
    stack = await startShadowStack(SYNC_MATCHDAY);
    await ipcUpdate(stack, 'matchday', { state: { reported: { a: 1 } } });
    await stack.synced();
    await stack.ipc('DeleteThingShadow', { thingName: THING, shadowName: 'matchday' });
    await stack.synced();
    await expect(cloudGet(stack, 'matchday')).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('cloud shadow topics on the IoT Core stand-in', () => {
  it('serves MQTT shadow requests and publishes accepted and delta for data-plane updates', async () => {
    stack = await startShadowStack({});
    const client = await mqtt.connectAsync(stack.brokerUrl, { clientId: 'device-1' });
    const received: { topic: string; payload: Record<string, unknown> }[] = [];
    client.on('message', (topic, payload) =>
      received.push({ topic, payload: JSON.parse(payload.toString()) }),
    );
    await client.subscribeAsync(`${PREFIX}/#`);
    try {
      await client.publishAsync(
        `${PREFIX}/update`,
        JSON.stringify({ state: { reported: { on: false } }, clientToken: 'dev' }),
      );
      await cloudUpdate(stack, 'matchday', { state: { desired: { on: true } } });
      const until = Date.now() + 5000;
      while (!received.some((m) => m.topic === `${PREFIX}/update/delta`) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const accepted = received.filter((m) => m.topic === `${PREFIX}/update/accepted`).map((m) => m.payload);
      expect(accepted).toContainEqual(
        expect.objectContaining({ state: { reported: { on: false } }, clientToken: 'dev' }),
      );
      expect(received.find((m) => m.topic === `${PREFIX}/update/delta`)?.payload).toMatchObject({
        state: { on: true },
      });
    } finally {
      await client.endAsync();
    }
  });
});
