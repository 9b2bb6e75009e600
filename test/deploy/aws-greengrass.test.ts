import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  ListCoreDevicesCommand,
  ListDeploymentsCommand,
  ListEffectiveDeploymentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { describe, expect, it } from 'vitest';
import {
  createAwsGreengrassDeployments,
  type GreengrassV2Sender,
} from '../../scripts/deploy/aws-greengrass.ts';
import { planDeployment } from '../../scripts/deploy/plan.ts';
import { fleet, TARGET } from './helpers.ts';

/** A GreengrassV2Client stand-in: records each command and answers from `reply`. */
function stubClient(reply: (command: { input: Record<string, unknown> }) => unknown) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      return reply(command);
    },
  } as unknown as GreengrassV2Sender;
  return { client, sent };
}

describe('SDK adapter', () => {
  it('reads the current deployment with ListDeployments LATEST_ONLY then GetDeployment', async () => {
    const { client, sent } = stubClient((command) => {
      if (command instanceof ListDeploymentsCommand)
        return { deployments: [{ deploymentId: 'd-7', targetArn: TARGET }] };
      if (command instanceof GetDeploymentCommand) {
        return {
          deploymentName: 'matchday-fleet',
          revisionId: '7',
          deploymentStatus: 'ACTIVE',
          components: { 'com.x': { componentVersion: '1.2.3', configurationUpdate: { merge: '{"a":1}' } } },
        };
      }
      throw new Error('unexpected');
    });
    const current = await createAwsGreengrassDeployments('eu-west-1', client).getCurrentDeployment(TARGET);
    expect(sent.map((s) => s.input)).toEqual([
      { targetArn: TARGET, historyFilter: 'LATEST_ONLY' },
      { deploymentId: 'd-7' },
    ]);
    expect(current).toEqual({
      deploymentId: 'd-7',
      deploymentName: 'matchday-fleet',
      revisionId: '7',
      deploymentStatus: 'ACTIVE',
      components: { 'com.x': { componentVersion: '1.2.3', configurationUpdate: { merge: '{"a":1}' } } },
    });
  });

  it('reports no current deployment for a target that has none', async () => {
    const { client } = stubClient(() => ({ deployments: [] }));
    expect(
      await createAwsGreengrassDeployments('eu-west-1', client).getCurrentDeployment(TARGET),
    ).toBeUndefined();
  });

  it('sends the planned request unchanged to CreateDeployment', async () => {
    const { client, sent } = stubClient((command) =>
      command instanceof CreateDeploymentCommand ? { deploymentId: 'd-8', iotJobId: 'job-8' } : undefined,
    );
    const { request } = planDeployment(fleet(), TARGET, undefined);
    const created = await createAwsGreengrassDeployments('eu-west-1', client).createDeployment(request);
    expect(created).toEqual({ deploymentId: 'd-8', iotJobId: 'job-8' });
    expect(sent[0]?.input).toEqual(JSON.parse(JSON.stringify(request)));
  });

  it('follows nextToken through every page of core devices and effective deployments', async () => {
    const { client, sent } = stubClient((command) => {
      const token = command.input.nextToken;
      if (command instanceof ListCoreDevicesCommand) {
        return token === undefined
          ? { coreDevices: [{ coreDeviceThingName: 'pi-a', status: 'HEALTHY' }], nextToken: 'p2' }
          : { coreDevices: [{ coreDeviceThingName: 'pi-b', status: 'UNHEALTHY' }] };
      }
      if (command instanceof ListEffectiveDeploymentsCommand) {
        return token === undefined
          ? {
              effectiveDeployments: [
                { deploymentId: 'd-1', targetArn: TARGET, coreDeviceExecutionStatus: 'FAILED', reason: 'x' },
              ],
              nextToken: 'p2',
            }
          : {
              effectiveDeployments: [
                { deploymentId: 'd-2', targetArn: TARGET, coreDeviceExecutionStatus: 'QUEUED' },
              ],
            };
      }
      throw new Error('unexpected');
    });
    const port = createAwsGreengrassDeployments('eu-west-1', client);
    expect(await port.listCoreDevices(TARGET)).toEqual([
      { thingName: 'pi-a', status: 'HEALTHY' },
      { thingName: 'pi-b', status: 'UNHEALTHY' },
    ]);
    expect(await port.listEffectiveDeployments('pi-a')).toEqual([
      { deploymentId: 'd-1', targetArn: TARGET, status: 'FAILED', reason: 'x' },
      { deploymentId: 'd-2', targetArn: TARGET, status: 'QUEUED' },
    ]);
    expect(sent.filter((s) => s.name === 'ListCoreDevicesCommand').map((s) => s.input)).toEqual([
      { thingGroupArn: TARGET, nextToken: undefined },
      { thingGroupArn: TARGET, nextToken: 'p2' },
    ]);
  });
});
