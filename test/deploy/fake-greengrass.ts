/** In-memory GreengrassDeployments: one current deployment per target, core devices per group, effective deployments per device. */
import type {
  CoreDeviceSummary,
  CreateDeploymentInput,
  CurrentDeployment,
  EffectiveDeploymentState,
  GreengrassDeployments,
} from '../../scripts/deploy/port.ts';

export class FakeGreengrass implements GreengrassDeployments {
  readonly current = new Map<string, CurrentDeployment>();
  readonly created: CreateDeploymentInput[] = [];
  readonly groups = new Map<string, CoreDeviceSummary[]>();
  readonly effective = new Map<string, EffectiveDeploymentState[]>();
  /** Called after each listCoreDevices, so a test can move devices along between polls. */
  onPoll: (() => void) | undefined;
  private readonly byToken = new Map<string, string>();

  async getCurrentDeployment(targetArn: string): Promise<CurrentDeployment | undefined> {
    return this.current.get(targetArn);
  }

  async createDeployment(input: CreateDeploymentInput): Promise<{ deploymentId: string }> {
    const existing = this.byToken.get(input.clientToken);
    if (existing) return { deploymentId: existing };
    this.created.push(input);
    const deploymentId = `d-${this.created.length}`;
    this.byToken.set(input.clientToken, deploymentId);
    this.current.set(input.targetArn, {
      deploymentId,
      deploymentName: input.deploymentName,
      revisionId: String(this.created.length),
      deploymentStatus: 'ACTIVE',
      components: input.components,
    });
    return { deploymentId };
  }

  async listCoreDevices(thingGroupArn: string): Promise<readonly CoreDeviceSummary[]> {
    const devices = this.groups.get(thingGroupArn) ?? [];
    this.onPoll?.();
    return devices;
  }

  async listEffectiveDeployments(thingName: string): Promise<readonly EffectiveDeploymentState[]> {
    return this.effective.get(thingName) ?? [];
  }
}
