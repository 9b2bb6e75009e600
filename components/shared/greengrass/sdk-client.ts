/**
 * The real client factory: aws-iot-device-sdk-v2's Greengrass IPC client. This folder is the only code in
 * the repository that imports the SDK (and so loads the aws-crt native binary).
 */
import { greengrasscoreipc, io } from 'aws-iot-device-sdk-v2';
import type { IpcClient, IpcClientFactory } from './ipc-client.ts';

export interface SdkClientOptions {
  /**
   * Unix socket path of the nucleus. @default the SDK's own lookup of
   * `AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT`
   */
  readonly socketPath?: string;
  /** IPC token. @default the SDK's own lookup of `SVCUID` */
  readonly authToken?: string;
}

/**
 * A factory of fresh SDK clients (one per connection attempt: the JS client connects only once).
 * The SDK's declared types use string enums (`QOS`, `ReceiveMode`) and overloaded `on`, which TypeScript
 * will not match structurally against `IpcClient`'s plain string unions, hence the cast; the values on the
 * wire are the same strings, and test/shared/greengrass/adapter-local-core.test.ts runs the real client.
 */
export function createSdkClientFactory(options: SdkClientOptions = {}): IpcClientFactory {
  return () => {
    if (options.socketPath === undefined && options.authToken === undefined) {
      return greengrasscoreipc.createClient() as unknown as IpcClient;
    }
    const defaults = greengrasscoreipc.createDefaultClientConfig();
    const { authToken } = options;
    const config = {
      ...defaults,
      hostName: options.socketPath ?? defaults.hostName,
      port: 0,
      socketOptions: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.LOCAL),
      ...(authToken === undefined
        ? {}
        : {
            connectTransform: async ({ message }: { message: { payload?: unknown } }) => ({
              ...message,
              payload: JSON.stringify({ authToken }),
            }),
          }),
    };
    return greengrasscoreipc.createClient(config as typeof defaults) as unknown as IpcClient;
  };
}
