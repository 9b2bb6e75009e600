/**
 * Per-device progress of a thing-group deployment: each core device of the group and the state of the given
 * deployment on it (ListEffectiveDeployments), rendered as a table with a summary line.
 */
import type { EffectiveDeploymentState, GreengrassDeployments } from './port.ts';

/** Execution states after which a device no longer changes for this deployment. */
export const TERMINAL_STATES = new Set([
  'SUCCEEDED',
  'COMPLETED',
  'FAILED',
  'TIMED_OUT',
  'CANCELED',
  'REJECTED',
]);
const SUCCESS_STATES = new Set(['SUCCEEDED', 'COMPLETED']);

export interface DeviceProgress {
  readonly thingName: string;
  /** The deployment's execution state on the device, `NOT_STARTED` when the device does not list it yet. */
  readonly state: string;
  readonly reason?: string;
  readonly health?: string;
}

export interface ProgressReport {
  readonly devices: readonly DeviceProgress[];
  readonly done: boolean;
  readonly succeeded: number;
  readonly failed: number;
  readonly pending: number;
}

/** Summarises device states for one deployment. An empty group is done (nothing to wait for). */
export function summarise(devices: readonly DeviceProgress[]): ProgressReport {
  let succeeded = 0;
  let failed = 0;
  let pending = 0;
  for (const d of devices) {
    if (SUCCESS_STATES.has(d.state)) succeeded += 1;
    else if (TERMINAL_STATES.has(d.state)) failed += 1;
    else pending += 1;
  }
  return { devices, done: pending === 0, succeeded, failed, pending };
}

function stateOf(
  deployments: readonly EffectiveDeploymentState[],
  deploymentId: string,
): Pick<DeviceProgress, 'state' | 'reason'> {
  const mine = deployments.find((d) => d.deploymentId === deploymentId);
  if (!mine) return { state: 'NOT_STARTED' };
  return mine.reason ? { state: mine.status, reason: mine.reason } : { state: mine.status };
}

/** Reads every core device of the group and its state for `deploymentId`. */
export async function collectProgress(
  port: GreengrassDeployments,
  thingGroupArn: string,
  deploymentId: string,
): Promise<ProgressReport> {
  const cores = await port.listCoreDevices(thingGroupArn);
  const devices: DeviceProgress[] = [];
  for (const core of [...cores].sort((a, b) => a.thingName.localeCompare(b.thingName))) {
    const state = stateOf(await port.listEffectiveDeployments(core.thingName), deploymentId);
    devices.push({ thingName: core.thingName, ...state, ...(core.status ? { health: core.status } : {}) });
  }
  return summarise(devices);
}

/** Table lines: one per device, then `<n> succeeded, <n> failed, <n> in progress of <total>`. */
export function renderProgress(report: ProgressReport): string[] {
  const width = Math.max(6, ...report.devices.map((d) => d.thingName.length));
  const lines = [`${'device'.padEnd(width)}  ${'state'.padEnd(12)}  detail`];
  for (const d of report.devices) {
    const detail = [d.health ? `health ${d.health}` : '', d.reason ?? ''].filter(Boolean).join('; ');
    lines.push(`${d.thingName.padEnd(width)}  ${d.state.padEnd(12)}  ${detail}`.trimEnd());
  }
  lines.push(
    `${report.succeeded} succeeded, ${report.failed} failed, ${report.pending} in progress of ${report.devices.length}${report.done ? ' (done)' : ''}`,
  );
  return lines;
}
