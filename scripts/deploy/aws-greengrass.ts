/**
 * The only file of the deploy CLI that talks to AWS: GreengrassDeployments over @aws-sdk/client-greengrassv2
 * with the SDK's default credential chain.
 */
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GreengrassV2Client,
  ListCoreDevicesCommand,
  ListDeploymentsCommand,
  ListEffectiveDeploymentsCommand,
} from '@aws-sdk/client-greengrassv2';
import type {
  ComponentMap,
  ComponentSpec,
  CoreDeviceSummary,
  CreateDeploymentInput,
  CurrentDeployment,
  EffectiveDeploymentState,
  GreengrassDeployments,
} from './port.ts';

/** What the adapter uses of GreengrassV2Client (a stub in the adapter's test). */
export interface GreengrassV2Sender {
  send: GreengrassV2Client['send'];
}

/** GreengrassDeployments against AWS in `region` (or over `client`). */
export function createAwsGreengrassDeployments(
  region: string,
  client: GreengrassV2Sender = new GreengrassV2Client({ region }),
): GreengrassDeployments {
  return {
    async getCurrentDeployment(targetArn: string): Promise<CurrentDeployment | undefined> {
      const listed = await client.send(
        new ListDeploymentsCommand({ targetArn, historyFilter: 'LATEST_ONLY' }),
      );
      const latest = listed.deployments?.find((d) => d.targetArn === targetArn) ?? listed.deployments?.[0];
      if (!latest?.deploymentId) return undefined;
      const d = await client.send(new GetDeploymentCommand({ deploymentId: latest.deploymentId }));
      const components: Record<string, ComponentSpec> = {};
      for (const [name, spec] of Object.entries(d.components ?? {})) {
        const update = spec.configurationUpdate;
        components[name] = {
          componentVersion: spec.componentVersion ?? '',
          ...(update
            ? {
                configurationUpdate: {
                  ...(update.merge === undefined ? {} : { merge: update.merge }),
                  ...(update.reset === undefined ? {} : { reset: update.reset }),
                },
              }
            : {}),
          ...(spec.runWith ? { runWith: spec.runWith as NonNullable<ComponentSpec['runWith']> } : {}),
        };
      }
      return {
        deploymentId: latest.deploymentId,
        ...(d.deploymentName ? { deploymentName: d.deploymentName } : {}),
        ...(d.revisionId ? { revisionId: d.revisionId } : {}),
        ...(d.deploymentStatus ? { deploymentStatus: d.deploymentStatus } : {}),
        ...(d.creationTimestamp ? { creationTimestamp: d.creationTimestamp } : {}),
        components: components as ComponentMap,
      };
    },
    async createDeployment(input: CreateDeploymentInput) {
      const out = await client.send(
        new CreateDeploymentCommand(
          structuredClone(input) as ConstructorParameters<typeof CreateDeploymentCommand>[0],
        ),
      );
      if (!out.deploymentId) throw new Error('CreateDeployment returned no deploymentId');
      return { deploymentId: out.deploymentId, ...(out.iotJobId ? { iotJobId: out.iotJobId } : {}) };
    },
    async listCoreDevices(thingGroupArn: string): Promise<CoreDeviceSummary[]> {
      const out: CoreDeviceSummary[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new ListCoreDevicesCommand({ thingGroupArn, nextToken }));
        for (const c of page.coreDevices ?? []) {
          if (c.coreDeviceThingName) {
            out.push({ thingName: c.coreDeviceThingName, ...(c.status ? { status: c.status } : {}) });
          }
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return out;
    },
    async listEffectiveDeployments(thingName: string): Promise<EffectiveDeploymentState[]> {
      const out: EffectiveDeploymentState[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new ListEffectiveDeploymentsCommand({ coreDeviceThingName: thingName, nextToken }),
        );
        for (const e of page.effectiveDeployments ?? []) {
          out.push({
            deploymentId: e.deploymentId ?? '',
            targetArn: e.targetArn ?? '',
            status: e.coreDeviceExecutionStatus ?? 'UNKNOWN',
            ...(e.reason ? { reason: e.reason } : {}),
            ...(e.modifiedTimestamp ? { modifiedTimestamp: e.modifiedTimestamp } : {}),
          });
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return out;
    },
  };
}
