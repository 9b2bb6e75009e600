/**
 * `npm run deploy -- plan|apply|status`: the one owner of thing-group deployments. Reads the fleet document,
 * plans against the target's current deployment, creates the deployment and follows each device. With
 * `--local-core <root>` the same document goes to a running local-core instead of AWS.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadShippingRecipes } from '../recipes.ts';
import {
  checkAgainstRecipes,
  type FleetDocument,
  loadFleetDocument,
  resolveTargetArn,
} from './fleet-document.ts';
import { deployToLocalCore, readLocalCoreStatus, toLocalCoreDeployment } from './local-core.ts';
import { planDeployment, renderPlan } from './plan.ts';
import type { GreengrassDeployments } from './port.ts';
import { collectProgress, renderProgress } from './progress.ts';

export const USAGE = `Usage:
  npm run deploy -- plan   [--file deployments/fleet.json] [--region <r>] [--account-id <12 digits>]
  npm run deploy -- apply  [same] [--no-wait] [--force] [--wait-minutes <n>]
  npm run deploy -- status [same]
  … --local-core <root> [--thing <name>]… [--only <component>[,<component>…]]   (apply/plan on a running local-core)
--region/--account-id default to AWS_REGION (or AWS_DEFAULT_REGION) and AWS_ACCOUNT_ID; they fill targetArn.
Exit code: 0 done, 1 usage, invalid document or API error, 2 a device did not succeed.`;

export interface DeployIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** GreengrassDeployments for a region (the SDK adapter in production, a fake in tests). */
  readonly connect: (region: string) => GreengrassDeployments;
  /** Waits between progress polls. @default setTimeout of pollMs */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default 5000 */
  readonly pollMs?: number;
}

class UsageError extends Error {}

const REPO = resolve(import.meta.dirname, '..', '..');

/** Runs the CLI; resolves with the exit code. */
export async function runDeployCli(argv: readonly string[], io: DeployIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      io.err(USAGE);
      return 1;
    }
    io.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

async function run(argv: readonly string[], io: DeployIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (positionals.length !== 1 || !['plan', 'apply', 'status'].includes(command ?? '')) {
    throw new UsageError(`expected one command plan|apply|status (got ${JSON.stringify(positionals)})`);
  }
  const document = loadFleetDocument(resolve(io.cwd, values.file ?? join('deployments', 'fleet.json')));
  if (command !== 'status') {
    const recipes = new Map(
      loadShippingRecipes(resolve(io.cwd, values.recipes ?? join(REPO, 'recipes'))).map((r) => [
        r.name,
        r.version,
      ]),
    );
    const problems = checkAgainstRecipes(document, recipes);
    if (problems.length > 0) throw new Error(problems.join('\n'));
  }
  const region = values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (values['local-core'] !== undefined) {
    return runLocal(
      command as 'plan' | 'apply' | 'status',
      document,
      resolve(io.cwd, values['local-core']),
      values,
      io,
    );
  }
  if (values.only !== undefined || values.thing !== undefined)
    throw new UsageError('--only and --thing need --local-core');
  const targetArn = resolveTargetArn(document.targetArn, {
    ...(region ? { region } : {}),
    ...((values['account-id'] ?? io.env.AWS_ACCOUNT_ID)
      ? { account: values['account-id'] ?? io.env.AWS_ACCOUNT_ID }
      : {}),
  });
  const port = io.connect(targetArn.split(':')[3]!);
  const current = await port.getCurrentDeployment(targetArn);

  if (command === 'status') {
    if (!current) {
      io.out(`target   ${targetArn}\ncurrent  none`);
      return 0;
    }
    io.out(`target   ${targetArn}`);
    io.out(
      `current  ${current.deploymentId} (${current.deploymentName ?? '?'}, revision ${current.revisionId ?? '?'}, ${current.deploymentStatus ?? '?'})`,
    );
    for (const [name, spec] of Object.entries(current.components).sort(([a], [b]) => a.localeCompare(b))) {
      io.out(`  ${name} ${spec.componentVersion}`);
    }
    const report = await collectProgress(port, targetArn, current.deploymentId);
    for (const line of renderProgress(report)) io.out(line);
    return report.failed > 0 ? 2 : 0;
  }

  const plan = planDeployment(document, targetArn, current);
  for (const line of renderPlan(plan, current)) io.out(line);
  if (command === 'plan') return 0;
  if (plan.noChange && !values.force) {
    io.out('nothing to apply (use --force to create a new revision anyway)');
    return 0;
  }
  const created = await port.createDeployment(plan.request);
  io.out(`created  ${created.deploymentId}${created.iotJobId ? ` (job ${created.iotJobId})` : ''}`);
  if (values['no-wait']) return 0;

  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = io.pollMs ?? 5000;
  const waitMinutes = Number(values['wait-minutes'] ?? '60');
  if (!Number.isFinite(waitMinutes) || waitMinutes <= 0) {
    throw new UsageError(
      `--wait-minutes: expected a positive number (got ${JSON.stringify(values['wait-minutes'])})`,
    );
  }
  const polls = Math.max(1, Math.ceil((waitMinutes * 60_000) / pollMs));
  let last = '';
  for (let i = 0; i < polls; i += 1) {
    let report: Awaited<ReturnType<typeof collectProgress>>;
    try {
      report = await collectProgress(port, targetArn, created.deploymentId);
    } catch (error) {
      // The deployment exists; a throttled or failed poll must not end the watch.
      io.err(`progress poll failed, retrying: ${error instanceof Error ? error.message : String(error)}`);
      await sleep(pollMs);
      continue;
    }
    const text = renderProgress(report).join('\n');
    if (text !== last) io.out(text);
    last = text;
    if (report.done) return report.failed > 0 ? 2 : 0;
    await sleep(pollMs);
  }
  io.out(`still in progress after ${waitMinutes} min; follow it with: npm run deploy -- status`);
  return 0;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      recipes: { type: 'string' },
      region: { type: 'string' },
      'account-id': { type: 'string' },
      'no-wait': { type: 'boolean' },
      force: { type: 'boolean' },
      'wait-minutes': { type: 'string' },
      'local-core': { type: 'string' },
      thing: { type: 'string', multiple: true },
      only: { type: 'string' },
    },
  });
}

async function runLocal(
  command: 'plan' | 'apply' | 'status',
  document: FleetDocument,
  root: string,
  values: ReturnType<typeof parse>['values'],
  io: DeployIo,
): Promise<number> {
  const status = await readLocalCoreStatus(root);
  if (command === 'status') {
    for (const [thing, t] of Object.entries(status.things)) {
      io.out(`${thing} (${t.thingGroups.join(', ') || 'no groups'})`);
      for (const [name, c] of Object.entries(t.components)) io.out(`  ${name} ${c.version} ${c.state}`);
    }
    return 0;
  }
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const region = values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  const deployment = toLocalCoreDeployment(document, status, {
    ...(values.thing ? { things: values.thing } : {}),
    ...(only ? { only } : {}),
    ...(region ? { region } : {}),
  });
  if (command === 'plan') {
    io.out(JSON.stringify(deployment, null, 2));
    return 0;
  }
  const result = await deployToLocalCore(root, deployment);
  io.out(result.output);
  return result.ok ? 0 : 2;
}
