import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'aws-crt';
import { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationSpec } from '../../../local-core/src/ipc/operation.ts';
import { RpcConnection } from '../../../local-core/src/ipc/rpc-connection.ts';

/** A bare RpcConnection host serving one streaming operation, to drive stream behaviour the built-ins never use. */
async function hostServing(operation: string, spec: OperationSpec) {
  const dir = mkdtempSync(join(tmpdir(), 'lc-rpc-'));
  const socketPath = join(dir, 's');
  const server = createServer((socket) => {
    new RpcConnection(socket, {
      maxMessageBytes: 1 << 20,
      authenticate: (token) => (token === 'OK' ? 'Comp' : undefined),
      lookup: (name) => (name === operation ? { kind: 'served', spec } : { kind: 'unknown' }),
      makeCaller: (component) => ({ component, authorize: () => {}, authorizeNullable: () => {} }),
      log: () => {},
      onClosed: () => {},
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const client = greengrasscoreipc.createClient({
    hostName: socketPath,
    port: 0,
    socketOptions: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.LOCAL),
    connectTransform: async ({ message }) => ({ ...message, payload: JSON.stringify({ authToken: 'OK' }) }),
  });
  await client.connect();
  return {
    client,
    async close() {
      await client.close();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('RpcConnection streams with the real client', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('sends events emitted before the response only after it, in order', async () => {
    const host = await hostServing('aws.greengrass#SubscribeToTopic', {
      eventShape: 'SubscriptionResponseMessage',
      handle(_request, context) {
        context.emit({ jsonMessage: { message: { n: 1 }, context: { topic: 't' } } });
        context.emit({ jsonMessage: { message: { n: 2 }, context: { topic: 't' } } });
        return {};
      },
    });
    cleanup = host.close;
    const seen: unknown[] = [];
    const operation = host.client.subscribeToTopic({ topic: 't' });
    operation.on('message', (message) => seen.push(message.jsonMessage?.message));
    await expect(operation.activate()).resolves.toEqual({});
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('closes a stream from the server side so the client sees streamError and ended, and runs cleanups', async () => {
    let cleaned = false;
    const host = await hostServing('aws.greengrass#SubscribeToTopic', {
      eventShape: 'SubscriptionResponseMessage',
      handle(_request, context) {
        context.onClose(() => {
          cleaned = true;
        });
        setTimeout(() => context.closeStream(), 20);
        return {};
      },
    });
    cleanup = host.close;
    const events: string[] = [];
    const operation = host.client.subscribeToTopic({ topic: 't' });
    operation.on('streamError', () => events.push('streamError'));
    operation.on('ended', () => events.push('ended'));
    await operation.activate();
    await new Promise((resolve) => setTimeout(resolve, 150));
    // aws-crt 1.33.1 emits them in either order ('ended' first in practice).
    expect([...events].sort()).toEqual(['ended', 'streamError']);
    expect(cleaned).toBe(true);
  });
});
