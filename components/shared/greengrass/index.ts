/** The Greengrass IPC adapter: the ports over aws-iot-device-sdk-v2 (see README "Shared runtime"). */
export * from './greengrass-adapter.ts';
export type * from './ipc-client.ts';
export * from './ipc-errors.ts';
