import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeMessage,
  intHeader,
  MessageType,
  stringHeader,
} from '../../../local-core/src/ipc/frame-codec.ts';
import { type Harness, policy, startHarness } from './ipc-harness.ts';
import { bodyText, header, RawClient } from './raw-client.ts';

describe('eventstream RPC protocol rules', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ maxMessageBytes: 4096 });
    harness.config.replace('Steady', { ...policy('aws.greengrass.ipc.pubsub', ['*'], ['*']), level: 1 });
  });
  afterAll(() => harness.close());

  it('rejects a bad auth token with a CONNECT_ACK without the accepted flag and closes', async () => {
    const error = await harness.connectWithToken('WRONG').catch((e: unknown) => e);
    expect(error).toMatchObject({ description: expect.stringContaining('invalid connack') });
    const raw = await RawClient.open(harness.socketPath);
    const ack = await raw.handshake('WRONG');
    expect([header(ack, ':message-type'), header(ack, ':message-flags')]).toEqual([
      MessageType.ConnectAck,
      0,
    ]);
    await raw.closed;
  });

  it('accepts a valid token with CONNECT_ACK flags 1 on stream 0', async () => {
    const raw = await RawClient.open(harness.socketPath);
    const ack = await raw.handshake('TOKEN-Steady');
    expect([header(ack, ':message-type'), header(ack, ':message-flags'), header(ack, ':stream-id')]).toEqual([
      MessageType.ConnectAck,
      1,
      0,
    ]);
    raw.destroy();
  });

  it('answers a message sent before CONNECT with PROTOCOL_ERROR and closes', async () => {
    const raw = await RawClient.open(harness.socketPath);
    raw.send(MessageType.Ping, 0, 0);
    const reply = await raw.next();
    expect(header(reply, ':message-type')).toBe(MessageType.ProtocolError);
    expect(header(reply, ':content-type')).toBe('application/json');
    expect(JSON.parse(bodyText(reply)).message).toMatch(/^A CONNECT message must be received/);
    await raw.closed;
  });

  it('answers PING with PING_RESPONSE echoing payload and application headers', async () => {
    const raw = await RawClient.open(harness.socketPath);
    await raw.handshake('TOKEN-Steady');
    raw.send(MessageType.Ping, 0, 0, { 'x-probe': stringHeader('p1') }, 'ping-body');
    const pong = await raw.next();
    expect([header(pong, ':message-type'), header(pong, 'x-probe'), bodyText(pong)]).toEqual([
      MessageType.PingResponse,
      'p1',
      'ping-body',
    ]);
    raw.destroy();
  });

  it('refuses a new stream id that skips ahead', async () => {
    const raw = await RawClient.open(harness.socketPath);
    await raw.handshake('TOKEN-Steady');
    raw.send(
      MessageType.ApplicationMessage,
      0,
      2,
      { operation: stringHeader('aws.greengrass#GetConfiguration') },
      '{}',
    );
    const reply = await raw.next();
    expect(header(reply, ':message-type')).toBe(MessageType.ProtocolError);
    expect(JSON.parse(bodyText(reply)).message).toMatch(/incremented by more than 1/);
    await raw.closed;
  });

  it('refuses a message without the RPC headers', async () => {
    const raw = await RawClient.open(harness.socketPath);
    raw.sendBytes(encodeMessage({ ':message-type': intHeader(MessageType.Connect) }, new Uint8Array(0)));
    const reply = await raw.next();
    expect(JSON.parse(bodyText(reply)).message).toMatch(/missing required fields/);
    await raw.closed;
  });

  it('answers an operation outside the service model as the nucleus does, keeping the connection', async () => {
    const raw = await RawClient.open(harness.socketPath);
    await raw.handshake('TOKEN-Steady');
    raw.send(
      MessageType.ApplicationMessage,
      0,
      1,
      { operation: stringHeader('aws.greengrass#DoMagic') },
      '{}',
    );
    const reply = await raw.next();
    expect([
      header(reply, ':message-type'),
      header(reply, ':message-flags'),
      header(reply, 'service-model-type'),
    ]).toEqual([MessageType.ApplicationError, 2, undefined]);
    expect(JSON.parse(bodyText(reply))).toEqual({
      error: 'Unsupported Operation',
      message: 'aws.greengrass#DoMagic is an unsupported operation.',
    });
    raw.send(
      MessageType.ApplicationMessage,
      0,
      2,
      { operation: stringHeader('aws.greengrass#GetConfiguration') },
      '{"keyPath":["level"]}',
    );
    const config = await raw.next();
    expect([header(config, 'service-model-type'), JSON.parse(bodyText(config))]).toEqual([
      'aws.greengrass#GetConfigurationResponse',
      { componentName: 'Steady', value: { level: 1 } },
    ]);
    raw.destroy();
  });

  it('answers a modeled operation nobody serves with ServiceError "not supported by Greengrass"', async () => {
    const client = await harness.connect('Steady');
    const error = await client.getSecretValue({ secretId: 's' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      serviceError: {
        _errorCode: 'ServiceError',
        message: 'Operation aws.greengrass#GetSecretValue is not supported by Greengrass',
      },
    });
  });

  it('serves a plugin operation with caller authorization, and maps a plugin crash to InternalServerError', async () => {
    harness.config.replace(
      'Shadowy',
      policy(
        'aws.greengrass.ShadowManager',
        ['aws.greengrass#GetThingShadow'],
        ['$aws/things/thing-1/shadow'],
      ),
    );
    harness.server.operations.register('GetThingShadow', async (request, caller) => {
      if (request.thingName === 'boom') throw new Error('kaput');
      caller.authorize(
        'aws.greengrass.ShadowManager',
        'GetThingShadow',
        `$aws/things/${String(request.thingName)}/shadow`,
      );
      return { payload: Buffer.from('{"state":{}}') };
    });
    try {
      const client = await harness.connect('Shadowy');
      const reply = await client.getThingShadow({ thingName: 'thing-1' });
      expect(Buffer.from(reply.payload as ArrayBuffer).toString('utf8')).toBe('{"state":{}}');
      const denied = await client.getThingShadow({ thingName: 'thing-2' }).catch((e: unknown) => e);
      expect(denied).toMatchObject({ serviceError: { _errorCode: 'UnauthorizedError' } });
      const crashed = await client.getThingShadow({ thingName: 'boom' }).catch((e: unknown) => e);
      expect(crashed).toMatchObject({
        type: 3,
        description: expect.stringContaining("Plain text payload is: 'InternalServerError'"),
      });
    } finally {
      harness.server.operations.unregister('GetThingShadow');
    }
  });

  describe('bad frames close only the offending connection', () => {
    async function expectProtocolErrorThenClose(bytes: Uint8Array, reason: RegExp) {
      const steady = await harness.connect('Steady');
      const raw = await RawClient.open(harness.socketPath);
      await raw.handshake('TOKEN-Steady');
      raw.sendBytes(bytes);
      const reply = await raw.next();
      expect(header(reply, ':message-type')).toBe(MessageType.ProtocolError);
      expect(JSON.parse(bodyText(reply)).message).toMatch(reason);
      await raw.closed;
      await expect(steady.getConfiguration({ keyPath: ['level'] })).resolves.toMatchObject({
        value: { level: 1 },
      });
    }

    const valid = () =>
      Buffer.from(
        encodeMessage(
          {
            operation: stringHeader('aws.greengrass#GetConfiguration'),
            ':message-type': intHeader(0),
            ':message-flags': intHeader(0),
            ':stream-id': intHeader(1),
          },
          Buffer.from('{"keyPath":[]}'),
        ),
      );

    it('answers a frame with a corrupted message CRC with PROTOCOL_ERROR', async () => {
      const frame = valid();
      frame[frame.length - 6] = (frame[frame.length - 6] as number) ^ 0xff;
      await expectProtocolErrorThenClose(frame, /checksum/);
    });

    it('answers garbage bytes with PROTOCOL_ERROR', async () => {
      await expectProtocolErrorThenClose(
        Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
        /prelude checksum/,
      );
    });

    it('answers a frame larger than the limit with PROTOCOL_ERROR before reading its body', async () => {
      const prelude = Buffer.alloc(12);
      prelude.writeUInt32BE(10_000, 0);
      prelude.writeUInt32BE(0, 4);
      prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
      await expectProtocolErrorThenClose(prelude, /exceeds the maximum of 4096 bytes/);
    });

    it('answers a header of unknown type with PROTOCOL_ERROR', async () => {
      const frame = valid();
      // First header is "operation": the type byte follows its 1-byte length and 9-byte name.
      frame[12 + 1 + 'operation'.length] = 42;
      const fixed = Buffer.from(frame);
      fixed.writeUInt32BE(crc32(fixed.subarray(0, fixed.length - 4)), fixed.length - 4);
      await expectProtocolErrorThenClose(fixed, /unknown header value type 42/);
    });
  });

  it('listens over a stale socket file and leaves the socket readable and writable by everyone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-stale-'));
    const socketPath = join(dir, 's');
    writeFileSync(socketPath, 'stale');
    const local = await startHarness({ socketPath });
    try {
      expect(statSync(socketPath).isSocket()).toBe(true);
      expect(statSync(socketPath).mode & 0o777).toBe(0o666);
    } finally {
      await local.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends open subscriptions with a disconnection when the server closes', async () => {
    const local = await startHarness();
    local.config.replace('Leaver', policy('aws.greengrass.ipc.pubsub', ['*'], ['*']));
    const client = await local.connect('Leaver');
    const events: string[] = [];
    client.on('disconnection', () => events.push('disconnection'));
    const operation = client.subscribeToTopic({ topic: 'a' });
    operation.on('ended', () => events.push('ended'));
    await operation.activate();
    await local.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).toContain('disconnection');
    expect(events).toContain('ended');
  });
});
