/**
 * The slice of the aws-iot-device-sdk-v2 `greengrasscoreipc.Client` the adapter uses, as structural
 * types: the real client satisfies them (sdk-client.ts) and unit tests pass a stub shaped the same way.
 */

/** A cancellation handle the SDK accepts in per-call options (aws-crt `ICancelController`). */
export interface IpcCancelController {
  cancel(): void;
  hasBeenCancelled(): boolean;
  addListener(listener: () => void): (() => void) | undefined;
}

/** Per-call options (SDK `OperationOptions`). */
export interface IpcCallOptions {
  cancelController?: IpcCancelController;
}

/** A streaming operation (SDK `StreamingOperation`): attach listeners, then `activate()`. */
export interface IpcStream<E> {
  on(event: 'message', listener: (message: E) => void): unknown;
  on(event: 'streamError', listener: (error: unknown) => void): unknown;
  on(event: 'ended', listener: () => void): unknown;
  activate(): Promise<unknown>;
  close(): Promise<void>;
}

/** A blob as the SDK hands it over (a Buffer for inbound blobs; its type also allows any view or a string). */
export type IpcBlob = ArrayBufferView | ArrayBuffer | string;

/** Where a local message was published. */
export interface IpcMessageContext {
  topic?: string;
}

/** `SubscriptionResponseMessage`. */
export interface IpcSubscriptionMessage {
  jsonMessage?: { message?: unknown; context?: IpcMessageContext };
  binaryMessage?: { message?: IpcBlob; context?: IpcMessageContext };
}

/** `IoTCoreMessage`. */
export interface IpcIotCoreMessage {
  message?: { topicName?: string; payload?: IpcBlob };
}

/** `ConfigurationUpdateEvents`. */
export interface IpcConfigurationUpdateEvents {
  configurationUpdateEvent?: { componentName?: string; keyPath?: string[] };
}

/** `ComponentUpdatePolicyEvents`. */
export interface IpcComponentUpdateEvents {
  preUpdateEvent?: { deploymentId?: string; isGgcRestarting?: boolean };
  postUpdateEvent?: { deploymentId?: string };
}

/** SDK `ReceiveMode` values. */
export type IpcReceiveMode = 'RECEIVE_ALL_MESSAGES' | 'RECEIVE_MESSAGES_FROM_OTHERS';
/** SDK `QOS` values (strings on the wire). */
export type IpcQos = '0' | '1';

/** What the adapter calls on a Greengrass IPC client. */
export interface IpcClient {
  connect(): Promise<void>;
  close(): Promise<void>;
  on(event: 'disconnection', listener: (event?: { reason?: unknown }) => void): unknown;
  publishToTopic(
    request: {
      topic: string;
      publishMessage: { jsonMessage: { message: unknown } } | { binaryMessage: { message: Uint8Array } };
    },
    options?: IpcCallOptions,
  ): Promise<unknown>;
  subscribeToTopic(
    request: { topic: string; receiveMode?: IpcReceiveMode },
    options?: IpcCallOptions,
  ): IpcStream<IpcSubscriptionMessage>;
  publishToIoTCore(
    request: { topicName: string; qos: IpcQos; payload: Uint8Array | string },
    options?: IpcCallOptions,
  ): Promise<unknown>;
  subscribeToIoTCore(
    request: { topicName: string; qos: IpcQos },
    options?: IpcCallOptions,
  ): IpcStream<IpcIotCoreMessage>;
  getThingShadow(
    request: { thingName: string; shadowName: string },
    options?: IpcCallOptions,
  ): Promise<{ payload?: IpcBlob }>;
  updateThingShadow(
    request: { thingName: string; shadowName: string; payload: string },
    options?: IpcCallOptions,
  ): Promise<{ payload?: IpcBlob }>;
  deleteThingShadow(
    request: { thingName: string; shadowName: string },
    options?: IpcCallOptions,
  ): Promise<unknown>;
  getConfiguration(request: { keyPath: string[] }, options?: IpcCallOptions): Promise<{ value?: unknown }>;
  subscribeToConfigurationUpdate(
    request: { keyPath: string[] },
    options?: IpcCallOptions,
  ): IpcStream<IpcConfigurationUpdateEvents>;
  updateState(request: { state: 'RUNNING' | 'ERRORED' }, options?: IpcCallOptions): Promise<unknown>;
  subscribeToComponentUpdates(
    request: Record<string, never>,
    options?: IpcCallOptions,
  ): IpcStream<IpcComponentUpdateEvents>;
  deferComponentUpdate(
    request: { deploymentId: string; recheckAfterMs: number; message?: string },
    options?: IpcCallOptions,
  ): Promise<unknown>;
}

/** Builds a fresh, unconnected client (the JS client connects once; reconnecting means a new client). */
export type IpcClientFactory = () => IpcClient;
