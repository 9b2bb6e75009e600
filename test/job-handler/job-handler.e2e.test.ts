/**
 * JobHandler through local-core with the real IPC client and @aws-sdk/client-iot: a fleet of three
 * simulated devices (thing group `stadium`), each running only JobHandler, the scheduler and the relay
 * with its simulated driver. The scraper is deliberately absent, so a `rescrape` step never answers.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateJobCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  IoTClient,
  type JobExecutionStatus,
} from '@aws-sdk/client-iot';
import fc from 'fast-check';
import initSqlJs from 'sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR } from '../support/global-setup.ts';
import { type LocalCoreHandle, startLocalCore } from '../support/local-core-harness.ts';

const RECIPES = resolve(import.meta.dirname, '..', '..', 'recipes');
const ARN = 'arn:aws:iot:eu-west-1:000000000000';
const THINGS = ['office-1', 'office-2', 'office-3'];
const JOB_HANDLER = 'com.matchdayalert.JobHandler';
const COMPONENTS = [JOB_HANDLER, 'com.matchdayalert.Scheduler', 'com.matchdayalert.GpioRelay'];
const TERMINAL = ['SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT', 'CANCELED'];
/** The jobs clock runs 50× faster: a 1-minute in-progress timeout lasts 1.2 s. */
const TIME_SCALE = 0.02;

function deployment(things: string[]) {
  return {
    things: things.map((name) => ({ name, thingGroups: ['stadium'] })),
    components: {
      [JOB_HANDLER]: {
        componentVersion: '1.0.0',
        configurationUpdate: {
          merge: JSON.stringify({ pollIntervalS: 2, commandTimeoutS: 8, requestTimeoutS: 5 }),
        },
      },
      'com.matchdayalert.Scheduler': { componentVersion: '1.0.0' },
      'com.matchdayalert.GpioRelay': {
        componentVersion: '1.0.0',
        configurationUpdate: { merge: JSON.stringify({ driver: 'simulated' }) },
      },
    },
    nucleus: { interpolateComponentConfiguration: true },
  };
}

async function startFleet(
  things: string[],
  root?: string,
  run = 1,
): Promise<{ core: LocalCoreHandle; iot: IoTClient }> {
  const core = await startLocalCore({
    recipesDir: RECIPES,
    artifactsDir: ARTIFACTS_DIR,
    deployment: deployment(things),
    jobsTimeScale: TIME_SCALE,
    ...(root === undefined ? {} : { root, keepRoot: true }),
  });
  await core.waitFor(
    (s) => things.every((t) => s.things[t]?.components[JOB_HANDLER]?.state === 'RUNNING'),
    30_000,
  );
  // RUNNING means "Run started"; wait until every core has started (subscribed) before sending jobs.
  const end = Date.now() + 60_000;
  for (const thing of things) {
    for (const component of COMPONENTS) {
      while (
        (componentLog(core, thing, component).match(/"event":"component\.started"/g) ?? []).length < run
      ) {
        if (Date.now() > end)
          throw new Error(`${component} on ${thing} did not start:\n${core.output().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  const iot = new IoTClient({
    endpoint: core.endpoints.api.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { core, iot };
}

async function createJob(
  iot: IoTClient,
  jobId: string,
  document: unknown,
  targets: string[],
  timeoutMinutes?: number,
) {
  await iot.send(
    new CreateJobCommand({
      jobId,
      targets,
      document: JSON.stringify(document),
      ...(timeoutMinutes === undefined
        ? {}
        : { timeoutConfig: { inProgressTimeoutInMinutes: timeoutMinutes } }),
    }),
  );
}

/** Polls DescribeJobExecution until the execution has ended; returns its status and details. */
async function finalExecution(iot: IoTClient, jobId: string, thingName: string, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { execution } = await iot.send(new DescribeJobExecutionCommand({ jobId, thingName }));
    const status = execution?.status as JobExecutionStatus | undefined;
    if (status && TERMINAL.includes(status)) {
      return { status, details: execution?.statusDetails?.detailsMap ?? {} };
    }
    if (Date.now() > end) throw new Error(`${jobId} on ${thingName} still ${status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Rows of the scheduler's own store on `thing` (the sql.js file it writes durably). */
async function schedulerRows(core: LocalCoreHandle, thing: string, sql: string): Promise<unknown[][]> {
  const file = join(core.root, 'things', thing, 'work', 'com.matchdayalert.Scheduler', 'scheduler.db');
  if (!existsSync(file)) return [];
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(file));
  try {
    return db.exec(sql)[0]?.values ?? [];
  } finally {
    db.close();
  }
}

function componentLog(core: LocalCoreHandle, thing: string, component: string): string {
  const file = join(core.root, 'things', thing, 'logs', `${component}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

describe('JobHandler on a local-core fleet', () => {
  let core: LocalCoreHandle;
  let iot: IoTClient;

  beforeAll(async () => {
    ({ core, iot } = await startFleet(THINGS));
  }, 60_000);

  afterAll(async () => {
    iot?.destroy();
    await core?.stop();
  }, 30_000);

  it('runs a job for a thing group on all three devices and each scheduler stores the event', async () => {
    await createJob(
      iot,
      'concert-everywhere',
      {
        version: 1,
        operation: 'upsertCustomEvent',
        args: { eventId: 'concert-2030-06-01', title: 'Concert', start: '2030-06-01T18:00:00Z' },
      },
      [`${ARN}:thinggroup/stadium`],
    );
    for (const thing of THINGS) {
      expect(await finalExecution(iot, 'concert-everywhere', thing)).toEqual({
        status: 'SUCCEEDED',
        details: { reason: 'OK', steps: '1' },
      });
      const rows = await schedulerRows(core, thing, "SELECT id FROM events WHERE id = 'concert-2030-06-01'");
      expect(rows, thing).toEqual([['concert-2030-06-01']]);
    }
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'concert-everywhere' }));
    expect(job?.status).toBe('COMPLETED');
  }, 60_000);

  it('rejects an invalid document with a reason and changes nothing', async () => {
    await createJob(
      iot,
      'bad-snooze',
      { version: 1, operation: 'snoozeEvent', args: { eventId: 'concert-2030-06-01', until: 'later' } },
      [`${ARN}:thing/office-1`],
    );
    const result = await finalExecution(iot, 'bad-snooze', 'office-1');
    expect(result.status).toBe('REJECTED');
    expect(result.details).toMatchObject({ reason: 'INVALID_DOCUMENT', path: 'args.until' });
    expect(
      await schedulerRows(core, 'office-1', "SELECT id FROM commands WHERE id LIKE 'job:bad-snooze:%'"),
    ).toEqual([]);
  }, 60_000);

  it('fails a step that never answers within commandTimeoutS instead of blocking the queue', async () => {
    const started = Date.now();
    await createJob(iot, 'rescrape-nobody', { version: 1, operation: 'rescrape' }, [`${ARN}:thing/office-2`]);
    await createJob(
      iot,
      'after-rescrape',
      { version: 1, operation: 'ignoreEvent', args: { eventId: 'concert-2030-06-01' } },
      [`${ARN}:thing/office-2`],
    );
    const result = await finalExecution(iot, 'rescrape-nobody', 'office-2');
    expect(result).toMatchObject({ status: 'FAILED', details: { reason: 'TIMEOUT', operation: 'rescrape' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(8_000);
    expect((await finalExecution(iot, 'after-rescrape', 'office-2')).status).toBe('SUCCEEDED');
  }, 60_000);

  it('times out an execution left IN_PROGRESS past its in-progress timeout', async () => {
    // The step waits 8 s for a scraper that is not there; the job's 1-minute timeout is 1.2 s here.
    await createJob(iot, 'too-slow', { version: 1, operation: 'rescrape' }, [`${ARN}:thing/office-3`], 1);
    expect((await finalExecution(iot, 'too-slow', 'office-3')).status).toBe('TIMED_OUT');
  }, 60_000);

  it('survives random job documents without crashing or restarting', async () => {
    const documents = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({
        version: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 1 })),
        operation: fc.constantFrom('upsertCustomEvent', 'snoozeEvent', 'ignoreEvent', 'setAlertPolicy', 'x'),
        args: fc.jsonValue({ maxDepth: 2 }),
      }),
      fc.record({
        version: fc.constant(1),
        steps: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 12 }),
      }),
    );
    const samples = fc.sample(documents, { numRuns: 15, seed: 8 });
    for (const [i, document] of samples.entries()) {
      await createJob(iot, `random-${i}`, document, [`${ARN}:thing/office-1`]);
    }
    for (const i of samples.keys()) {
      expect(['SUCCEEDED', 'FAILED', 'REJECTED']).toContain(
        (await finalExecution(iot, `random-${i}`, 'office-1')).status,
      );
    }
    const status = await core.status();
    expect(status.things['office-1']?.components[JOB_HANDLER]).toMatchObject({
      state: 'RUNNING',
      restarts: 0,
    });
  }, 90_000);

  it('runs a job created while a device was offline once it is back, without relying on its notification', async () => {
    await core.setCloud('office-3', false);
    await createJob(iot, 'while-offline', { version: 1, operation: 'testLight', args: { durationS: 1 } }, [
      `${ARN}:thing/office-3`,
    ]);
    await new Promise((r) => setTimeout(r, 3_000));
    const { execution } = await iot.send(
      new DescribeJobExecutionCommand({ jobId: 'while-offline', thingName: 'office-3' }),
    );
    expect(execution?.status).toBe('QUEUED');
    await core.setCloud('office-3', true);
    expect((await finalExecution(iot, 'while-offline', 'office-3')).status).toBe('SUCCEEDED');
    const received = componentLog(core, 'office-3', JOB_HANDLER)
      .split('\n')
      .map((line) => /stdout\. (\{"time".*\})\. \{scriptName=/.exec(line)?.[1])
      .filter((json): json is string => json !== undefined)
      .map((json) => JSON.parse(json) as { event?: string; jobId?: string; trigger?: string })
      .find((entry) => entry.event === 'jobhandler.execution.received' && entry.jobId === 'while-offline');
    // The notification was sent while the device was offline; it is not what started the job.
    expect(received?.trigger).toBeDefined();
    expect(received?.trigger).not.toBe('notify-next');
  }, 60_000);
});

describe('JobHandler across a device restart', () => {
  it('does not run a job twice when the device restarts while it is IN_PROGRESS', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lc-jobs-restart-'));
    let { core, iot } = await startFleet(['office-9'], root);
    try {
      await createJob(
        iot,
        'light-then-stop',
        {
          version: 1,
          steps: [
            {
              operation: 'upsertCustomEvent',
              args: { eventId: 'seminar-1', title: 'Seminar', start: '2030-01-01T09:00:00Z' },
            },
            { operation: 'testLight', args: { durationS: 20 } },
          ],
        },
        [`${ARN}:thing/office-9`],
      );
      const end = Date.now() + 20_000;
      while (
        !componentLog(core, 'office-9', 'com.matchdayalert.GpioRelay').includes('gpio-relay.test.started')
      ) {
        if (Date.now() > end) throw new Error('the light test never started');
        await new Promise((r) => setTimeout(r, 100));
      }
      iot.destroy();
      await core.stop();
      ({ core, iot } = await startFleet(['office-9'], root, 2));
      const result = await finalExecution(iot, 'light-then-stop', 'office-9');
      expect(result).toMatchObject({ status: 'FAILED', details: { reason: 'INTERRUPTED', step: '1' } });
      const relayLog = componentLog(core, 'office-9', 'com.matchdayalert.GpioRelay');
      expect(relayLog.match(/gpio-relay\.test\.started/g)).toHaveLength(1);
      expect(
        await schedulerRows(core, 'office-9', "SELECT id FROM events WHERE id = 'seminar-1'"),
      ).toHaveLength(1);
    } finally {
      iot.destroy();
      await core.stop();
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
