/**
 * local-core's Greengrass nucleus IPC server for one thing: a Unix socket speaking eventstream RPC that the
 * real aws-iot-device-sdk-v2 client connects to unchanged. Owns the socket, the connections, the local bus,
 * the operation registry and the component-update hub; consumes ConfigStore, LifecycleListener and
 * IotCoreLink from the supervisor. Never starts processes and never talks to the network.
 */
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type {
  ComponentUpdateHub,
  ConfigStore,
  IotCoreLink,
  IpcOperationHandler,
  LifecycleListener,
  LocalBus,
  OperationRegistry,
} from '../nucleus/services.ts';
import { type ComponentPolicies, parseAccessControl, type ResourceLookupPolicy } from './access-control.ts';
import { createComponentUpdateHub } from './component-updates.ts';
import { configOperations } from './config-operations.ts';
import { unauthorizedError } from './errors.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from './frame-codec.ts';
import { lifecycleOperations } from './lifecycle-operations.ts';
import { createLocalBus } from './local-bus.ts';
import { MQTT_PROXY_SERVICE, mqttProxyOperations } from './mqtt-proxy-operations.ts';
import {
  GREENGRASS_CORE_IPC_OPERATIONS,
  type OperationContext,
  type OperationSpec,
  qualifiedOperation,
  SERVICE_PREFIX,
} from './operation.ts';
import { pubsubOperations } from './pubsub-operations.ts';
import { type OperationLookup, RpcConnection } from './rpc-connection.ts';

export interface IpcServerOptions {
  socketPath: string;
  thingName: string;
  /** SVCUID token → component name, or undefined (→ rejected CONNECT_ACK, connection closed). */
  authenticate(token: string): string | undefined;
  config: ConfigStore;
  lifecycle: LifecycleListener;
  /** PublishToIoTCore / SubscribeToIoTCore go here. */
  iotCore: IotCoreLink;
  /** nucleus `interpolateComponentConfiguration`: `{iot:thingName}` in accessControl resources. */
  interpolateComponentConfiguration: boolean;
  log(event: string, fields?: Record<string, unknown>): void;
  /** Max frame size in bytes; default 24 MiB like aws-c-event-stream. */
  maxMessageBytes?: number;
}

export interface IpcServer {
  /** Removes a stale socket file, listens, and makes the socket read/write for everyone like the nucleus. */
  listen(): Promise<void>;
  /** Closes every connection and the socket. */
  close(): Promise<void>;
  /** Local pub/sub, shared with nucleus-internal publishers and subscribers. */
  readonly bus: LocalBus;
  /** Plugins (ShadowManager) register extra request/response operations here. */
  readonly operations: OperationRegistry;
  /** NOTIFY_COMPONENTS: deployments call notifyPreUpdate / notifyPostUpdate. */
  readonly updates: ComponentUpdateHub;
}

const LOOKUP_POLICY: Record<string, ResourceLookupPolicy> = { [MQTT_PROXY_SERVICE]: 'MQTT_STYLE' };

export function createIpcServer(options: IpcServerOptions): IpcServer {
  const { config, log } = options;
  const bus = createLocalBus((error) => log('ipc.bus.listener-failed', { error: String(error) }));
  const updates = createComponentUpdateHub(log);
  const builtins = new Map<string, OperationSpec>();
  for (const [name, spec] of Object.entries({
    ...pubsubOperations(bus),
    ...mqttProxyOperations(options.iotCore),
    ...configOperations(config),
    ...lifecycleOperations(options.lifecycle, updates),
  })) {
    builtins.set(qualifiedOperation(name), spec);
  }
  const modeled = new Set<string>(GREENGRASS_CORE_IPC_OPERATIONS.map((name) => qualifiedOperation(name)));
  const plugins = new Map<string, OperationSpec>();
  const connections = new Set<RpcConnection>();
  const policyCache = new Map<string, { policies: ComponentPolicies; unsubscribe: () => void }>();
  let server: Server | undefined;

  const interpolate = (text: string) =>
    options.interpolateComponentConfiguration ? text.replaceAll('{iot:thingName}', options.thingName) : text;

  function policiesOf(component: string): ComponentPolicies {
    const cached = policyCache.get(component);
    if (cached) return cached.policies;
    const policies = parseAccessControl(component, config.get(component, ['accessControl']), {
      interpolate,
      log,
    });
    const unsubscribe = config.subscribe(component, ['accessControl'], () => {
      policyCache.get(component)?.unsubscribe();
      policyCache.delete(component);
    });
    policyCache.set(component, { policies, unsubscribe });
    return policies;
  }

  function makeCaller(component: string): OperationContext['caller'] {
    const authorizeNullable = (service: string, operation: string, resource: string | null) => {
      const qualified = qualifiedOperation(operation);
      const lookup = LOOKUP_POLICY[service] ?? 'STANDARD';
      if (policiesOf(component).isAuthorized(service, qualified, resource, lookup)) return;
      log('ipc.authorization.denied', { component, service, operation: qualified, resource });
      if (service === MQTT_PROXY_SERVICE) throw unauthorizedError('Not Authorized');
      throw unauthorizedError(
        `Principal ${component} is not authorized to perform ${service}:${qualified} on resource ${resource}`,
      );
    };
    return {
      component,
      authorize: (service, operation, resource) => authorizeNullable(service, operation, resource),
      authorizeNullable,
    };
  }

  function lookup(operation: string): OperationLookup {
    const spec = plugins.get(operation) ?? builtins.get(operation);
    if (spec) return { kind: 'served', spec };
    if (modeled.has(operation)) return { kind: 'not-supported' };
    return { kind: 'unknown' };
  }

  const operations: OperationRegistry = {
    register(operation: string, handler: IpcOperationHandler) {
      const qualified = qualifiedOperation(operation);
      plugins.set(qualified, {
        handle: async (request, context) => {
          const response = await handler(request, context.caller);
          return (response ?? {}) as Record<string, unknown>;
        },
      });
      log('ipc.operation.registered', { operation: qualified });
    },
    unregister(operation: string) {
      plugins.delete(qualifiedOperation(operation));
    },
  };

  return {
    bus,
    operations,
    updates,

    async listen() {
      await rm(options.socketPath, { force: true });
      const listening = createServer((socket) => {
        const connection = new RpcConnection(socket, {
          maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
          authenticate: options.authenticate,
          lookup,
          makeCaller,
          log,
          onClosed: (closed) => connections.delete(closed),
        });
        connections.add(connection);
      });
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(options.socketPath, () => {
          listening.off('error', reject);
          resolve();
        });
      });
      listening.on('error', (error) => log('ipc.server.error', { error: error.message }));
      server = listening;
      await chmod(options.socketPath, 0o666);
      log('ipc.server.listening', { socketPath: options.socketPath, thingName: options.thingName });
    },

    async close() {
      const closing = server;
      server = undefined;
      for (const connection of connections) {
        connection.close();
        connection.socket.destroy();
      }
      connections.clear();
      for (const { unsubscribe } of policyCache.values()) unsubscribe();
      policyCache.clear();
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
      await rm(options.socketPath, { force: true });
      log('ipc.server.closed', { socketPath: options.socketPath });
    },
  };
}

export { SERVICE_PREFIX };
