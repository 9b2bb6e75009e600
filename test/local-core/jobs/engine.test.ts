import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type FleetThing,
  JobsApiError,
  JobsEngine,
  type Publication,
} from '../../../local-core/src/jobs/engine.ts';
import { emptyJobsState } from '../../../local-core/src/jobs/model.ts';

const ARN = 'arn:aws:iot:us-east-1:000000000000';
const fleet: FleetThing[] = [
  { thingName: 'office-a', thingGroups: ['stadium'] },
  { thingName: 'office-b', thingGroups: ['stadium'] },
  { thingName: 'office-c', thingGroups: ['elsewhere'] },
];

function setup(timeScale = 1) {
  let now = Date.parse('2026-05-01T10:00:00Z');
  const engine = new JobsEngine(emptyJobsState(), {
    region: 'us-east-1',
    accountId: '000000000000',
    timeScale,
    now: () => now,
    fleet: () => fleet,
  });
  const device = (thing: string, suffix: string, body: unknown = {}) =>
    engine.handleDeviceMessage(
      `$aws/things/${thing}/jobs/${suffix}`,
      new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
    ).publications;
  const create = (jobId: string, targets: string[], extra: Record<string, unknown> = {}) =>
    engine.createJob(jobId, {
      targets,
      document: JSON.stringify({ version: 1, operation: 'rescrape' }),
      ...extra,
    });
  return {
    engine,
    device,
    create,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const on = (pubs: Publication[], topic: string) => pubs.find((p) => p.topic === topic)?.payload;

describe('JobsEngine control plane', () => {
  it('queues one execution per member of a targeted thing group', () => {
    const { engine, create } = setup();
    create('j1', [`${ARN}:thinggroup/stadium`]);
    const job = engine.describeJob('j1').job as { jobProcessDetails: Record<string, number> };
    expect(job.jobProcessDetails.numberOfQueuedThings).toBe(2);
    const list = engine.listJobExecutionsForJob('j1', new URLSearchParams()).executionSummaries as {
      thingArn: string;
    }[];
    expect(list.map((s) => s.thingArn)).toEqual([`${ARN}:thing/office-a`, `${ARN}:thing/office-b`]);
  });

  it('sends notify-next with the job document to each targeted thing', () => {
    const { create } = setup();
    const pubs = create('j1', [`${ARN}:thing/office-c`]).effects.publications;
    const next = on(pubs, '$aws/things/office-c/jobs/notify-next') as { execution: Record<string, unknown> };
    expect(next.execution).toMatchObject({
      jobId: 'j1',
      status: 'QUEUED',
      versionNumber: 1,
      executionNumber: 1,
    });
    expect(next.execution.jobDocument).toEqual({ version: 1, operation: 'rescrape' });
  });

  it('rejects a second job with the same id as ResourceAlreadyExistsException', () => {
    const { create } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    expect(() => create('j1', [`${ARN}:thing/office-a`])).toThrow(
      expect.objectContaining({ type: 'ResourceAlreadyExistsException', httpStatus: 409 }),
    );
  });

  it('rejects a target that is not a thing or thing-group ARN, naming it', () => {
    const { create } = setup();
    expect(() => create('j1', ['office-a'])).toThrow(/targets: `office-a` is not a thing or thing-group ARN/);
  });

  it('answers ResourceNotFoundException for an unknown thing group', () => {
    const { create } = setup();
    expect(() => create('j1', [`${ARN}:thinggroup/nowhere`])).toThrow(
      expect.objectContaining({ type: 'ResourceNotFoundException' }),
    );
  });

  it('rejects a document that is not JSON', () => {
    const { engine } = setup();
    expect(() => engine.createJob('j1', { targets: [`${ARN}:thing/office-a`], document: '{nope' })).toThrow(
      /document must be valid JSON/,
    );
  });

  it('cancels queued executions but leaves in-progress ones running without force', () => {
    const { engine, create, device } = setup();
    create('j1', [`${ARN}:thinggroup/stadium`]);
    device('office-a', 'start-next');
    engine.cancelJob('j1', false, { reasonCode: 'oops' });
    const statuses = (
      engine.listJobExecutionsForJob('j1', new URLSearchParams()).executionSummaries as {
        jobExecutionSummary: { status: string };
      }[]
    ).map((s) => s.jobExecutionSummary.status);
    expect(statuses).toEqual(['IN_PROGRESS', 'CANCELED']);
    expect(engine.describeJob('j1').job).toMatchObject({ status: 'CANCELED', reasonCode: 'oops' });
  });

  it('force-cancels in-progress executions, and the device then gets TerminalStateReached', () => {
    const { engine, create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    device('office-a', 'start-next');
    engine.cancelJob('j1', true, {});
    const exec = engine.describeJobExecution('office-a', 'j1', new URLSearchParams()).execution;
    expect(exec).toMatchObject({ status: 'CANCELED', forceCanceled: true });
    const reply = device('office-a', 'j1/update', { status: 'SUCCEEDED' });
    expect(on(reply, '$aws/things/office-a/jobs/j1/update/rejected')).toMatchObject({
      code: 'TerminalStateReached',
    });
  });

  it('refuses to cancel a completed job', () => {
    const { engine, create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    device('office-a', 'start-next');
    device('office-a', 'j1/update', { status: 'SUCCEEDED' });
    expect(engine.describeJob('j1').job).toMatchObject({ status: 'COMPLETED' });
    expect(() => engine.cancelJob('j1', false, {})).toThrow(
      expect.objectContaining({ type: 'InvalidStateTransitionException' }),
    );
  });

  it('answers ResourceNotFoundException for an execution of a thing the job does not target', () => {
    const { engine, create } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    expect(() => engine.describeJobExecution('office-b', 'j1', new URLSearchParams())).toThrow(JobsApiError);
  });

  it('pages executions with maxResults and nextToken', () => {
    const { engine, create } = setup();
    create('j1', [`${ARN}:thinggroup/stadium`, `${ARN}:thing/office-c`]);
    const first = engine.listJobExecutionsForJob('j1', new URLSearchParams({ maxResults: '2' }));
    const second = engine.listJobExecutionsForJob(
      'j1',
      new URLSearchParams({ maxResults: '2', nextToken: String(first.nextToken) }),
    );
    expect((first.executionSummaries as unknown[]).length).toBe(2);
    expect((second.executionSummaries as unknown[]).length).toBe(1);
    expect(second.nextToken).toBeUndefined();
  });
});

describe('JobsEngine device protocol', () => {
  it('starts the next queued execution and returns it with the document', () => {
    const { create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    const reply = device('office-a', 'start-next', { clientToken: 'tok-1' });
    expect(on(reply, '$aws/things/office-a/jobs/start-next/accepted')).toMatchObject({
      clientToken: 'tok-1',
      execution: { jobId: 'j1', status: 'IN_PROGRESS', versionNumber: 2, jobDocument: { version: 1 } },
    });
  });

  it('answers start-next without an execution when nothing is pending', () => {
    const { device } = setup();
    const accepted = on(device('office-a', 'start-next'), '$aws/things/office-a/jobs/start-next/accepted');
    expect(accepted).toBeDefined();
    expect(accepted).not.toHaveProperty('execution');
  });

  it('returns the in-progress execution again on a second start-next, before queued ones', () => {
    const { create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    create('j2', [`${ARN}:thing/office-a`]);
    device('office-a', 'start-next');
    const again = on(device('office-a', 'start-next'), '$aws/things/office-a/jobs/start-next/accepted');
    expect(again).toMatchObject({ execution: { jobId: 'j1', status: 'IN_PROGRESS', versionNumber: 2 } });
  });

  it('runs a thing’s executions in creation order and notifies the next one when one ends', () => {
    const { create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    create('j2', [`${ARN}:thing/office-a`]);
    device('office-a', 'start-next');
    const pubs = device('office-a', 'j1/update', { status: 'SUCCEEDED', statusDetails: { reason: 'OK' } });
    expect(on(pubs, '$aws/things/office-a/jobs/notify-next')).toMatchObject({
      execution: { jobId: 'j2', status: 'QUEUED' },
    });
  });

  it('sends notify-next without an execution once the queue is empty', () => {
    const { create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    device('office-a', 'start-next');
    const next = on(
      device('office-a', 'j1/update', { status: 'FAILED' }),
      '$aws/things/office-a/jobs/notify-next',
    );
    expect(next).toBeDefined();
    expect(next).not.toHaveProperty('execution');
  });

  it('lists in-progress and queued jobs on get', () => {
    const { create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    create('j2', [`${ARN}:thing/office-a`]);
    device('office-a', 'start-next');
    const reply = on(
      device('office-a', 'get', { clientToken: 'c' }),
      '$aws/things/office-a/jobs/get/accepted',
    ) as {
      inProgressJobs: { jobId: string }[];
      queuedJobs: { jobId: string }[];
    };
    expect(reply.inProgressJobs.map((j) => j.jobId)).toEqual(['j1']);
    expect(reply.queuedJobs.map((j) => j.jobId)).toEqual(['j2']);
  });

  it('describes $next and a named execution, and rejects an unknown one as ResourceNotFound', () => {
    const { create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    expect(on(device('office-a', '$next/get'), '$aws/things/office-a/jobs/$next/get/accepted')).toMatchObject(
      {
        execution: { jobId: 'j1' },
      },
    );
    expect(
      on(
        device('office-a', 'j1/get', { includeJobDocument: false }),
        '$aws/things/office-a/jobs/j1/get/accepted',
      ),
    ).not.toHaveProperty('execution.jobDocument');
    expect(on(device('office-a', 'nope/get'), '$aws/things/office-a/jobs/nope/get/rejected')).toMatchObject({
      code: 'ResourceNotFound',
    });
  });

  it('rejects an update with a stale expectedVersion as VersionMismatch with the current state', () => {
    const { create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    device('office-a', 'start-next');
    const reply = device('office-a', 'j1/update', {
      status: 'SUCCEEDED',
      expectedVersion: 1,
      clientToken: 'x',
    });
    expect(on(reply, '$aws/things/office-a/jobs/j1/update/rejected')).toMatchObject({
      code: 'VersionMismatch',
      clientToken: 'x',
      executionState: { status: 'IN_PROGRESS', versionNumber: 2 },
    });
  });

  it('accepts an update with the current expectedVersion and returns the state when asked', () => {
    const { create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    device('office-a', 'start-next');
    const reply = device('office-a', 'j1/update', {
      status: 'SUCCEEDED',
      expectedVersion: 2,
      includeJobExecutionState: true,
      statusDetails: { reason: 'OK' },
    });
    expect(on(reply, '$aws/things/office-a/jobs/j1/update/accepted')).toMatchObject({
      executionState: { status: 'SUCCEEDED', versionNumber: 3, statusDetails: { reason: 'OK' } },
    });
  });

  it('keeps the existing statusDetails when an update omits them', () => {
    const { engine, create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    device('office-a', 'start-next', { statusDetails: { step: '0' } });
    device('office-a', 'j1/update', { status: 'IN_PROGRESS' });
    expect(engine.describeJobExecution('office-a', 'j1', new URLSearchParams()).execution).toMatchObject({
      statusDetails: { detailsMap: { step: '0' } },
    });
  });

  it.each([
    [{ 'bad key!': 'x' }, /statusDetails key `bad key!`/],
    [{ reason: '' }, /statusDetails.reason must be 1-1024 characters, got 0/],
    [{ reason: 'x'.repeat(1025) }, /statusDetails.reason must be 1-1024 characters, got 1025/],
    [{ reason: 'a\nb' }, /control characters/],
    [{ reason: 7 }, /must be a string/],
  ])('rejects statusDetails %j beyond the AWS limits as InvalidRequest', (details, message) => {
    const { create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    device('office-a', 'start-next');
    const rejected = on(
      device('office-a', 'j1/update', { status: 'FAILED', statusDetails: details }),
      '$aws/things/office-a/jobs/j1/update/rejected',
    ) as { code: string; message: string };
    expect(rejected.code).toBe('InvalidRequest');
    expect(rejected.message).toMatch(message);
  });

  it('accepts a statusDetails value of exactly 1024 characters', () => {
    const { create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    device('office-a', 'start-next');
    const reply = device('office-a', 'j1/update', {
      status: 'FAILED',
      statusDetails: { reason: 'x'.repeat(1024) },
    });
    expect(on(reply, '$aws/things/office-a/jobs/j1/update/accepted')).toBeDefined();
  });

  it('rejects a status a device may not set as InvalidStateTransition', () => {
    const { create, device } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    device('office-a', 'start-next');
    expect(
      on(
        device('office-a', 'j1/update', { status: 'TIMED_OUT' }),
        '$aws/things/office-a/jobs/j1/update/rejected',
      ),
    ).toMatchObject({ code: 'InvalidStateTransition' });
  });

  it('rejects a payload that is not JSON as InvalidJson', () => {
    const { device } = setup();
    expect(
      on(device('office-a', 'start-next', '{oops'), '$aws/things/office-a/jobs/start-next/rejected'),
    ).toMatchObject({
      code: 'InvalidJson',
    });
  });

  it('rejects a topic that maps to no Jobs API as InvalidTopic', () => {
    const { device } = setup();
    expect(
      on(device('office-a', 'frobnicate'), '$aws/things/office-a/jobs/frobnicate/rejected'),
    ).toMatchObject({
      code: 'InvalidTopic',
    });
  });

  it('ignores its own replies and notifications coming back from the broker', () => {
    const { device } = setup();
    expect(device('office-a', 'start-next/accepted')).toEqual([]);
    expect(device('office-a', 'notify-next')).toEqual([]);
  });
});

describe('JobsEngine timeouts', () => {
  it('times out an execution left IN_PROGRESS past inProgressTimeoutInMinutes', () => {
    const { engine, create, device, advance } = setup();
    create('j1', [`${ARN}:thing/office-a`], { timeoutConfig: { inProgressTimeoutInMinutes: 2 } });
    device('office-a', 'start-next');
    advance(119_000);
    expect(engine.expire().changed).toBe(false);
    advance(1_000);
    engine.expire();
    expect(engine.describeJobExecution('office-a', 'j1', new URLSearchParams()).execution).toMatchObject({
      status: 'TIMED_OUT',
    });
    expect(engine.describeJob('j1').job).toMatchObject({ status: 'COMPLETED' });
  });

  it('does not start the in-progress timer while the execution is QUEUED', () => {
    const { engine, create, advance } = setup();
    create('j1', [`${ARN}:thing/office-a`], { timeoutConfig: { inProgressTimeoutInMinutes: 1 } });
    advance(3_600_000);
    engine.expire();
    expect(engine.nextDeadline()).toBeUndefined();
    expect(engine.describeJobExecution('office-a', 'j1', new URLSearchParams()).execution).toMatchObject({
      status: 'QUEUED',
    });
  });

  it('scales the timeout by the time scale', () => {
    const { engine, create, device } = setup(0.001);
    create('j1', [`${ARN}:thing/office-a`], { timeoutConfig: { inProgressTimeoutInMinutes: 10 } });
    device('office-a', 'start-next');
    expect(engine.nextDeadline()).toBe(Date.parse('2026-05-01T10:00:00Z') + 600);
  });

  it('times out on the step timer and lets the device cancel it with -1', () => {
    const { engine, create, device, advance } = setup();
    create('j1', [`${ARN}:thing/office-a`]);
    create('j2', [`${ARN}:thing/office-b`]);
    device('office-a', 'start-next', { stepTimeoutInMinutes: 1 });
    device('office-b', 'start-next', { stepTimeoutInMinutes: 1 });
    device('office-b', 'j2/update', { status: 'IN_PROGRESS', stepTimeoutInMinutes: -1 });
    advance(60_000);
    const pubs = engine.expire().publications;
    expect(on(pubs, '$aws/things/office-a/jobs/notify-next')).toBeDefined();
    const status = (thing: string, job: string) =>
      (engine.describeJobExecution(thing, job, new URLSearchParams()).execution as { status: string }).status;
    expect(status('office-a', 'j1')).toBe('TIMED_OUT');
    expect(status('office-b', 'j2')).toBe('IN_PROGRESS');
  });
});

describe('JobsEngine against hostile device input', () => {
  it('treats job ids and thing names named like Object.prototype members as ordinary names', () => {
    const { engine, device, create } = setup();
    const rejected = [
      on(device('office-a', 'toString/get'), '$aws/things/office-a/jobs/toString/get/rejected'),
      on(
        device('office-a', 'constructor/update', { status: 'IN_PROGRESS' }),
        '$aws/things/office-a/jobs/constructor/update/rejected',
      ),
    ];
    create('toString', [`${ARN}:thing/office-a`]);
    const described = engine.describeJobExecution('office-a', 'toString', new URLSearchParams());
    expect([rejected, described]).toMatchObject([
      [{ code: 'ResourceNotFound' }, { code: 'ResourceNotFound' }],
      { execution: { jobId: 'toString', status: 'QUEUED' } },
    ]);
    expect(() => engine.describeJobExecution('constructor', 'toString', new URLSearchParams())).toThrow(
      expect.objectContaining({ type: 'ResourceNotFoundException' }),
    );
  });

  it('answers any message under a thing’s jobs topics without throwing, and only on that thing’s topics', () => {
    const suffixes = fc.constantFrom(
      'get',
      'start-next',
      'j1/get',
      '$next/get',
      'j1/update',
      'nope/update',
      'x/y/z',
      '',
    );
    const payloads = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.jsonValue().map((v) => new TextEncoder().encode(JSON.stringify(v))),
      fc
        .record({
          status: fc.constantFrom('IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED', 'QUEUED', 'bogus'),
          statusDetails: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
          expectedVersion: fc.integer({ min: -2, max: 5 }),
          stepTimeoutInMinutes: fc.integer({ min: -2, max: 20_000 }),
          clientToken: fc.string(),
        })
        .map((v) => new TextEncoder().encode(JSON.stringify(v))),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(suffixes, payloads), { maxLength: 8 }), (messages) => {
        const { engine, create } = setup();
        create('j1', [`${ARN}:thing/office-a`]);
        for (const [suffix, payload] of messages) {
          const { publications } = engine.handleDeviceMessage(`$aws/things/office-a/jobs/${suffix}`, payload);
          for (const p of publications) expect(p.topic.startsWith('$aws/things/office-a/jobs/')).toBe(true);
        }
        const status = (
          engine.describeJobExecution('office-a', 'j1', new URLSearchParams()).execution as {
            status: string;
          }
        ).status;
        expect(['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED']).toContain(status);
      }),
      { numRuns: 300 },
    );
  });
});
