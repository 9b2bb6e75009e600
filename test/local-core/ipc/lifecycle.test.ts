import { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, type IpcClient, startHarness, waitFor } from './ipc-harness.ts';

type UpdateEvents = greengrasscoreipc.model.ComponentUpdatePolicyEvents;

async function subscribeToUpdates(client: IpcClient, onEvent: (event: UpdateEvents) => void) {
  const operation = client.subscribeToComponentUpdates({});
  operation.on('message', onEvent);
  await operation.activate();
  return operation;
}

describe('lifecycle and component updates through IPC with the real client', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('reports UpdateState to the lifecycle listener under the caller’s name', async () => {
    const client = await harness.connect('Stateful');
    await client.updateState({ state: greengrasscoreipc.model.ReportedLifecycleState.RUNNING });
    await client.updateState({ state: greengrasscoreipc.model.ReportedLifecycleState.ERRORED });
    expect(harness.states).toEqual([
      { component: 'Stateful', state: 'RUNNING' },
      { component: 'Stateful', state: 'ERRORED' },
    ]);
  });

  it('re-asks a deferring component after recheckAfterMs and proceeds once it acknowledges', async () => {
    const client = await harness.connect('Deferrer');
    const seen: UpdateEvents[] = [];
    const operation = await subscribeToUpdates(client, (event) => {
      seen.push(event);
      const deploymentId = event.preUpdateEvent?.deploymentId;
      if (!deploymentId) return;
      const first = seen.filter((e) => e.preUpdateEvent).length === 1;
      void client.deferComponentUpdate({
        deploymentId,
        message: first ? 'alert window active' : 'ok',
        recheckAfterMs: first ? 50 : 0,
      });
    });
    const result = await harness.server.updates.notifyPreUpdate('deploy-1', 5_000);
    expect(result).toEqual({ deferrals: ['alert window active'] });
    expect(seen).toEqual([
      { preUpdateEvent: { deploymentId: 'deploy-1', isGgcRestarting: false } },
      { preUpdateEvent: { deploymentId: 'deploy-1', isGgcRestarting: false } },
    ]);
    harness.server.updates.notifyPostUpdate('deploy-1');
    await waitFor(() => (seen.length === 3 ? true : undefined));
    expect(seen[2]).toEqual({ postUpdateEvent: { deploymentId: 'deploy-1' } });
    await operation.close();
  });

  it('proceeds after the timeout when a subscriber never answers', async () => {
    const client = await harness.connect('Silent');
    const operation = await subscribeToUpdates(client, () => {});
    await expect(harness.server.updates.notifyPreUpdate('deploy-2', 50)).resolves.toEqual({ deferrals: [] });
    const late = await client
      .deferComponentUpdate({ deploymentId: 'deploy-2', recheckAfterMs: 0 })
      .catch((e: unknown) => e);
    expect(late).toMatchObject({
      serviceError: {
        _errorCode: 'ServiceError',
        message: 'Time limit to respond to PreComponentUpdateEvent exceeded',
      },
    });
    await operation.close();
  });

  it('refuses DeferComponentUpdate from a component that is not subscribed', async () => {
    const client = await harness.connect('Stranger');
    const error = await client
      .deferComponentUpdate({ deploymentId: 'x', recheckAfterMs: 10 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      serviceError: {
        _errorCode: 'InvalidArgumentsError',
        message: 'Component is not subscribed to component update events',
      },
    });
  });

  it('resolves immediately when no component subscribed', async () => {
    await expect(harness.server.updates.notifyPreUpdate('deploy-3', 60_000)).resolves.toEqual({
      deferrals: [],
    });
  });
});
