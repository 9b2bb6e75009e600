/**
 * A stub shaped like aws-iot-device-sdk-v2's Greengrass IPC client: an EventEmitter with the same method
 * names, request/response calls returning promises, streaming calls returning objects with
 * activate/close/on('message'|'streamError'|'ended'). A `StubIpcWorld` hands out one client per connection
 * attempt and scripts how each behaves.
 */
import { EventEmitter } from 'node:events';
import type {
  IpcCallOptions,
  IpcClient,
  IpcClientFactory,
  IpcStream,
} from '../../../components/shared/greengrass/ipc-client.ts';

/** `die`: the handshake succeeds but the socket drops before the caller gets the result. */
export type ConnectOutcome = 'ok' | 'fail' | 'hang' | 'die';

/** Builds an error shaped like the SDK's RpcError for a modeled nucleus error. */
export function rpcServiceError(code: string, message: string): Error {
  return Object.assign(
    new Error('Eventstream RPC request failed.  Check serviceError property for details.'),
    {
      type: 8,
      description: 'Eventstream RPC request failed.  Check serviceError property for details.',
      serviceError: {
        message,
        _service: 'aws.greengrass#GreengrassCoreIPC',
        _message: message,
        _errorCode: code,
      },
    },
  );
}

/** Builds an error shaped like the SDK's RpcError of a given type (4 ClientStateError, 5 NetworkError…). */
export function rpcError(type: number, description: string): Error {
  return Object.assign(new Error(description), { type, description });
}

type Responder = (request: unknown, options: IpcCallOptions | undefined) => Promise<unknown>;

export class StubStream extends EventEmitter implements IpcStream<unknown> {
  activated = false;
  closed = false;
  ended = false;

  constructor(
    readonly operation: string,
    readonly request: unknown,
    readonly client: StubIpcClient,
    readonly options: IpcCallOptions | undefined,
  ) {
    super();
  }

  async activate(): Promise<unknown> {
    const outcome = this.client.world.activation(this.operation);
    if (outcome === 'hang') return new Promise(() => undefined);
    if (outcome instanceof Error) throw outcome;
    if (this.client.state !== 'connected')
      throw rpcError(4, 'New streams may only be created while connected');
    this.activated = true;
    return {};
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The server sends an event on this stream. */
  push(event: unknown): void {
    this.emit('message', event);
  }

  /** The server closes this stream (streamError + ended, as the SDK reports it). */
  end(): void {
    this.ended = true;
    this.emit('streamError', rpcError(3, 'Eventstream (response) message was not an application message'));
    this.emit('ended');
  }
}

export class StubIpcClient extends EventEmitter {
  state: 'new' | 'connecting' | 'connected' | 'closed' = 'new';
  readonly calls: { operation: string; request: unknown; options: IpcCallOptions | undefined }[] = [];
  readonly streams: StubStream[] = [];

  constructor(
    readonly world: StubIpcWorld,
    private readonly outcome: ConnectOutcome,
  ) {
    super();
  }

  async connect(): Promise<void> {
    this.state = 'connecting';
    if (this.outcome === 'hang') return new Promise(() => undefined);
    if (this.outcome === 'fail') {
      this.state = 'closed';
      throw rpcError(3, 'Failed to establish eventstream RPC connection');
    }
    this.state = 'connected';
    if (this.outcome === 'die') this.disconnect();
  }

  async close(): Promise<void> {
    this.state = 'closed';
  }

  /** The socket drops: the SDK emits 'disconnection' and ends every open stream. */
  disconnect(): void {
    if (this.state !== 'connected') return;
    this.state = 'closed';
    this.emit('disconnection', { reason: new Error('AWS_IO_SOCKET_CLOSED') });
    for (const s of this.streams) {
      if (s.closed || s.ended) continue;
      s.ended = true;
      s.emit('ended');
    }
  }

  private request(operation: string, request: unknown, options?: IpcCallOptions): Promise<unknown> {
    this.calls.push({ operation, request, options });
    if (this.state !== 'connected') {
      return Promise.reject(rpcError(4, 'New streams may only be created while the client is connected'));
    }
    const responder = this.world.responders.get(operation);
    return responder ? responder(request, options) : Promise.resolve({});
  }

  private stream(operation: string, request: unknown, options?: IpcCallOptions): StubStream {
    this.calls.push({ operation, request, options });
    const stream = new StubStream(operation, request, this, options);
    this.streams.push(stream);
    return stream;
  }

  publishToTopic(request: unknown, options?: IpcCallOptions) {
    return this.request('PublishToTopic', request, options);
  }
  subscribeToTopic(request: unknown, options?: IpcCallOptions) {
    return this.stream('SubscribeToTopic', request, options);
  }
  publishToIoTCore(request: unknown, options?: IpcCallOptions) {
    return this.request('PublishToIoTCore', request, options);
  }
  subscribeToIoTCore(request: unknown, options?: IpcCallOptions) {
    return this.stream('SubscribeToIoTCore', request, options);
  }
  getThingShadow(request: unknown, options?: IpcCallOptions) {
    return this.request('GetThingShadow', request, options);
  }
  updateThingShadow(request: unknown, options?: IpcCallOptions) {
    return this.request('UpdateThingShadow', request, options);
  }
  deleteThingShadow(request: unknown, options?: IpcCallOptions) {
    return this.request('DeleteThingShadow', request, options);
  }
  getConfiguration(request: unknown, options?: IpcCallOptions) {
    return this.request('GetConfiguration', request, options);
  }
  subscribeToConfigurationUpdate(request: unknown, options?: IpcCallOptions) {
    return this.stream('SubscribeToConfigurationUpdate', request, options);
  }
  updateState(request: unknown, options?: IpcCallOptions) {
    return this.request('UpdateState', request, options);
  }
  subscribeToComponentUpdates(request: unknown, options?: IpcCallOptions) {
    return this.stream('SubscribeToComponentUpdates', request, options);
  }
  deferComponentUpdate(request: unknown, options?: IpcCallOptions) {
    return this.request('DeferComponentUpdate', request, options);
  }

  /** Active streams of `operation`: neither closed by the adapter nor ended by the server. */
  open(operation: string): StubStream[] {
    return this.streams.filter((s) => s.operation === operation && s.activated && !s.closed && !s.ended);
  }
}

/** Hands out one scripted client per connection attempt. */
export class StubIpcWorld {
  readonly clients: StubIpcClient[] = [];
  /** Outcomes of the next connection attempts, in order; `ok` once exhausted. */
  readonly connectOutcomes: ConnectOutcome[] = [];
  /** Per operation: how request/response calls answer (default `{}`). */
  readonly responders = new Map<string, Responder>();
  /** Per streaming operation: the outcomes of its next activations (default success). */
  readonly activations = new Map<string, ('hang' | Error)[]>();
  /** The clock reading (any function) at each client creation. */
  readonly createdAt: number[] = [];

  constructor(private readonly now: () => number = () => 0) {}

  readonly factory: IpcClientFactory = () => {
    const client = new StubIpcClient(this, this.connectOutcomes.shift() ?? 'ok');
    this.clients.push(client);
    this.createdAt.push(this.now());
    return client as unknown as IpcClient;
  };

  /** The most recently created client. */
  get current(): StubIpcClient {
    const client = this.clients.at(-1);
    if (!client) throw new Error('no client created yet');
    return client;
  }

  respond(operation: string, responder: Responder): void {
    this.responders.set(operation, responder);
  }

  /** @internal */
  activation(operation: string): 'ok' | 'hang' | Error {
    return this.activations.get(operation)?.shift() ?? 'ok';
  }
}
