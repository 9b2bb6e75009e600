import type { IpcCaller } from '../nucleus/services.ts';

/** What an operation handler gets besides its request. */
export interface OperationContext {
  readonly caller: IpcCaller & {
    /** authorize() with a possibly-null resource, as the nucleus passes a missing topic through. */
    authorizeNullable(service: string, operation: string, resource: string | null): void;
  };
  /** Sends a stream event (streaming operations); queued until the initial response is on the wire. */
  emit(event: unknown): void;
  /** Server-side close: empty APPLICATION_MESSAGE with TERMINATE_STREAM. */
  closeStream(): void;
  /** Runs `cleanup` once the stream closes for any reason (runs at once if already closed). */
  onClose(cleanup: () => void): void;
  readonly closed: boolean;
  /** Whether the initial response is on the wire (events emitted before it are queued). */
  readonly responded: boolean;
}

export interface OperationSpec {
  /** Streaming operations answer with flags 0 and keep the stream open for events. */
  readonly eventShape?: string;
  /** Responses and events are already wire JSON (blobs base64, times epoch seconds): skip conversion. */
  readonly plainJson?: boolean;
  handle(
    request: Record<string, unknown>,
    context: OperationContext,
  ): Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** Every operation of the GreengrassCoreIPC service model (JS SDK 1.28.0 makeServiceModel). */
export const GREENGRASS_CORE_IPC_OPERATIONS = [
  'AuthorizeClientDeviceAction',
  'CancelLocalDeployment',
  'CreateDebugPassword',
  'CreateLocalDeployment',
  'DeferComponentUpdate',
  'DeleteThingShadow',
  'GetClientDeviceAuthToken',
  'GetComponentDetails',
  'GetConfiguration',
  'GetLocalDeploymentStatus',
  'GetSecretValue',
  'GetThingShadow',
  'ListComponents',
  'ListLocalDeployments',
  'ListNamedShadowsForThing',
  'PauseComponent',
  'PublishToIoTCore',
  'PublishToTopic',
  'PutComponentMetric',
  'RestartComponent',
  'ResumeComponent',
  'SendConfigurationValidityReport',
  'StopComponent',
  'SubscribeToCertificateUpdates',
  'SubscribeToComponentUpdates',
  'SubscribeToConfigurationUpdate',
  'SubscribeToIoTCore',
  'SubscribeToTopic',
  'SubscribeToValidateConfigurationUpdates',
  'UpdateConfiguration',
  'UpdateState',
  'UpdateThingShadow',
  'ValidateAuthorizationToken',
  'VerifyClientDeviceIdentity',
] as const;

export const SERVICE_PREFIX = 'aws.greengrass#';

/** `GetThingShadow` or `aws.greengrass#GetThingShadow` → `aws.greengrass#GetThingShadow`. */
export function qualifiedOperation(name: string): string {
  return name.includes('#') ? name : `${SERVICE_PREFIX}${name}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
