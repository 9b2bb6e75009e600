/**
 * The Greengrass IPC adapter: one object implementing the PubSub, IotCoreMqtt, ShadowStore, ComponentConfig
 * and Lifecycle ports over a Greengrass IPC client. It owns the connection (connect with a timeout, a NEW
 * client with backoff after every disconnection, every live subscription re-established), validates every
 * incoming message at the edge, and maps IPC failures to the error family. It never interprets messages.
 */
import { z } from 'zod';
import {
  type Decoded,
  decodeMessage,
  describeZodError,
  type Inbound,
  type TopicDef,
} from '../contracts/index.ts';
import { GreengrassError, TimeoutError, ValidationError } from '../errors.ts';
import { LOG_EVENTS } from '../logging/log-events.ts';
import type {
  Clock,
  Closable,
  ComponentConfig,
  IotCoreMqtt,
  Lifecycle,
  Logger,
  PubSub,
  RawMessage,
  ReceiveMode,
  ShadowDocument,
  ShadowStore,
  Timer,
  UpdateEvent,
} from '../ports/index.ts';
import type {
  IpcBlob,
  IpcCallOptions,
  IpcCancelController,
  IpcClient,
  IpcClientFactory,
  IpcComponentUpdateEvents,
  IpcConfigurationUpdateEvents,
  IpcIotCoreMessage,
  IpcStream,
  IpcSubscriptionMessage,
} from './ipc-client.ts';
import { toGreengrassError } from './ipc-errors.ts';

/** Dependencies and limits of a GreengrassAdapter; every duration is injectable for tests. */
export interface GreengrassAdapterOptions {
  /** Builds a fresh client; called once per connection attempt. */
  readonly clientFactory: IpcClientFactory;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long one connection attempt (socket + handshake) may take, ms. @default 10000 */
  readonly connectTimeoutMs?: number;
  /** How long any operation (including waiting for a reconnection) may take, ms. @default 10000 */
  readonly operationTimeoutMs?: number;
  /** First reconnect delay, ms; doubles per failed attempt. @default 250 */
  readonly reconnectBaseMs?: number;
  /** Longest reconnect delay, ms. @default 30000 */
  readonly reconnectMaxMs?: number;
  /** How long closing the client may take, ms. @default 2000 */
  readonly closeTimeoutMs?: number;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
  /**
   * Messages one subscription may hold waiting for its (sequential) handler; beyond that, new messages
   * are dropped and logged, so a flood cannot exhaust memory. @default 1000
   */
  readonly maxQueued?: number;
}

/** The five ports the adapter provides, all over one connection. */
export interface GreengrassPorts {
  readonly pubsub: PubSub;
  readonly iotCore: IotCoreMqtt;
  readonly shadows: ShadowStore;
  readonly config: ComponentConfig;
  readonly lifecycle: Lifecycle;
}

interface Waiter {
  resolve(client: IpcClient): void;
  reject(error: Error): void;
}

interface LiveSubscription<E> {
  /** For logs, e.g. `topic matchday/commands`. */
  readonly label: string;
  /** The IPC operation name, for errors and timeouts. */
  readonly operation: string;
  readonly open: (client: IpcClient, options: IpcCallOptions) => IpcStream<E>;
  readonly deliver: (event: E) => void | Promise<void>;
  stream: IpcStream<E> | undefined;
  chain: Promise<void>;
  closed: boolean;
  retryTimer: Timer | undefined;
  retryAttempt: number;
  /** Messages received and not yet handled. */
  queued: number;
  /** Messages dropped since the queue was last below its limit (logged once per overflow). */
  overflowed: number;
}

const ShadowDocumentSchema = z.looseObject({
  state: z.looseObject({}).optional(),
  version: z.number().optional(),
  timestamp: z.number().optional(),
});

const ConfigurationUpdateSchema = z.looseObject({
  configurationUpdateEvent: z.looseObject({ keyPath: z.array(z.string()) }),
});

const ComponentUpdateSchema = z
  .looseObject({
    preUpdateEvent: z
      .looseObject({ deploymentId: z.string().min(1), isGgcRestarting: z.boolean().optional() })
      .optional(),
    postUpdateEvent: z.looseObject({ deploymentId: z.string().min(1) }).optional(),
  })
  .refine((e) => (e.preUpdateEvent === undefined) !== (e.postUpdateEvent === undefined), {
    message: 'exactly one of preUpdateEvent and postUpdateEvent must be set',
  });

/**
 * Greengrass IPC behind our ports. One object owns the connection and hands out the five ports as views
 * (`pubsub`, `iotCore`, `shadows`, `config`, `lifecycle`) — their method names overlap (`publish`, `get`),
 * so they cannot be one flat object. Call `connect()` once; `close()` closes the client (an unclosed
 * aws-crt client keeps Node alive).
 *
 * Typed subscriptions (`subscribe`) ask for `RECEIVE_MESSAGES_FROM_OTHERS`: no component consumes a topic it
 * publishes, so a component's own messages are never wanted, and asking explicitly rules out a feedback loop
 * should one ever publish an answer on a topic it also reads. `subscribeRaw` sends the mode it is given, or
 * none (the nucleus default: others-only for wildcard filters, all otherwise).
 */
export class GreengrassAdapter implements GreengrassPorts {
  readonly pubsub: PubSub = {
    publish: (topic, message) => this.publishTyped(topic, message),
    subscribe: (topic, handler) => this.subscribeTyped(topic, handler),
    publishRaw: (topic, message) => this.publishRaw(topic, message),
    subscribeRaw: (topic, handler, mode) => this.subscribeRaw(topic, handler, mode),
  };
  readonly iotCore: IotCoreMqtt = {
    publish: (topic, payload, qos) => this.publishIot(topic, payload, qos),
    subscribe: (filter, handler, qos) => this.subscribeIot(filter, handler, qos),
  };
  readonly shadows: ShadowStore = {
    get: (thingName, shadowName) => this.getShadow(thingName, shadowName),
    update: (thingName, shadowName, request) => this.updateShadow(thingName, shadowName, request),
    delete: (thingName, shadowName) => this.deleteShadow(thingName, shadowName),
  };
  readonly config: ComponentConfig = {
    get: () => this.getConfiguration(),
    onChange: (handler) => this.onConfigurationChange(handler),
  };
  readonly lifecycle: Lifecycle = {
    reportState: (state) => this.reportState(state),
    onUpdate: (handler) => this.onComponentUpdate(handler),
    deferUpdate: (deploymentId, recheckAfterMs, message) =>
      this.deferUpdate(deploymentId, recheckAfterMs, message),
  };

  private readonly factory: IpcClientFactory;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly connectTimeoutMs: number;
  private readonly operationTimeoutMs: number;
  private readonly reconnectBaseMs: number;
  private readonly reconnectMaxMs: number;
  private readonly closeTimeoutMs: number;
  private readonly random: () => number;
  private readonly maxQueued: number;

  private client: IpcClient | undefined;
  private started = false;
  private closing = false;
  private reconnectTimer: Timer | undefined;
  private reconnectAttempt = 0;
  private waiters: Waiter[] = [];
  private readonly subscriptions = new Set<LiveSubscription<unknown>>();
  /** Clients that reported a disconnection, so a client that dies while being adopted is never used. */
  private readonly deadClients = new WeakSet<IpcClient>();

  constructor(options: GreengrassAdapterOptions) {
    this.factory = options.clientFactory;
    this.clock = options.clock;
    this.logger = options.logger;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 10_000;
    this.reconnectBaseMs = options.reconnectBaseMs ?? 250;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 30_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2_000;
    this.random = options.random ?? Math.random;
    this.maxQueued = options.maxQueued ?? 1_000;
  }

  /** True while a connected client is in use. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Calls waiting for a reconnection. */
  get pendingCalls(): number {
    return this.waiters.length;
  }

  /** Number of live (not closed) subscriptions, re-established after every reconnection. */
  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** Connects once, within `connectTimeoutMs`; throws a `GreengrassError` or `TimeoutError`. */
  async connect(): Promise<void> {
    if (this.started) throw new Error('GreengrassAdapter.connect() may be called only once');
    this.started = true;
    const client = await this.openClient();
    if (this.closing) {
      await this.closeClient(client);
      throw new GreengrassError('Disconnected', 'Connect failed: the adapter was closed while connecting');
    }
    this.adopt(client);
    this.logger.info(LOG_EVENTS.ipcConnected, {});
  }

  /** Closes every subscription and the client. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.reconnectTimer?.cancel();
    const streams: IpcStream<unknown>[] = [];
    for (const sub of this.subscriptions) {
      sub.closed = true;
      sub.retryTimer?.cancel();
      if (sub.stream) streams.push(sub.stream);
      sub.stream = undefined;
    }
    this.subscriptions.clear();
    await Promise.all(
      streams.map((stream) =>
        this.withTimeout('CloseStream', this.closeTimeoutMs, () => stream.close()).catch(() => undefined),
      ),
    );
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new GreengrassError('Disconnected', 'the IPC adapter was closed'));
    const client = this.client;
    this.client = undefined;
    if (client) await this.closeClient(client);
  }

  // ---- PubSub ---------------------------------------------------------------------------------------

  /**
   * Events and results are checked against their schema before they leave, so a bad message fails where
   * its sender sees it (a rejected publish, like any IPC failure, plus `ipc.publish.refused` in the log)
   * instead of being dropped silently by every subscriber. Requests are sent as given:
   * their answering component validates them and answers INVALID_ARGS.
   */
  private async publishTyped<T>(topic: TopicDef<T>, message: T): Promise<void> {
    if (topic.kind !== 'request') {
      const parsed = topic.schema.safeParse(message);
      if (!parsed.success) {
        const { path, message: text } = describeZodError(parsed.error);
        this.logger.error(LOG_EVENTS.ipcPublishRefused, { topic: topic.name, path, error: text });
        throw new ValidationError(path, `refusing to publish an invalid message on ${topic.name}: ${text}`, {
          cause: parsed.error,
        });
      }
    }
    await this.publishRaw(topic.name, { json: message });
  }

  private async subscribeTyped<T>(
    topic: TopicDef<T>,
    handler: (message: Inbound<T>) => void | Promise<void>,
  ): Promise<Closable> {
    return this.subscribeTopic(
      topic.name,
      async (raw) => {
        const decoded = this.decodeTyped(topic, raw);
        if (decoded.kind === 'ok') await handler(decoded.value);
        else if (decoded.kind === 'invalid') await handler(decoded.request);
        else this.drop(topic.name, decoded.path, decoded.message);
      },
      'RECEIVE_MESSAGES_FROM_OTHERS',
    );
  }

  private async publishRaw(topic: string, message: RawMessage): Promise<void> {
    const publishMessage =
      'json' in message
        ? { jsonMessage: { message: message.json } }
        : { binaryMessage: { message: message.binary } };
    await this.call('PublishToTopic', (client, options) =>
      client.publishToTopic({ topic, publishMessage }, options),
    );
  }

  private async subscribeRaw(
    topic: string,
    handler: (message: RawMessage, topic: string) => void | Promise<void>,
    mode?: ReceiveMode,
  ): Promise<Closable> {
    const receiveMode =
      mode === undefined
        ? undefined
        : mode === 'all'
          ? 'RECEIVE_ALL_MESSAGES'
          : 'RECEIVE_MESSAGES_FROM_OTHERS';
    return this.subscribeTopic(
      topic,
      async (raw, actualTopic) => {
        await handler(raw, actualTopic);
      },
      receiveMode,
    );
  }

  // ---- IotCoreMqtt ----------------------------------------------------------------------------------

  /** Publishes to AWS IoT Core through the nucleus; QoS 1 (at least once, spooled offline) by default. */
  private async publishIot(topic: string, payload: Uint8Array | string, qos: 0 | 1 = 1): Promise<void> {
    await this.call('PublishToIoTCore', (client, options) =>
      client.publishToIoTCore({ topicName: topic, qos: qos === 0 ? '0' : '1', payload }, options),
    );
  }

  /** Subscribes to AWS IoT Core through the nucleus (QoS 1 by default). */
  private async subscribeIot(
    topicFilter: string,
    handler: (topic: string, payload: Uint8Array) => void | Promise<void>,
    qos: 0 | 1 = 1,
  ): Promise<Closable> {
    return this.subscribeStream<IpcIotCoreMessage>(
      `iot ${topicFilter}`,
      'SubscribeToIoTCore',
      (client, options) =>
        client.subscribeToIoTCore({ topicName: topicFilter, qos: qos === 0 ? '0' : '1' }, options),
      async (event) => {
        const topicName = event.message?.topicName;
        const payload = toBytes(event.message?.payload ?? new Uint8Array());
        if (typeof topicName !== 'string' || topicName.length === 0) {
          return this.drop(`(iot ${topicFilter})`, 'message.topicName', 'missing topic name');
        }
        await handler(topicName, payload ?? new Uint8Array());
      },
    );
  }

  // ---- ShadowStore ----------------------------------------------------------------------------------

  /** The shadow document, or `undefined` when it does not exist (`ResourceNotFoundError`). */
  private async getShadow(thingName: string, shadowName: string): Promise<ShadowDocument | undefined> {
    try {
      const response = await this.call('GetThingShadow', (client, options) =>
        client.getThingShadow({ thingName, shadowName }, options),
      );
      return parseShadowPayload('GetThingShadow', response.payload);
    } catch (error) {
      if (error instanceof GreengrassError && error.code === 'ResourceNotFoundError') return undefined;
      throw error;
    }
  }

  private async updateShadow(
    thingName: string,
    shadowName: string,
    request: Record<string, unknown>,
  ): Promise<ShadowDocument> {
    const payload = JSON.stringify(request);
    const response = await this.call('UpdateThingShadow', (client, options) =>
      client.updateThingShadow({ thingName, shadowName, payload }, options),
    );
    return parseShadowPayload('UpdateThingShadow', response.payload);
  }

  /** Deletes the shadow; deleting one that does not exist succeeds (the outcome is the same). */
  private async deleteShadow(thingName: string, shadowName: string): Promise<void> {
    try {
      await this.call('DeleteThingShadow', (client, options) =>
        client.deleteThingShadow({ thingName, shadowName }, options),
      );
    } catch (error) {
      if (error instanceof GreengrassError && error.code === 'ResourceNotFoundError') return;
      throw error;
    }
  }

  // ---- ComponentConfig ------------------------------------------------------------------------------

  /** The component's whole configuration (`GetConfiguration`, `keyPath: []`). */
  private async getConfiguration(): Promise<unknown> {
    const response = await this.call('GetConfiguration', (client, options) =>
      client.getConfiguration({ keyPath: [] }, options),
    );
    return response.value ?? {};
  }

  private async onConfigurationChange(
    handler: (keyPath: readonly string[]) => void | Promise<void>,
  ): Promise<Closable> {
    return this.subscribeStream<IpcConfigurationUpdateEvents>(
      'configuration updates',
      'SubscribeToConfigurationUpdate',
      (client, options) => client.subscribeToConfigurationUpdate({ keyPath: [] }, options),
      async (event) => {
        const parsed = ConfigurationUpdateSchema.safeParse(event);
        if (!parsed.success) return this.dropZod('(configuration updates)', parsed.error);
        await handler(Object.freeze([...parsed.data.configurationUpdateEvent.keyPath]));
      },
    );
  }

  // ---- Lifecycle ------------------------------------------------------------------------------------

  private async reportState(state: 'RUNNING' | 'ERRORED'): Promise<void> {
    await this.call('UpdateState', (client, options) => client.updateState({ state }, options));
  }

  private async onComponentUpdate(handler: (event: UpdateEvent) => void | Promise<void>): Promise<Closable> {
    return this.subscribeStream<IpcComponentUpdateEvents>(
      'component updates',
      'SubscribeToComponentUpdates',
      (client, options) => client.subscribeToComponentUpdates({}, options),
      async (event) => {
        const parsed = ComponentUpdateSchema.safeParse(event);
        if (!parsed.success) return this.dropZod('(component updates)', parsed.error);
        const { preUpdateEvent: pre, postUpdateEvent: post } = parsed.data;
        if (pre) {
          await handler({
            kind: 'pre',
            deploymentId: pre.deploymentId,
            isGgcRestarting: pre.isGgcRestarting ?? false,
          });
        } else if (post) {
          await handler({ kind: 'post', deploymentId: post.deploymentId });
        }
      },
    );
  }

  private async deferUpdate(deploymentId: string, recheckAfterMs: number, message?: string): Promise<void> {
    const request = { deploymentId, recheckAfterMs, ...(message === undefined ? {} : { message }) };
    await this.call('DeferComponentUpdate', (client, options) =>
      client.deferComponentUpdate(request, options),
    );
  }

  // ---- internals: connection ------------------------------------------------------------------------

  private async openClient(): Promise<IpcClient> {
    const client = this.factory();
    client.on('disconnection', (event) => this.onDisconnection(client, event?.reason));
    try {
      await this.withTimeout('Connect', this.connectTimeoutMs, () => client.connect());
      if (this.deadClients.has(client))
        throw new GreengrassError('Disconnected', 'the connection closed at once');
      return client;
    } catch (error) {
      void this.closeClient(client);
      throw toGreengrassError('Connect', error);
    }
  }

  private adopt(client: IpcClient): void {
    this.client = client;
    this.reconnectAttempt = 0;
  }

  private onDisconnection(client: IpcClient, reason: unknown): void {
    this.deadClients.add(client);
    if (this.closing || client !== this.client) return;
    this.client = undefined;
    for (const sub of this.subscriptions) sub.stream = undefined;
    this.logger.warn(LOG_EVENTS.ipcDisconnected, { reason: describe(reason) });
    void this.closeClient(client);
    this.scheduleReconnect();
  }

  /** Delay before reconnect attempt `n` (0-based): base·2ⁿ capped at the maximum, half of it jittered. */
  private backoffMs(attempt: number): number {
    const ceiling = Math.min(this.reconnectMaxMs, this.reconnectBaseMs * 2 ** Math.min(attempt, 30));
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  private scheduleReconnect(): void {
    if (this.closing) return;
    const delay = this.backoffMs(this.reconnectAttempt);
    this.reconnectTimer = this.clock.setTimer(delay, () => void this.reconnect());
  }

  private async reconnect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.closing) return;
    this.reconnectAttempt += 1;
    let client: IpcClient;
    try {
      client = await this.openClient();
    } catch (error) {
      if (this.closing) return;
      const nextDelayMs = this.backoffMs(this.reconnectAttempt);
      this.logger.warn(LOG_EVENTS.ipcReconnectFailed, { attempt: this.reconnectAttempt, nextDelayMs, error });
      this.reconnectTimer = this.clock.setTimer(nextDelayMs, () => void this.reconnect());
      return;
    }
    if (this.closing) {
      await this.closeClient(client);
      return;
    }
    const attempts = this.reconnectAttempt;
    this.adopt(client);
    const subs = [...this.subscriptions];
    await Promise.all(
      subs.map(async (sub) => {
        sub.retryTimer?.cancel();
        sub.retryTimer = undefined;
        try {
          await this.activate(sub, client);
        } catch (error) {
          this.onResubscribeFailed(sub, error);
        }
      }),
    );
    if (this.client !== client) return;
    this.logger.info(LOG_EVENTS.ipcReconnected, { attempts, subscriptions: subs.length });
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(client);
  }

  private async closeClient(client: IpcClient): Promise<void> {
    try {
      await this.withTimeout('Close', this.closeTimeoutMs, () => client.close());
    } catch (error) {
      this.logger.warn(LOG_EVENTS.ipcCloseFailed, { error });
    }
  }

  /** The connected client, or a wait for the next one that ends when `cancelController` cancels. */
  private connectedClient(cancelController: IpcCancelController): Promise<IpcClient> {
    if (this.closing) return Promise.reject(new GreengrassError('Disconnected', 'the IPC adapter is closed'));
    if (this.client) return Promise.resolve(this.client);
    if (!this.started)
      return Promise.reject(new GreengrassError('Disconnected', 'connect() has not been called'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.waiters.push(waiter);
      // A timed-out call stops waiting, so a long outage does not pile up waiters.
      cancelController.addListener(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new GreengrassError('Disconnected', 'not connected to the nucleus'));
      });
    });
  }

  // ---- internals: calls -----------------------------------------------------------------------------

  /** Runs `fn` on the connected client (waiting for a reconnection if needed), within the operation timeout. */
  private call<T>(
    operation: string,
    fn: (client: IpcClient, options: IpcCallOptions) => Promise<T>,
  ): Promise<T> {
    return this.withTimeout(operation, this.operationTimeoutMs, async (cancelController) => {
      const client = await this.connectedClient(cancelController);
      if (cancelController.hasBeenCancelled()) throw new TimeoutError(operation, this.operationTimeoutMs);
      try {
        return await fn(client, { cancelController });
      } catch (error) {
        throw toGreengrassError(operation, error);
      }
    });
  }

  private withTimeout<T>(
    operation: string,
    timeoutMs: number,
    fn: (cancelController: IpcCancelController) => Promise<T>,
  ): Promise<T> {
    const cancelController = new SimpleCancelController();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = this.clock.setTimer(timeoutMs, () => {
        if (settled) return;
        settled = true;
        cancelController.cancel();
        const cause = this.client
          ? undefined
          : new GreengrassError('Disconnected', 'not connected to the nucleus');
        reject(new TimeoutError(operation, timeoutMs, cause ? { cause } : undefined));
      });
      fn(cancelController).then(
        (value) => {
          if (settled) return;
          settled = true;
          timer.cancel();
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          timer.cancel();
          reject(error);
        },
      );
    });
  }

  // ---- internals: subscriptions ---------------------------------------------------------------------

  private subscribeTopic(
    topic: string,
    handler: (message: RawMessage, topic: string) => Promise<void>,
    receiveMode: 'RECEIVE_ALL_MESSAGES' | 'RECEIVE_MESSAGES_FROM_OTHERS' | undefined,
  ): Promise<Closable> {
    const request = receiveMode === undefined ? { topic } : { topic, receiveMode };
    return this.subscribeStream<IpcSubscriptionMessage>(
      `topic ${topic}`,
      'SubscribeToTopic',
      (client, options) => client.subscribeToTopic(request, options),
      async (event) => {
        const { message, topic: actual } = toRawMessage(event, topic);
        if (!message) return this.drop(topic, '(root)', 'neither jsonMessage nor binaryMessage');
        await handler(message, actual);
      },
    );
  }

  private async subscribeStream<E>(
    label: string,
    operation: string,
    open: (client: IpcClient, options: IpcCallOptions) => IpcStream<E>,
    deliver: (event: E) => void | Promise<void>,
  ): Promise<Closable> {
    const sub: LiveSubscription<E> = {
      label,
      operation,
      open,
      deliver,
      stream: undefined,
      chain: Promise.resolve(),
      closed: false,
      retryTimer: undefined,
      retryAttempt: 0,
      queued: 0,
      overflowed: 0,
    };
    await this.withTimeout(operation, this.operationTimeoutMs, async (cancelController) => {
      const client = await this.connectedClient(cancelController);
      if (cancelController.hasBeenCancelled()) throw new TimeoutError(operation, this.operationTimeoutMs);
      await this.activate(sub, client, cancelController);
    }).catch((error: unknown) => {
      this.discardStream(sub);
      throw error;
    });
    this.subscriptions.add(sub as unknown as LiveSubscription<unknown>);
    return {
      close: async () => {
        if (sub.closed) return;
        sub.closed = true;
        sub.retryTimer?.cancel();
        this.subscriptions.delete(sub as unknown as LiveSubscription<unknown>);
        const stream = sub.stream;
        sub.stream = undefined;
        if (stream) {
          await this.withTimeout(`${operation}.close`, this.closeTimeoutMs, () => stream.close()).catch(
            () => undefined,
          );
        }
      },
    };
  }

  /** Opens and activates `sub` on `client`. Messages are handled one at a time, in arrival order. */
  private async activate<E>(
    sub: LiveSubscription<E>,
    client: IpcClient,
    cancelController?: IpcCancelController,
  ): Promise<void> {
    if (cancelController) {
      await this.activateWith(sub, client, cancelController);
      return;
    }
    await this.withTimeout(sub.operation, this.operationTimeoutMs, (controller) =>
      this.activateWith(sub, client, controller),
    ).catch((error: unknown) => {
      this.discardStream(sub);
      throw error;
    });
  }

  private async activateWith<E>(
    sub: LiveSubscription<E>,
    client: IpcClient,
    cancelController: IpcCancelController,
  ): Promise<void> {
    let stream: IpcStream<E>;
    try {
      stream = sub.open(client, { cancelController });
    } catch (error) {
      throw toGreengrassError(sub.operation, error);
    }
    sub.stream = stream;
    stream.on('message', (event) => {
      if (sub.closed || sub.stream !== stream) return;
      if (sub.queued >= this.maxQueued) {
        if (sub.overflowed++ === 0) {
          this.logger.warn(LOG_EVENTS.ipcQueueFull, { subscription: sub.label, limit: this.maxQueued });
        }
        return;
      }
      sub.queued += 1;
      sub.chain = sub.chain
        .then(() => sub.deliver(event))
        .catch((error: unknown) =>
          this.logger.error(LOG_EVENTS.ipcHandlerFailed, { subscription: sub.label, error }),
        )
        .finally(() => {
          sub.queued -= 1;
          if (sub.queued === 0 && sub.overflowed > 0) {
            this.logger.warn(LOG_EVENTS.ipcQueueDrained, {
              subscription: sub.label,
              dropped: sub.overflowed,
            });
            sub.overflowed = 0;
          }
        });
    });
    stream.on('streamError', () => undefined);
    stream.on('ended', () => this.onStreamEnded(sub, stream, client));
    try {
      await stream.activate();
    } catch (error) {
      throw toGreengrassError(sub.operation, error);
    }
    sub.retryAttempt = 0;
  }

  private discardStream<E>(sub: LiveSubscription<E>): void {
    const stream = sub.stream;
    sub.stream = undefined;
    if (stream) void stream.close().catch(() => undefined);
  }

  private onStreamEnded<E>(sub: LiveSubscription<E>, stream: IpcStream<E>, client: IpcClient): void {
    if (sub.closed || this.closing || sub.stream !== stream) return;
    sub.stream = undefined;
    // A dead client's streams end too; the reconnection re-establishes them.
    if (this.client !== client) return;
    this.logger.warn(LOG_EVENTS.ipcStreamEnded, { subscription: sub.label });
    this.scheduleResubscribe(sub);
  }

  private onResubscribeFailed<E>(sub: LiveSubscription<E>, error: unknown): void {
    this.logger.warn(LOG_EVENTS.ipcResubscribeFailed, { subscription: sub.label, error });
    this.scheduleResubscribe(sub);
  }

  private scheduleResubscribe<E>(sub: LiveSubscription<E>): void {
    if (sub.closed || this.closing) return;
    sub.retryTimer?.cancel();
    const delay = this.backoffMs(sub.retryAttempt);
    sub.retryAttempt += 1;
    sub.retryTimer = this.clock.setTimer(delay, () => {
      sub.retryTimer = undefined;
      const client = this.client;
      // Not connected: the reconnection will re-establish it. Already open: nothing to do.
      if (sub.closed || this.closing || !client || sub.stream) return;
      this.activate(sub, client).catch((error: unknown) => this.onResubscribeFailed(sub, error));
    });
  }

  // ---- internals: edge validation -------------------------------------------------------------------

  private decodeTyped<T>(topic: TopicDef<T>, raw: RawMessage): Decoded<T> {
    if ('json' in raw) return decodeMessage(topic, raw.json);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw.binary));
    } catch {
      return { kind: 'drop', path: '(root)', message: 'binary message is not UTF-8 JSON' };
    }
    return decodeMessage(topic, json);
  }

  private drop(topic: string, path: string, error: string): void {
    this.logger.warn(LOG_EVENTS.ipcMessageDropped, { topic, path, error });
  }

  private dropZod(topic: string, error: z.ZodError): void {
    const { path, message } = describeZodError(error);
    this.drop(topic, path, message);
  }
}

/** A minimal aws-crt `ICancelController`, so the adapter needs no aws-crt import. */
class SimpleCancelController implements IpcCancelController {
  private cancelled = false;
  private readonly listeners = new Set<() => void>();

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }

  hasBeenCancelled(): boolean {
    return this.cancelled;
  }

  addListener(listener: () => void): (() => void) | undefined {
    if (this.cancelled) {
      listener();
      return undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function toRawMessage(
  event: IpcSubscriptionMessage,
  fallbackTopic: string,
): { message: RawMessage | undefined; topic: string } {
  if (event.jsonMessage) {
    return {
      message: { json: event.jsonMessage.message },
      topic: event.jsonMessage.context?.topic ?? fallbackTopic,
    };
  }
  if (event.binaryMessage) {
    const bytes = toBytes(event.binaryMessage.message ?? new Uint8Array());
    return {
      message: bytes ? { binary: bytes } : undefined,
      topic: event.binaryMessage.context?.topic ?? fallbackTopic,
    };
  }
  return { message: undefined, topic: fallbackTopic };
}

function toBytes(blob: IpcBlob): Uint8Array | undefined {
  if (ArrayBuffer.isView(blob)) return new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob instanceof ArrayBuffer) return new Uint8Array(blob);
  if (typeof blob === 'string') return new TextEncoder().encode(blob);
  return undefined;
}

function parseShadowPayload(operation: string, payload: IpcBlob | undefined): ShadowDocument {
  const bytes = payload === undefined ? undefined : toBytes(payload);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array()));
  } catch (error) {
    throw new ValidationError('payload', `${operation} returned a payload that is not JSON`, {
      cause: error,
    });
  }
  const parsed = ShadowDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const { path, message } = describeZodError(parsed.error);
    throw new ValidationError(path, `${operation} returned an invalid shadow document: ${message}`);
  }
  const doc = parsed.data as Record<string, unknown>;
  return { ...doc, state: (doc.state ?? {}) as ShadowDocument['state'] } as ShadowDocument;
}

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (typeof reason === 'object' && reason !== null && 'error_name' in reason) {
    return String((reason as { error_name: unknown }).error_name);
  }
  return reason === undefined ? 'unknown' : String(reason);
}
