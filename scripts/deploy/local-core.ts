/**
 * `--local-core <root>`: the fleet document applied to a running local-core, so the same CLI drives laptops
 * and the fleet. The document becomes local-core's deployment file (the same components map plus `things`,
 * `nucleus` and `componentUpdatePolicy`) and goes through the real `local-core deploy` command.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FleetDocument } from './fleet-document.ts';
import { componentMapFor } from './plan.ts';
import type { ComponentSpec } from './port.ts';

const LOCAL_CORE_BIN = resolve(import.meta.dirname, '..', '..', 'local-core', 'bin', 'local-core.js');

/** What the CLI needs of `local-core status`. */
export interface LocalCoreStatus {
  readonly things: Record<
    string,
    {
      readonly thingGroups: readonly string[];
      readonly components: Record<
        string,
        { readonly version: string; readonly state: string; readonly restarts?: number }
      >;
    }
  >;
}

export interface LocalCoreOptions {
  /** Run only on these things of the local-core (all when absent). */
  readonly things?: readonly string[];
  /** Start only these components on each thing (local-core `things[].components`; all when absent). */
  readonly only?: readonly string[];
  /** AWS_REGION for the components; @default eu-west-1 */
  readonly region?: string;
}

/** Reads `<root>/endpoints.json` and asks the control endpoint for status (loopback HTTP). */
export async function readLocalCoreStatus(root: string): Promise<LocalCoreStatus> {
  let control: string;
  try {
    const endpoints = JSON.parse(readFileSync(join(root, 'endpoints.json'), 'utf8')) as {
      control: { url: string };
    };
    control = endpoints.control.url;
  } catch {
    throw new Error(
      `--local-core ${root}: no running local-core (${join(root, 'endpoints.json')} is missing)`,
    );
  }
  const response = await fetch(`${control}/status`);
  if (!response.ok) throw new Error(`local-core status: HTTP ${response.status}`);
  return (await response.json()) as LocalCoreStatus;
}

function nucleusInterpolates(document: FleetDocument): boolean {
  const merge = document.components['aws.greengrass.Nucleus']?.configurationUpdate?.merge;
  if (merge === undefined) return false;
  return (
    (JSON.parse(merge) as { interpolateComponentConfiguration?: unknown })
      .interpolateComponentConfiguration === true
  );
}

/**
 * The local-core deployment file for the document. Versions running now (from status) play the part of the
 * current deployment, so a version change gets the same `/accessControl` reset as in the cloud.
 */
export function toLocalCoreDeployment(
  document: FleetDocument,
  status: LocalCoreStatus,
  options: LocalCoreOptions = {},
): Record<string, unknown> {
  const names = Object.keys(status.things).filter((t) => !options.things || options.things.includes(t));
  const missing = (options.things ?? []).filter((t) => !(t in status.things));
  if (missing.length > 0) {
    throw new Error(
      `--thing: not in the running local-core: ${missing.join(', ')} (has ${Object.keys(status.things).join(', ')})`,
    );
  }
  const unknown = (options.only ?? []).filter((c) => !(c in document.components));
  if (unknown.length > 0) throw new Error(`--only: not in the document's components: ${unknown.join(', ')}`);
  const current: Record<string, ComponentSpec> = {};
  for (const name of names) {
    for (const [component, s] of Object.entries(status.things[name]!.components)) {
      current[component] ??= { componentVersion: s.version };
    }
  }
  return {
    deploymentName: document.deploymentName,
    things: names.map((name) => ({
      name,
      thingGroups: [...status.things[name]!.thingGroups],
      ...(options.only ? { components: [...options.only] } : {}),
    })),
    nucleus: {
      interpolateComponentConfiguration: nucleusInterpolates(document),
      region: options.region ?? 'eu-west-1',
    },
    deploymentPolicies: {
      componentUpdatePolicy: document.deploymentPolicies.componentUpdatePolicy,
      failureHandlingPolicy: document.deploymentPolicies.failureHandlingPolicy,
    },
    components: componentMapFor(document, current),
  };
}

export interface LocalCoreDeployResult {
  readonly ok: boolean;
  /** What `local-core deploy` printed (its JSON result) or its error. */
  readonly output: string;
}

/** Writes the deployment to a temporary file and runs `local-core deploy --root <root> <file>`. */
export function deployToLocalCore(root: string, deployment: unknown): Promise<LocalCoreDeployResult> {
  const folder = mkdtempSync(join(tmpdir(), 'deploy-local-'));
  const file = join(folder, 'deployment.json');
  writeFileSync(file, JSON.stringify(deployment, null, 2));
  return new Promise((done) => {
    execFile(
      process.execPath,
      [LOCAL_CORE_BIN, 'deploy', '--root', root, file],
      { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        rmSync(folder, { recursive: true, force: true });
        done({ ok: error === null, output: `${stdout}${stderr}`.trim() });
      },
    );
  });
}
