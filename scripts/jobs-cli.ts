/**
 * `npm run jobs -- create|status|cancel …`: fleet commands through AWS IoT Jobs with @aws-sdk/client-iot.
 * The same code talks to local-core (endpoint from `<root>/endpoints.json` or `--endpoint`, dummy
 * credentials) or to AWS (`--aws`: the SDK's default endpoint and credential chain). While a job runs it
 * shows each device's progress.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CancelJobCommand,
  CreateJobCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  IoTClient,
  type JobExecutionSummaryForJob,
  ListJobExecutionsForJobCommand,
} from '@aws-sdk/client-iot';

const USAGE = `Usage:
  npm run jobs -- create <jobId> --targets <t>[,<t>…] (--document <file> | --document-json <json>)
                         [--timeout-minutes <n>] [--description <text>] [--wait]
  npm run jobs -- status <jobId> [--watch]
  npm run jobs -- cancel <jobId> [--force] [--reason-code <code>] [--comment <text>]
Targets: thing/<name>, thinggroup/<name> or full ARNs (arn:aws:iot:<region>:<account>:thing/<name>).
Endpoint: local-core by default (<root>/endpoints.json, --root defaults to .local/core), --endpoint <url>,
or --aws for AWS IoT (--region, --account-id or AWS_ACCOUNT_ID to expand short targets).
Exit code: 0 done (all SUCCEEDED when waiting), 1 usage or API error, 2 some device did not succeed.`;

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT', 'CANCELED', 'REMOVED']);
const LOCAL_ACCOUNT_ID = '000000000000';
const LOCAL_REGION = 'eu-west-1';

export interface CliIo {
  readonly out: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Milliseconds between progress polls. @default 1000 */
  readonly pollMs?: number;
}

class UsageError extends Error {}

interface Target {
  readonly client: IoTClient;
  readonly region: string;
  readonly accountId: string | undefined;
}

function connect(values: Record<string, string | boolean | undefined>, io: CliIo): Target {
  if (values.aws) {
    const region = (values.region as string | undefined) ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
    if (!region) throw new UsageError('--aws needs --region or AWS_REGION');
    const accountId = (values['account-id'] as string | undefined) ?? io.env.AWS_ACCOUNT_ID;
    return { client: new IoTClient({ region }), region, accountId };
  }
  let endpoint = values.endpoint as string | undefined;
  if (!endpoint) {
    const root = resolve(io.cwd, (values.root as string | undefined) ?? '.local/core');
    const file = join(root, 'endpoints.json');
    try {
      const endpoints = JSON.parse(readFileSync(file, 'utf8')) as { api?: { url?: unknown } };
      if (typeof endpoints.api?.url !== 'string') throw new Error('no api.url');
      endpoint = endpoints.api.url;
    } catch (error) {
      throw new UsageError(
        `cannot read the cloud API endpoint from ${file} (${(error as Error).message}); is local-core running? Use --endpoint or --aws`,
      );
    }
  }
  if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(endpoint)) {
    throw new UsageError(`--endpoint must be a loopback http URL for local-core, got \`${endpoint}\``);
  }
  const region = (values.region as string | undefined) ?? LOCAL_REGION;
  return {
    client: new IoTClient({
      endpoint,
      region,
      credentials: { accessKeyId: 'local-core', secretAccessKey: 'local-core' },
    }),
    region,
    accountId: LOCAL_ACCOUNT_ID,
  };
}

/** `thing/office-a` → the thing's ARN; full ARNs pass through. */
export function expandTarget(target: string, region: string, accountId: string | undefined): string {
  if (target.startsWith('arn:')) return target;
  const m = /^(thing|thinggroup)\/([a-zA-Z0-9:_-]{1,128})$/.exec(target);
  if (!m)
    throw new UsageError(`--targets: expected thing/<name>, thinggroup/<name> or an ARN, got \`${target}\``);
  if (!accountId)
    throw new UsageError(`--targets: \`${target}\` needs --account-id (or AWS_ACCOUNT_ID) to build its ARN`);
  return `arn:aws:iot:${region}:${accountId}:${m[1]}/${m[2]}`;
}

const thingOf = (arn: string | undefined) => arn?.split('/').pop() ?? '?';

/** One line per device: its status, and its statusDetails once it has ended. */
async function describeDevices(client: IoTClient, jobId: string): Promise<Map<string, string>> {
  const lines = new Map<string, string>();
  let nextToken: string | undefined;
  const summaries: JobExecutionSummaryForJob[] = [];
  do {
    const page = await client.send(new ListJobExecutionsForJobCommand({ jobId, nextToken, maxResults: 250 }));
    summaries.push(...(page.executionSummaries ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  for (const s of summaries) {
    const thing = thingOf(s.thingArn);
    const status = s.jobExecutionSummary?.status ?? '?';
    let details = '';
    if (TERMINAL.has(status)) {
      const { execution } = await client.send(new DescribeJobExecutionCommand({ jobId, thingName: thing }));
      const map = execution?.statusDetails?.detailsMap ?? {};
      details = Object.entries(map)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
    }
    lines.set(thing, `${status}${details ? `  ${details}` : ''}`);
  }
  return lines;
}

/** Prints each device's changes until the job is done; returns true when every device SUCCEEDED. */
async function follow(client: IoTClient, jobId: string, io: CliIo, watch: boolean): Promise<boolean> {
  const seen = new Map<string, string>();
  for (;;) {
    const { job } = await client.send(new DescribeJobCommand({ jobId }));
    const devices = await describeDevices(client, jobId);
    for (const [thing, line] of devices) {
      if (seen.get(thing) !== line) io.out(`${thing.padEnd(24)} ${line}`);
      seen.set(thing, line);
    }
    const statuses = [...devices.values()].map((l) => l.split(' ')[0]!);
    const done = job?.status !== 'IN_PROGRESS' || statuses.every((s) => TERMINAL.has(s));
    if (done || !watch) {
      const d = job?.jobProcessDetails;
      io.out(
        `job ${jobId}: ${job?.status} — succeeded ${d?.numberOfSucceededThings ?? 0}, failed ${d?.numberOfFailedThings ?? 0}, rejected ${d?.numberOfRejectedThings ?? 0}, timed out ${d?.numberOfTimedOutThings ?? 0}, canceled ${d?.numberOfCanceledThings ?? 0}, queued ${d?.numberOfQueuedThings ?? 0}, in progress ${d?.numberOfInProgressThings ?? 0}`,
      );
      return statuses.every((s) => s === 'SUCCEEDED');
    }
    await new Promise((r) => setTimeout(r, io.pollMs ?? 1000));
  }
}

/** Runs the CLI; returns the exit code. */
export async function runJobsCli(argv: readonly string[], io: CliIo): Promise<number> {
  let target: Target | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        targets: { type: 'string' },
        document: { type: 'string' },
        'document-json': { type: 'string' },
        'timeout-minutes': { type: 'string' },
        description: { type: 'string' },
        wait: { type: 'boolean' },
        watch: { type: 'boolean' },
        force: { type: 'boolean' },
        'reason-code': { type: 'string' },
        comment: { type: 'string' },
        root: { type: 'string' },
        endpoint: { type: 'string' },
        aws: { type: 'boolean' },
        region: { type: 'string' },
        'account-id': { type: 'string' },
        help: { type: 'boolean' },
      },
    });
    const [command, jobId] = positionals;
    if (values.help || !command) {
      io.out(USAGE);
      return values.help ? 0 : 1;
    }
    if (!jobId) throw new UsageError(`${command}: a job id is required`);
    target = connect(values, io);
    const { client } = target;
    switch (command) {
      case 'create': {
        if (!values.targets) throw new UsageError('create: --targets is required');
        const targets = values.targets
          .split(',')
          .map((t) => expandTarget(t.trim(), target!.region, target!.accountId));
        const document = readDocument(values, io);
        const minutes = values['timeout-minutes'];
        const timeout = minutes === undefined ? undefined : Number(minutes);
        if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 10_080)) {
          throw new UsageError(`--timeout-minutes: expected an integer from 1 to 10080, got \`${minutes}\``);
        }
        const created = await client.send(
          new CreateJobCommand({
            jobId,
            targets,
            document,
            ...(values.description ? { description: values.description } : {}),
            ...(timeout === undefined ? {} : { timeoutConfig: { inProgressTimeoutInMinutes: timeout } }),
          }),
        );
        io.out(`created ${created.jobArn}`);
        if (!values.wait) return 0;
        return (await follow(client, jobId, io, true)) ? 0 : 2;
      }
      case 'status':
        return (await follow(client, jobId, io, Boolean(values.watch))) ? 0 : 2;
      case 'cancel': {
        await client.send(
          new CancelJobCommand({
            jobId,
            force: Boolean(values.force),
            ...(values['reason-code'] ? { reasonCode: values['reason-code'] } : {}),
            ...(values.comment ? { comment: values.comment } : {}),
          }),
        );
        io.out(`canceled ${jobId}${values.force ? ' (forced: in-progress executions too)' : ''}`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command \`${command}\`; expected create, status or cancel`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.out(`error: ${(error as Error).message}\n${USAGE}`);
      return 1;
    }
    const e = error as { name?: string; message?: string };
    io.out(`error: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`);
    return 1;
  } finally {
    target?.client.destroy();
  }
}

function readDocument(values: Record<string, string | boolean | undefined>, io: CliIo): string {
  const inline = values['document-json'] as string | undefined;
  const file = values.document as string | undefined;
  if ((inline === undefined) === (file === undefined)) {
    throw new UsageError('create: give exactly one of --document <file> or --document-json <json>');
  }
  const text = inline ?? readFileSync(resolve(io.cwd, file!), 'utf8');
  try {
    JSON.parse(text);
  } catch {
    throw new UsageError(`the job document is not valid JSON (${file ?? '--document-json'})`);
  }
  return text;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const code = await runJobsCli(process.argv.slice(2), {
    out: (line) => console.log(line),
    env: process.env,
    cwd: process.cwd(),
  });
  process.exitCode = code;
}
