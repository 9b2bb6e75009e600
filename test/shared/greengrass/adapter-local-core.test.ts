/**
 * The Greengrass adapter with the real aws-iot-device-sdk-v2 client against local-core's IPC server,
 * including the server going away and coming back on the same socket path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TOPICS } from '../../../components/shared/contracts/index.ts';
import { ConfigError } from '../../../components/shared/errors.ts';
import { GreengrassAdapter } from '../../../components/shared/greengrass/greengrass-adapter.ts';
import { createSdkClientFactory } from '../../../components/shared/greengrass/sdk-client.ts';
import type { RawMessage, UpdateEvent } from '../../../components/shared/ports/index.ts';
import { runComponentWith, type StopSignal } from '../../../components/shared/runtime/run-component.ts';
import { SystemClock } from '../../../components/shared/runtime/system-clock.ts';
import { createIpcServer, type IpcServer } from '../../../local-core/src/ipc/server.ts';
import { createConfigStore } from '../../../local-core/src/nucleus/config-store.ts';
import { MemoryFileSystem, RecordingLogger } from '../../fakes/index.ts';

const PUBSUB = 'aws.greengrass.ipc.pubsub';
const MQTT = 'aws.greengrass.ipc.mqttproxy';
const pubsubPolicy = (component: string) => ({
  [PUBSUB]: { [`${component}:pubsub:1`]: { operations: ['*'], resources: ['*'] } },
  [MQTT]: { [`${component}:mqttproxy:1`]: { operations: ['*'], resources: ['*'] } },
});

/** The IoT Core stand-in: records subscriptions so a test can deliver cloud messages to them. */
class FakeIotCore {
  readonly listeners = new Set<{ filter: string; listener: (topic: string, payload: Uint8Array) => void }>();
  subscribeCalls = 0;
  async publish(): Promise<void> {}
  async subscribe(filter: string, _qos: 0 | 1, listener: (topic: string, payload: Uint8Array) => void) {
    this.subscribeCalls += 1;
    const entry = { filter, listener };
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }
  deliver(filter: string, topic: string, payload: string): void {
    for (const entry of this.listeners)
      if (entry.filter === filter) entry.listener(topic, Buffer.from(payload));
  }
}
const relayState = { on: true, since: '2026-03-29T12:00:00.000Z', driver: 'simulated', healthy: true };

interface Core {
  readonly socketPath: string;
  readonly config: ReturnType<typeof createConfigStore>;
  readonly states: { component: string; state: string }[];
  readonly iot: FakeIotCore;
  server: IpcServer;
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/** A local-core IPC server whose config and state survive restarts of the server. */
function localCore(): Core {
  const dir = mkdtempSync(join(tmpdir(), 'gg-adapter-'));
  const socketPath = join(dir, 's');
  const config = createConfigStore();
  const states: { component: string; state: string }[] = [];
  const iot = new FakeIotCore();
  const make = () =>
    createIpcServer({
      socketPath,
      thingName: 'office-pi',
      authenticate: (token) => (token.startsWith('TOKEN-') ? token.slice('TOKEN-'.length) : undefined),
      config,
      lifecycle: { reportState: (component, state) => void states.push({ component, state }) },
      iotCore: iot,
      interpolateComponentConfiguration: false,
      log: () => undefined,
    });
  const core: Core = {
    socketPath,
    config,
    states,
    iot,
    server: make(),
    start: async () => {
      await core.server.listen();
    },
    stop: async () => {
      await core.server.close();
      core.server = make();
    },
    dispose: async () => {
      await core.server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return core;
}

function adapterFor(core: Core, component: string, logger = new RecordingLogger()) {
  const adapter = new GreengrassAdapter({
    clientFactory: createSdkClientFactory({ socketPath: core.socketPath, authToken: `TOKEN-${component}` }),
    clock: new SystemClock(),
    logger,
    connectTimeoutMs: 2_000,
    operationTimeoutMs: 5_000,
    reconnectBaseMs: 50,
    reconnectMaxMs: 400,
  });
  return { adapter, logger };
}

function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const value = probe();
      if (value !== undefined) resolve(value);
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('GreengrassAdapter with the real SDK client against local-core', () => {
  it('exchanges typed, invalid and binary messages between two components', async () => {
    const core = localCore();
    cleanups.push(() => core.dispose());
    core.config.replace('Alice', { accessControl: pubsubPolicy('Alice') });
    core.config.replace('Bob', { accessControl: pubsubPolicy('Bob') });
    await core.start();
    const alice = adapterFor(core, 'Alice');
    const bob = adapterFor(core, 'Bob');
    cleanups.push(
      () => alice.adapter.close(),
      () => bob.adapter.close(),
    );
    await alice.adapter.connect();
    await bob.adapter.connect();

    const typed: unknown[] = [];
    const raw: [RawMessage, string][] = [];
    await bob.adapter.pubsub.subscribe(TOPICS.relayState, (m) => void typed.push(m));
    await bob.adapter.pubsub.subscribeRaw('raw/#', (m, t) => void raw.push([m, t]), 'all');

    await alice.adapter.pubsub.publishRaw(TOPICS.relayState.name, { json: { ...relayState, driver: '' } });
    await alice.adapter.pubsub.publish(TOPICS.relayState, relayState);
    await alice.adapter.pubsub.publishRaw('raw/bytes', { binary: new Uint8Array([0, 1, 255]) });

    await waitFor(() => (typed.length === 1 && raw.length === 1 ? true : undefined), 'deliveries');
    expect(typed).toEqual([relayState]);
    const [message, topic] = raw[0]!;
    expect(topic).toBe('raw/bytes');
    expect('binary' in message && [...message.binary]).toEqual([0, 1, 255]);
    expect(bob.logger.entries.find((e) => e.event === 'ipc.message.dropped')?.fields).toMatchObject({
      topic: 'matchday/relay/state',
      path: 'driver',
    });
  });

  it('maps a denied publish to UnauthorizedError', async () => {
    const core = localCore();
    cleanups.push(() => core.dispose());
    core.config.replace('Mallory', {});
    await core.start();
    const mallory = adapterFor(core, 'Mallory');
    cleanups.push(() => mallory.adapter.close());
    await mallory.adapter.connect();
    await expect(mallory.adapter.pubsub.publish(TOPICS.relayState, relayState)).rejects.toMatchObject({
      name: 'GreengrassError',
      code: 'UnauthorizedError',
    });
  });

  it('reconnects after the server restarts on the same socket and keeps every subscription', async () => {
    const core = localCore();
    cleanups.push(() => core.dispose());
    core.config.replace('Alice', { accessControl: pubsubPolicy('Alice') });
    core.config.replace('Bob', { accessControl: pubsubPolicy('Bob'), leaseS: 90 });
    await core.start();
    const alice = adapterFor(core, 'Alice');
    const bob = adapterFor(core, 'Bob');
    cleanups.push(
      () => alice.adapter.close(),
      () => bob.adapter.close(),
    );
    await alice.adapter.connect();
    await bob.adapter.connect();

    const typed: unknown[] = [];
    const keyPaths: (readonly string[])[] = [];
    const cloud: [string, string][] = [];
    const updates: UpdateEvent[] = [];
    await bob.adapter.pubsub.subscribe(TOPICS.relayState, (m) => void typed.push(m));
    await bob.adapter.config.onChange((k) => void keyPaths.push(k));
    await bob.adapter.iotCore.subscribe('jobs/#', (t, p) => void cloud.push([t, Buffer.from(p).toString()]));
    await bob.adapter.lifecycle.onUpdate((e) => void updates.push(e));
    expect(core.iot.subscribeCalls).toBe(1);

    await core.stop();
    await waitFor(
      () => (bob.logger.events().includes('ipc.disconnected') ? true : undefined),
      'disconnection',
    );
    expect(bob.adapter.connected).toBe(false);
    // Give the backoff a few failed attempts against the missing socket.
    await waitFor(
      () => (bob.logger.events().includes('ipc.reconnect.failed') ? true : undefined),
      'failed retry',
    );

    await core.start();
    await waitFor(
      () => (bob.logger.events().includes('ipc.reconnected') ? true : undefined),
      'Bob reconnect',
    );
    await waitFor(
      () => (alice.logger.events().includes('ipc.reconnected') ? true : undefined),
      'Alice reconnect',
    );

    await alice.adapter.pubsub.publish(TOPICS.relayState, { ...relayState, on: false });
    await waitFor(() => (typed.length === 1 ? true : undefined), 'message after reconnect');
    expect(typed).toEqual([{ ...relayState, on: false }]);

    core.config.replace('Bob', { accessControl: pubsubPolicy('Bob'), leaseS: 120 });
    await waitFor(() => (keyPaths.length > 0 ? true : undefined), 'configuration update after reconnect');
    expect(await bob.adapter.config.get()).toMatchObject({ leaseS: 120 });

    expect(core.iot.subscribeCalls).toBe(2);
    core.iot.deliver('jobs/#', 'jobs/notify', 'hello');
    await waitFor(() => (cloud.length > 0 ? true : undefined), 'IoT Core message after reconnect');
    expect(cloud).toEqual([['jobs/notify', 'hello']]);

    core.server.updates.notifyPostUpdate('deployment-2');
    await waitFor(() => (updates.length > 0 ? true : undefined), 'component update after reconnect');
    expect(updates).toEqual([{ kind: 'post', deploymentId: 'deployment-2' }]);
  });
});

describe('runComponentWith over the real client', () => {
  class Signals {
    handler: ((signal: StopSignal) => void) | undefined;
    onSignal(handler: (signal: StopSignal) => void) {
      this.handler = handler;
    }
    onFatal() {}
  }

  const definition = {
    name: 'Demo',
    parseConfig(raw: unknown) {
      const leaseS = (raw as { leaseS?: unknown }).leaseS;
      if (typeof leaseS !== 'number')
        throw new ConfigError('leaseS', `expected a number, got \`${String(leaseS)}\``);
      return { leaseS };
    },
    create: () => ({ start: async () => undefined, stop: async () => undefined }),
  };

  async function run(core: Core) {
    const logger = new RecordingLogger();
    const { adapter } = adapterFor(core, 'Demo', logger);
    cleanups.push(() => adapter.close());
    const signals = new Signals();
    const exits: number[] = [];
    const running = await runComponentWith(definition, {
      ipc: adapter,
      clock: new SystemClock(),
      logger,
      fs: new MemoryFileSystem(),
      thingName: 'office-pi',
      workDir: '/tmp',
      exit: (code) => void exits.push(code),
      signals,
    });
    return { running, signals, exits, logger };
  }

  it('reports RUNNING to the nucleus, then stops and closes on SIGTERM', async () => {
    const core = localCore();
    cleanups.push(() => core.dispose());
    core.config.replace('Demo', { leaseS: 90, accessControl: pubsubPolicy('Demo') });
    await core.start();
    const { running, signals } = await run(core);
    expect(core.states).toEqual([{ component: 'Demo', state: 'RUNNING' }]);
    signals.handler?.('SIGTERM');
    expect(await running.exited).toBe(0);
  });

  it('reports ERRORED to the nucleus and exits 78 on an invalid configuration', async () => {
    const core = localCore();
    cleanups.push(() => core.dispose());
    core.config.replace('Demo', { leaseS: 'long', accessControl: pubsubPolicy('Demo') });
    await core.start();
    const { running } = await run(core);
    expect(await running.exited).toBe(78);
    expect(core.states).toEqual([{ component: 'Demo', state: 'ERRORED' }]);
  });
});
