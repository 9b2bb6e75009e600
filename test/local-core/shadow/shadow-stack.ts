/**
 * ShadowManager and the cloud shadow service in-process, on local-core's real local bus, MQTT broker
 * and cloud API server, with a thing whose cloud connection the test switches, and an
 * @aws-sdk/client-iot-data-plane client pointed at the API. IPC operations are called directly with a
 * caller whose accessControl the test sets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { type ApiServer, startApiServer } from '../../../local-core/src/cloud/api-server.ts';
import { type RunningBroker, startBroker } from '../../../local-core/src/cloud/broker.ts';
import { createLocalBus, type IpcLocalBus } from '../../../local-core/src/ipc/local-bus.ts';
import type {
  IpcCaller,
  IpcOperationHandler,
  OperationRegistry,
  ThingCloud,
} from '../../../local-core/src/nucleus/services.ts';
import {
  type CloudShadowService,
  createCloudShadowService,
} from '../../../local-core/src/shadow/cloud-shadows.ts';
import {
  createShadowManagerPlugin,
  type ShadowManagerPlugin,
} from '../../../local-core/src/shadow/shadow-manager.ts';

export class SwitchableThing implements ThingCloud {
  readonly thingGroups: readonly string[] = [];
  private online = true;
  private readonly listeners = new Set<(online: boolean) => void>();
  constructor(readonly thingName: string) {}
  isOnline(): boolean {
    return this.online;
  }
  onConnectivityChange(listener: (online: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(online: boolean): void {
    this.online = online;
    for (const listener of this.listeners) listener(online);
  }
}

/** A caller allowed exactly the (operation, resource) pairs in `grants` (`*` = everything). */
export function callerWith(grants: readonly string[] | '*'): IpcCaller & { checks: string[] } {
  const checks: string[] = [];
  return {
    component: 'com.example.Test',
    checks,
    authorize(service, operation, resource) {
      checks.push(`${service} ${operation} ${resource}`);
      if (grants !== '*' && !grants.includes(`${operation} ${resource}`)) {
        throw Object.assign(
          new Error(
            `Principal com.example.Test is not authorized to perform ${service}:${operation} on resource ${resource}`,
          ),
          {
            errorCode: 'UnauthorizedError',
          },
        );
      }
    },
  };
}

export interface ShadowStack {
  readonly thing: SwitchableThing;
  readonly bus: IpcLocalBus;
  readonly plugin: ShadowManagerPlugin;
  readonly cloud: CloudShadowService;
  readonly dataPlane: IoTDataPlaneClient;
  readonly rootDir: string;
  /** The IoT Core stand-in's MQTT URL. */
  readonly brokerUrl: string;
  /** Calls an IPC operation as `caller` (default: allowed everything). */
  ipc(
    operation: string,
    request: Record<string, unknown>,
    caller?: IpcCaller,
  ): Promise<Record<string, unknown>>;
  /** Local bus messages published by ShadowManager, decoded. */
  readonly published: { topic: string; kind: 'json' | 'binary'; payload: Record<string, unknown> }[];
  /** Restarts the plugin on the same root (as a local-core restart does). */
  restartPlugin(): Promise<void>;
  /** Waits for queued synchronisations. */
  synced(): Promise<void>;
  close(): Promise<void>;
}

export async function startShadowStack(
  config: Record<string, unknown>,
  thingName = 'pi-office',
): Promise<ShadowStack> {
  const rootDir = mkdtempSync(join(tmpdir(), 'shadow-root-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'shadow-cloud-'));
  const broker: RunningBroker = await startBroker(0);
  const api: ApiServer = await startApiServer(0, () => undefined);
  const thing = new SwitchableThing(thingName);
  const cloud = createCloudShadowService();
  await cloud.start({
    things: new Map([[thingName, thing]]),
    broker: broker.cloud,
    route: (method, pattern, handler) => api.route(method, pattern, handler),
    timeScale: 1,
    stateDir,
    log: () => undefined,
  });
  const bus = createLocalBus();
  const handlers = new Map<string, IpcOperationHandler>();
  const operations: OperationRegistry = {
    register: (operation, handler) => void handlers.set(operation, handler),
    unregister: (operation) => void handlers.delete(operation),
  };
  const published: ShadowStack['published'] = [];
  bus.subscribe(
    '$aws/things/#',
    (topic, message) => {
      const kind = 'json' in message ? 'json' : 'binary';
      const payload =
        'json' in message ? message.json : JSON.parse(Buffer.from(message.binary).toString('utf8'));
      published.push({ topic, kind, payload: payload as Record<string, unknown> });
    },
    'test-observer',
  );
  const startPlugin = async () => {
    const plugin = createShadowManagerPlugin();
    await plugin.start({
      thingName,
      rootDir,
      config: () => structuredClone(config),
      onConfigChange: () => () => undefined,
      bus,
      operations,
      cloud: thing,
      log: () => undefined,
    });
    return plugin;
  };
  let plugin = await startPlugin();
  const dataPlane = new IoTDataPlaneClient({
    endpoint: `http://127.0.0.1:${api.port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    thing,
    bus,
    get plugin() {
      return plugin;
    },
    cloud,
    dataPlane,
    rootDir,
    brokerUrl: broker.url,
    published,
    async ipc(operation, request, caller = callerWith('*')) {
      const handler = handlers.get(operation);
      if (!handler) throw new Error(`${operation} is not registered`);
      return (await handler(request, caller)) as Record<string, unknown>;
    },
    async restartPlugin() {
      await plugin.stop();
      plugin = await startPlugin();
    },
    async synced() {
      for (let i = 0; i < 3; i++) {
        await plugin.syncIdle();
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      dataPlane.destroy();
      await plugin.stop();
      await cloud.stop();
      await api.close();
      await broker.close();
      rmSync(rootDir, { recursive: true, force: true });
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** UTF-8 JSON of a payload blob (IPC base64 string or SDK bytes). */
export function decodePayload(payload: unknown): Record<string, unknown> {
  const bytes =
    typeof payload === 'string' ? Buffer.from(payload, 'base64') : Buffer.from(payload as Uint8Array);
  return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
}

export function encodePayload(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64');
}
