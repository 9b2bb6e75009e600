import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageType, stringHeader } from '../../../local-core/src/ipc/frame-codec.ts';
import { type Harness, type IpcClient, startHarness, waitFor } from './ipc-harness.ts';
import { bodyText, header, RawClient } from './raw-client.ts';

describe('component configuration through IPC with the real client', () => {
  let harness: Harness;
  let client: IpcClient;

  beforeAll(async () => {
    harness = await startHarness();
    harness.config.replace('Conf', { port: 8080, network: { host: 'a', retries: 3 }, tags: ['x'] });
    harness.config.replace('Other', { shared: { level: 'info' } });
    client = await harness.connect('Conf');
  });
  afterAll(() => harness.close());

  it('wraps a leaf value in an object keyed by the leaf name', async () => {
    await expect(client.getConfiguration({ keyPath: ['network', 'host'] })).resolves.toEqual({
      componentName: 'Conf',
      value: { host: 'a' },
    });
  });

  it('returns an interior node as its object and the whole configuration for an empty key path', async () => {
    expect((await client.getConfiguration({ keyPath: ['network'] })).value).toEqual({
      host: 'a',
      retries: 3,
    });
    expect((await client.getConfiguration({ keyPath: [] })).value).toMatchObject({ port: 8080, tags: ['x'] });
  });

  it("reads another component's configuration when componentName is given", async () => {
    await expect(client.getConfiguration({ componentName: 'Other', keyPath: ['shared'] })).resolves.toEqual({
      componentName: 'Other',
      value: { level: 'info' },
    });
  });

  it('answers a missing key or component with ResourceNotFoundError "Key not found"', async () => {
    for (const request of [{ keyPath: ['nope'] }, { componentName: 'Ghost', keyPath: [] }]) {
      const error = await client.getConfiguration(request).catch((e: unknown) => e);
      expect(error).toMatchObject({
        serviceError: {
          message: 'Key not found',
          _message: 'Key not found',
          _errorCode: 'ResourceNotFoundError',
          _service: 'aws.greengrass#GreengrassCoreIPC',
        },
      });
    }
  });

  it('sends configuration-update events with the changed key path when a deployment replaces the configuration', async () => {
    const paths: string[][] = [];
    const operation = client.subscribeToConfigurationUpdate({ keyPath: [] });
    operation.on('message', (event) => paths.push(event.configurationUpdateEvent?.keyPath ?? []));
    await operation.activate();
    harness.config.replace('Conf', {
      port: 9090,
      network: { host: 'a', retries: 3 },
      tags: ['x'],
      added: { deep: 1 },
    });
    await waitFor(() => (paths.length === 2 ? true : undefined));
    expect(paths).toEqual([['port'], ['added', 'deep']]);
    await operation.close();
  });

  it('only notifies a subscription about changes under its key path', async () => {
    const paths: string[][] = [];
    const operation = client.subscribeToConfigurationUpdate({ keyPath: ['network'] });
    operation.on('message', (event) => paths.push(event.configurationUpdateEvent?.keyPath ?? []));
    await operation.activate();
    harness.config.replace('Conf', { port: 1, network: { host: 'b', retries: 3 }, tags: ['x'] });
    await waitFor(() => (paths.length >= 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(paths).toEqual([['network', 'host']]);
    await operation.close();
  });

  it('merges UpdateConfiguration and fires the caller’s own subscription', async () => {
    const paths: string[][] = [];
    const operation = client.subscribeToConfigurationUpdate({ keyPath: [] });
    operation.on('message', (event) => paths.push(event.configurationUpdateEvent?.keyPath ?? []));
    await operation.activate();
    await client.updateConfiguration({
      keyPath: ['network'],
      timestamp: new Date(),
      valueToMerge: { retries: 5 },
    });
    await waitFor(() => (paths.length === 1 ? true : undefined));
    expect(paths).toEqual([['network', 'retries']]);
    expect((await client.getConfiguration({ keyPath: ['network'] })).value).toEqual({
      host: 'b',
      retries: 5,
    });
    await operation.close();
  });

  it('refuses an UpdateConfiguration older than the node with FailedUpdateConditionCheckError and keeps the value', async () => {
    await client.updateConfiguration({
      keyPath: ['stale'],
      timestamp: new Date(),
      valueToMerge: { v: 'new' },
    });
    const error = await client
      .updateConfiguration({
        keyPath: ['stale'],
        timestamp: new Date(Date.now() - 60_000),
        valueToMerge: { v: 'old' },
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      serviceError: {
        _errorCode: 'FailedUpdateConditionCheckError',
        message: "Proposed timestamp is older than the config's latest modified timestamp",
      },
    });
    expect((await client.getConfiguration({ keyPath: ['stale', 'v'] })).value).toEqual({ v: 'new' });
  });

  it('matches configuration keys case-insensitively and answers with the stored spelling', async () => {
    harness.config.replace('Cased', { Mixed: { Key: 1 } });
    const cased = await harness.connect('Cased');
    await expect(cased.getConfiguration({ keyPath: ['mixed', 'KEY'] })).resolves.toMatchObject({
      value: { Key: 1 },
    });
    await cased.updateConfiguration({ keyPath: ['MIXED'], timestamp: new Date(), valueToMerge: { kEy: 5 } });
    expect((await cased.getConfiguration({ keyPath: ['Mixed'] })).value).toEqual({ Key: 5 });
  });

  it('returns an interior node like Topics.toPOJO: keys in case-insensitive order, _keys left out', async () => {
    harness.config.replace('Pojo', { b: 1, _secret: 2, A: { _x: 1, y: 2 } });
    const pojo = await harness.connect('Pojo');
    const whole = (await pojo.getConfiguration({ keyPath: [] })).value as Record<string, unknown>;
    expect([Object.keys(whole), whole]).toEqual([['A', 'b'], { A: { y: 2 }, b: 1 }]);
    await expect(pojo.getConfiguration({ keyPath: ['_secret'] })).resolves.toMatchObject({
      value: { _secret: 2 },
    });
  });

  it('stores a __proto__ key sent by UpdateConfiguration as a plain key and returns it, leaving Object.prototype alone', async () => {
    harness.config.replace('Proto', { a: 1 });
    const raw = await RawClient.open(harness.socketPath);
    await raw.handshake('TOKEN-Proto');
    const request = (streamId: number, operation: string, body: string) =>
      raw.send(MessageType.ApplicationMessage, 0, streamId, { operation: stringHeader(operation) }, body);
    request(
      1,
      'aws.greengrass#UpdateConfiguration',
      '{"keyPath":[],"timestamp":1e10,"valueToMerge":{"__proto__":{"isAdmin":true}}}',
    );
    const updated = await raw.next();
    request(2, 'aws.greengrass#GetConfiguration', '{"keyPath":["__proto__"]}');
    const read = await raw.next();
    raw.destroy();
    expect([
      header(updated, 'service-model-type'),
      bodyText(read),
      (Object.prototype as Record<string, unknown>).isAdmin,
    ]).toEqual([
      'aws.greengrass#UpdateConfigurationResponse',
      '{"componentName":"Proto","value":{"isAdmin":true}}',
      undefined,
    ]);
  });

  it('refuses to update accessControl through IPC', async () => {
    const error = await client
      .updateConfiguration({ keyPath: [], timestamp: new Date(), valueToMerge: { accessControl: {} } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      serviceError: {
        _errorCode: 'InvalidArgumentsError',
        message: 'Config update is not allowed for following fields [accessControl]',
      },
    });
  });
});
