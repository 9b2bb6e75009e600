/**
 * Starts local-core's IPC server on a short socket path with in-memory collaborators, and connects the
 * real aws-iot-device-sdk-v2 client to it with a chosen SVCUID token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'aws-crt';
import { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import {
  createIpcServer,
  type IpcServer,
  type IpcServerOptions,
} from '../../../local-core/src/ipc/server.ts';
import { createConfigStore } from '../../../local-core/src/nucleus/config-store.ts';
import type { IotCoreLink } from '../../../local-core/src/nucleus/services.ts';

export type IpcClient = greengrasscoreipc.Client;

/** IotCoreLink double: records publishes, lets a test deliver cloud messages to subscribers. */
export class InMemoryIotCore implements IotCoreLink {
  readonly published: Array<{ topic: string; payload: Buffer; qos: 0 | 1; retain: boolean }> = [];
  readonly subscriptions = new Map<string, Set<(topic: string, payload: Uint8Array) => void>>();
  failPublishWith: Error | undefined;

  async publish(topic: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): Promise<void> {
    if (this.failPublishWith) throw this.failPublishWith;
    this.published.push({ topic, payload: Buffer.from(payload), qos, retain });
  }

  async subscribe(filter: string, _qos: 0 | 1, listener: (topic: string, payload: Uint8Array) => void) {
    let set = this.subscriptions.get(filter);
    if (!set) {
      set = new Set();
      this.subscriptions.set(filter, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.subscriptions.delete(filter);
    };
  }

  /** What the cloud would send on `topic` to the subscription `filter`. */
  deliver(filter: string, topic: string, payload: string): void {
    for (const listener of this.subscriptions.get(filter) ?? []) listener(topic, Buffer.from(payload));
  }
}

export interface Harness {
  readonly server: IpcServer;
  readonly socketPath: string;
  readonly config: ReturnType<typeof createConfigStore>;
  readonly iotCore: InMemoryIotCore;
  readonly states: Array<{ component: string; state: string }>;
  readonly logs: Array<{ event: string; fields?: Record<string, unknown> }>;
  /** Token `TOKEN-<component>` authenticates as `<component>`. */
  connect(component: string): Promise<IpcClient>;
  connectWithToken(token: string): Promise<IpcClient>;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<IpcServerOptions> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'lc-ipc-'));
  const socketPath = overrides.socketPath ?? join(dir, 's');
  const config = createConfigStore();
  const iotCore = new InMemoryIotCore();
  const states: Array<{ component: string; state: string }> = [];
  const logs: Array<{ event: string; fields?: Record<string, unknown> }> = [];
  const clients = new Set<IpcClient>();
  const server = createIpcServer({
    socketPath,
    thingName: 'thing-1',
    authenticate: (token) => (token.startsWith('TOKEN-') ? token.slice('TOKEN-'.length) : undefined),
    config,
    lifecycle: { reportState: (component, state) => states.push({ component, state }) },
    iotCore,
    interpolateComponentConfiguration: false,
    log: (event, fields) => logs.push(fields ? { event, fields } : { event }),
    ...overrides,
  });
  await server.listen();

  async function connectWithToken(token: string): Promise<IpcClient> {
    const client = greengrasscoreipc.createClient({
      hostName: socketPath,
      port: 0,
      socketOptions: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.LOCAL),
      connectTransform: async ({ message }) => ({
        ...message,
        payload: JSON.stringify({ authToken: token }),
      }),
    });
    clients.add(client);
    await client.connect();
    return client;
  }

  return {
    server,
    socketPath,
    config,
    iotCore,
    states,
    logs,
    connect: (component) => connectWithToken(`TOKEN-${component}`),
    connectWithToken,
    async close() {
      for (const client of clients) await client.close().catch(() => {});
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** accessControl granting `operations` on `resources` of `service`. */
export function policy(service: string, operations: string[], resources: string[]): Record<string, unknown> {
  return { accessControl: { [service]: { [`${service}:test:1`]: { operations, resources } } } };
}

export function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const value = probe();
      if (value !== undefined) resolve(value);
      else if (Date.now() - started > timeoutMs) reject(new Error('timed out waiting'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}
