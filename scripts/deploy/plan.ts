/**
 * Pure planning: the CreateDeployment request for a fleet document against the target's current deployment
 * (always the full map; `reset: ["/accessControl"]` for every component whose version changes, so the new
 * recipe's accessControl replaces the stale one the nucleus keeps), the diff `plan` prints, and the clientToken.
 */
import { createHash } from 'node:crypto';
import type { FleetDocument } from './fleet-document.ts';
import type { ComponentMap, ComponentSpec, CreateDeploymentInput, CurrentDeployment } from './port.ts';

export const ACCESS_CONTROL_RESET = '/accessControl';

export interface PlanDiff {
  readonly added: readonly { name: string; version: string }[];
  readonly removed: readonly { name: string; version: string }[];
  readonly versionChanged: readonly { name: string; from: string; to: string }[];
  /** Same version, different configurationUpdate or runWith. */
  readonly configChanged: readonly string[];
  readonly unchanged: readonly string[];
}

export interface DeploymentPlan {
  readonly request: CreateDeploymentInput;
  readonly diff: PlanDiff;
  /** True when nothing differs from the current deployment (apply skips it unless forced). */
  readonly noChange: boolean;
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The parts of a spec that change a device besides its version; merge compared as parsed JSON. */
function configKey(spec: ComponentSpec, ignoreAccessControlReset: boolean): string {
  const update = spec.configurationUpdate;
  const reset = (update?.reset ?? []).filter(
    (p) => !(ignoreAccessControlReset && p === ACCESS_CONTROL_RESET),
  );
  const merge = update?.merge === undefined ? {} : (JSON.parse(update.merge) as unknown);
  return stable({ merge, reset, runWith: spec.runWith ?? {} });
}

function withoutComment(spec: ComponentSpec & { $comment?: string }): ComponentSpec {
  const { $comment: _comment, ...rest } = spec;
  return rest;
}

/** Compares the wanted map with the current one. */
export function diffComponents(current: ComponentMap, wanted: ComponentMap): PlanDiff {
  const added: { name: string; version: string }[] = [];
  const removed: { name: string; version: string }[] = [];
  const versionChanged: { name: string; from: string; to: string }[] = [];
  const configChanged: string[] = [];
  const unchanged: string[] = [];
  for (const name of Object.keys(wanted).sort()) {
    const want = wanted[name]!;
    const have = current[name];
    if (!have) added.push({ name, version: want.componentVersion });
    else if (have.componentVersion !== want.componentVersion) {
      versionChanged.push({ name, from: have.componentVersion, to: want.componentVersion });
    } else if (configKey(have, true) !== configKey(want, true)) configChanged.push(name);
    else unchanged.push(name);
  }
  for (const name of Object.keys(current).sort()) {
    if (!(name in wanted)) removed.push({ name, version: current[name]!.componentVersion });
  }
  return { added, removed, versionChanged, configChanged, unchanged };
}

/**
 * The full component map to send: every component of the document, with `/accessControl` added to `reset`
 * for each one whose version differs from the current deployment (a new component installs fresh and needs none).
 */
export function componentMapFor(
  document: FleetDocument,
  current: ComponentMap,
): Record<string, ComponentSpec> {
  const out: Record<string, ComponentSpec> = {};
  for (const [name, raw] of Object.entries(document.components)) {
    const spec = withoutComment(raw as ComponentSpec & { $comment?: string });
    const have = current[name];
    if (have && have.componentVersion !== spec.componentVersion) {
      const reset = spec.configurationUpdate?.reset ?? [];
      out[name] = {
        ...spec,
        configurationUpdate: {
          ...spec.configurationUpdate,
          reset: reset.includes(ACCESS_CONTROL_RESET) ? reset : [...reset, ACCESS_CONTROL_RESET],
        },
      };
    } else out[name] = spec;
  }
  return out;
}

/**
 * Idempotency token for CreateDeployment: a hash of the request and the revision it replaces, so a retried
 * `apply` (network error, Ctrl-C) within AWS's 8 h window returns the same deployment instead of a new one.
 */
export function clientTokenFor(
  request: Omit<CreateDeploymentInput, 'clientToken'>,
  basedOn: string | undefined,
): string {
  return createHash('sha256')
    .update(stable({ request, basedOn: basedOn ?? null }))
    .digest('hex')
    .slice(0, 64);
}

/** Builds the request and the diff. `targetArn` is already resolved. */
export function planDeployment(
  document: FleetDocument,
  targetArn: string,
  current: CurrentDeployment | undefined,
): DeploymentPlan {
  const currentMap = current?.components ?? {};
  const components = componentMapFor(document, currentMap);
  const base: Omit<CreateDeploymentInput, 'clientToken'> = {
    targetArn,
    deploymentName: document.deploymentName,
    components,
    deploymentPolicies: document.deploymentPolicies,
    iotJobConfiguration: document.iotJobConfiguration,
    ...(document.tags === undefined ? {} : { tags: document.tags }),
  };
  const request: CreateDeploymentInput = {
    ...base,
    clientToken: clientTokenFor(base, current?.deploymentId),
  };
  const diff = diffComponents(currentMap, components);
  const noChange =
    current !== undefined &&
    diff.added.length + diff.removed.length + diff.versionChanged.length + diff.configChanged.length === 0;
  return { request, diff, noChange };
}

/** Human-readable plan lines. */
export function renderPlan(plan: DeploymentPlan, current: CurrentDeployment | undefined): string[] {
  const lines = [
    `target   ${plan.request.targetArn}`,
    current
      ? `current  ${current.deploymentId} (${current.deploymentName ?? '?'}, revision ${current.revisionId ?? '?'}, ${current.deploymentStatus ?? '?'})`
      : 'current  none (first deployment to this target)',
  ];
  const { diff } = plan;
  for (const c of diff.added) lines.push(`  + ${c.name} ${c.version}`);
  for (const c of diff.removed) lines.push(`  - ${c.name} ${c.version} (removed from every device)`);
  for (const c of diff.versionChanged)
    lines.push(`  ~ ${c.name} ${c.from} -> ${c.to} (reset /accessControl)`);
  for (const name of diff.configChanged) {
    lines.push(`  ~ ${name} configuration`);
    const before = current?.components[name]?.configurationUpdate;
    const after = plan.request.components[name]?.configurationUpdate;
    lines.push(`      before ${before === undefined ? '(none)' : JSON.stringify(before)}`);
    lines.push(`      after  ${after === undefined ? '(none)' : JSON.stringify(after)}`);
  }
  lines.push(
    plan.noChange
      ? 'no change: the current deployment already matches'
      : `${diff.added.length} added, ${diff.removed.length} removed, ${diff.versionChanged.length} version changes, ${diff.configChanged.length} configuration changes, ${diff.unchanged.length} unchanged`,
  );
  return lines;
}
