import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JOURNAL_FILE } from '../../components/job-handler/src/job-handler.ts';
import { TOPICS } from '../../components/shared/contracts/index.ts';
import { setup } from './helpers.ts';

const concert = {
  version: 1,
  operation: 'upsertCustomEvent',
  args: { eventId: 'concert-2026-10-03', title: 'Concert', start: '2026-10-03T18:00:00Z' },
};

describe('JobHandler', () => {
  it('runs a queued job at start and reports SUCCEEDED', async () => {
    const t = await setup();
    t.cloud.createJob('j1', concert);
    await t.start();
    expect(t.received.commands).toEqual([
      {
        id: 'job:j1:1:0',
        type: 'upsertCustomEvent',
        args: concert.args,
        origin: { via: 'job', ref: 'j1' },
      },
    ]);
    expect(t.cloud.execution('j1')).toEqual({ status: 'SUCCEEDED', details: { reason: 'OK', steps: '1' } });
    expect(t.metrics.total('JobsSucceeded')).toBe(1);
  });

  it('asks the scheduler for fresh state after a job that changed it', async () => {
    const t = await setup();
    t.cloud.createJob('j1', concert);
    await t.start();
    expect(t.bus.messages(TOPICS.stateRequest.name)).toEqual([{ id: 'job:j1:1:state' }]);
  });

  it('runs a job as soon as notify-next announces it, without waiting for the poll', async () => {
    const t = await setup();
    await t.start();
    t.cloud.createJob('j1', { version: 1, operation: 'rescrape' });
    await t.settle();
    expect(t.received.scraper).toEqual(['job:j1:1:0']);
    expect(t.cloud.execution('j1').status).toBe('SUCCEEDED');
  });

  it('runs the steps of a document in order with ids from job, execution and step', async () => {
    const t = await setup();
    t.cloud.createJob('j1', {
      version: 1,
      steps: [{ operation: 'testLight', args: { durationS: 5 } }, { operation: 'rescrape' }],
    });
    await t.start();
    expect(t.received.relay).toEqual([{ id: 'job:j1:1:0', durationS: 5 }]);
    expect(t.received.scraper).toEqual(['job:j1:1:1']);
    expect(t.cloud.execution('j1')).toEqual({ status: 'SUCCEEDED', details: { reason: 'OK', steps: '2' } });
  });

  it('runs queued jobs one after the other', async () => {
    const t = await setup();
    t.cloud.createJob('j1', { version: 1, operation: 'rescrape' });
    t.cloud.createJob('j2', { version: 1, operation: 'testLight', args: { durationS: 1 } });
    await t.start();
    expect(t.cloud.execution('j1').status).toBe('SUCCEEDED');
    expect(t.cloud.execution('j2').status).toBe('SUCCEEDED');
  });

  it('rejects an invalid document with the failing path and sends nothing', async () => {
    const t = await setup();
    t.cloud.createJob('j1', {
      version: 1,
      operation: 'snoozeEvent',
      args: { eventId: 'x', until: 'tomorrow' },
    });
    await t.start();
    const { status, details } = t.cloud.execution('j1');
    expect(status).toBe('REJECTED');
    expect(details).toMatchObject({ reason: 'INVALID_DOCUMENT', path: 'args.until' });
    expect(t.received.commands).toEqual([]);
    expect(t.metrics.total('JobsRejected')).toBe(1);
  });

  it('rejects a document of an unknown version as UNSUPPORTED_VERSION', async () => {
    const t = await setup();
    t.cloud.createJob('j1', { version: 2, operation: 'rescrape' });
    await t.start();
    expect(t.cloud.execution('j1')).toMatchObject({
      status: 'REJECTED',
      details: { reason: 'UNSUPPORTED_VERSION' },
    });
  });

  it('fails the job with the receiver’s error code when a step is refused', async () => {
    const t = await setup();
    t.answers.commands = (id) => ({ id, ok: false, error: { code: 'NOT_FOUND', message: 'no such event' } });
    t.cloud.createJob('j1', { version: 1, operation: 'ignoreEvent', args: { eventId: 'gone' } });
    await t.start();
    expect(t.cloud.execution('j1')).toEqual({
      status: 'FAILED',
      details: { reason: 'NOT_FOUND', step: '0', operation: 'ignoreEvent', message: 'no such event' },
    });
    expect(t.metrics.total('JobsFailed')).toBe(1);
  });

  it('stops at the first failing step and never sends the later ones', async () => {
    const t = await setup();
    t.answers.relay = (id) => ({ id, ok: false, error: { code: 'BUSY', message: 'relay busy' } });
    t.cloud.createJob('j1', {
      version: 1,
      steps: [{ operation: 'testLight', args: { durationS: 2 } }, { operation: 'rescrape' }],
    });
    await t.start();
    expect(t.cloud.execution('j1').details.reason).toBe('BUSY');
    expect(t.received.scraper).toEqual([]);
  });

  it('fails a step that gets no answer within commandTimeoutS, then runs the next job', async () => {
    const t = await setup({ commandTimeoutS: 20 });
    t.answers.commands = () => undefined;
    t.cloud.createJob('j1', concert);
    t.cloud.createJob('j2', { version: 1, operation: 'rescrape' });
    await t.start();
    expect(t.cloud.execution('j1').status).toBe('IN_PROGRESS');
    await t.clock.advance(19_999);
    await t.settle();
    expect(t.cloud.execution('j1').status).toBe('IN_PROGRESS');
    await t.clock.advance(1);
    await t.settle();
    expect(t.cloud.execution('j1')).toMatchObject({
      status: 'FAILED',
      details: { reason: 'TIMEOUT', step: '0' },
    });
    expect(t.cloud.execution('j2').status).toBe('SUCCEEDED');
  });

  it('gives a light test its duration on top of the command timeout', async () => {
    const t = await setup({ commandTimeoutS: 10 });
    t.answers.relay = () => undefined;
    t.cloud.createJob('j1', { version: 1, operation: 'testLight', args: { durationS: 30 } });
    await t.start();
    await t.clock.advance(39_999);
    await t.settle();
    expect(t.cloud.execution('j1').status).toBe('IN_PROGRESS');
    await t.clock.advance(1);
    await t.settle();
    expect(t.cloud.execution('j1').status).toBe('FAILED');
  });

  it('writes the outcome to its journal before reporting it', async () => {
    const t = await setup();
    let journalAtReport: string | undefined;
    t.cloud.onSend = (topic) => {
      if (topic.endsWith('/update')) {
        const bytes = t.fs.files.get(`/work/job-handler/${JOURNAL_FILE}`);
        journalAtReport = bytes && new TextDecoder().decode(bytes);
      }
    };
    t.cloud.createJob('j1', { version: 1, operation: 'rescrape' });
    await t.start();
    expect(JSON.parse(journalAtReport ?? '{}')).toMatchObject({
      entries: { 'j1#1': { outcome: { status: 'SUCCEEDED' } } },
    });
  });

  it('re-reports the recorded outcome after a restart instead of running the job again', async () => {
    const t = await setup();
    t.cloud.dropNext = '/j1/update';
    t.cloud.createJob('j1', concert);
    await t.start();
    expect(t.cloud.execution('j1').status).toBe('IN_PROGRESS');
    await t.restart();
    expect(t.cloud.execution('j1').status).toBe('SUCCEEDED');
    expect(t.received.commands).toHaveLength(1);
  });

  it('resends an interrupted scheduler step with the same id after a restart', async () => {
    const t = await setup();
    t.answers.commands = () => undefined;
    t.cloud.createJob('j1', concert);
    await t.start();
    t.answers.commands = (id) => ({ id, ok: true });
    await t.restart();
    expect(t.received.commands.map((c) => c.id)).toEqual(['job:j1:1:0', 'job:j1:1:0']);
    expect(t.cloud.execution('j1').status).toBe('SUCCEEDED');
  });

  it('does not repeat an interrupted light test after a restart and fails the job as INTERRUPTED', async () => {
    const t = await setup();
    t.answers.relay = () => undefined;
    t.cloud.createJob('j1', { version: 1, operation: 'testLight', args: { durationS: 3 } });
    await t.start();
    await t.restart();
    expect(t.received.relay).toHaveLength(1);
    expect(t.cloud.execution('j1')).toMatchObject({ status: 'FAILED', details: { reason: 'INTERRUPTED' } });
  });

  it('skips steps that finished before a restart', async () => {
    const t = await setup();
    t.answers.scraper = () => undefined;
    t.cloud.createJob('j1', {
      version: 1,
      steps: [{ operation: 'testLight', args: { durationS: 1 } }, concert, { operation: 'rescrape' }].map(
        (s) => ('version' in s ? { operation: s.operation, args: s.args } : s),
      ),
    });
    await t.start();
    t.answers.scraper = (id) => ({ id, ok: true });
    await t.restart();
    expect(t.received.relay).toHaveLength(1);
    expect(t.received.commands).toHaveLength(1);
    expect(t.cloud.execution('j1')).toMatchObject({
      status: 'FAILED',
      details: { reason: 'INTERRUPTED', step: '2' },
    });
  });

  it('runs a job created while it was offline at the next poll, without a notification', async () => {
    const t = await setup({ pollIntervalS: 60 });
    await t.start();
    t.cloud.setOnline(false);
    t.cloud.createJob('j1', { version: 1, operation: 'rescrape' });
    await t.settle();
    t.cloud.setOnline(true);
    expect(t.received.scraper).toEqual([]);
    await t.clock.advance(60_000);
    await t.settle();
    expect(t.cloud.execution('j1').status).toBe('SUCCEEDED');
  });

  it('re-reads the execution after a VersionMismatch and reports the same outcome again', async () => {
    const t = await setup();
    let bumped = false;
    t.cloud.onSend = (topic) => {
      if (topic.endsWith('/j1/update') && !bumped) {
        bumped = true; // someone else updates the execution just before our report arrives
        t.cloud.engine.handleDeviceMessage(
          '$aws/things/office-a/jobs/j1/update',
          new TextEncoder().encode(
            JSON.stringify({ status: 'IN_PROGRESS', statusDetails: { note: 'other' } }),
          ),
        );
      }
    };
    t.cloud.createJob('j1', concert);
    await t.start();
    expect(t.cloud.sentTo('/j1/update')).toHaveLength(2);
    expect(t.cloud.execution('j1').status).toBe('SUCCEEDED');
    expect(t.received.commands).toHaveLength(1);
  });

  it('treats a report refused because the execution already ended as done', async () => {
    const t = await setup();
    t.answers.commands = () => undefined;
    t.cloud.createJob('j1', concert);
    await t.start();
    t.cloud.engine.cancelJob('j1', true, {});
    await t.clock.advance(60_000);
    await t.settle();
    expect(t.cloud.execution('j1').status).toBe('CANCELED');
    expect(t.logger.entries.find((e) => e.event === 'jobhandler.report.rejected')?.fields).toMatchObject({
      code: 'TerminalStateReached',
    });
  });

  it('survives random job documents: every one ends in a terminal state and the next job still runs', async () => {
    const documents = fc.oneof(
      fc.jsonValue(),
      fc.record({
        version: fc.oneof(fc.constant(1), fc.jsonValue()),
        operation: fc.constantFrom(
          'upsertCustomEvent',
          'snoozeEvent',
          'ignoreEvent',
          'setAlertPolicy',
          'rescrape',
          'testLight',
          'x',
        ),
        args: fc.jsonValue(),
      }),
      fc.record({ version: fc.constant(1), steps: fc.array(fc.jsonValue(), { maxLength: 12 }) }),
    );
    await fc.assert(
      fc.asyncProperty(documents, async (document) => {
        const t = await setup();
        await t.start();
        t.cloud.createJob('random', document);
        t.cloud.createJob('after', { version: 1, operation: 'rescrape' });
        await t.settle();
        expect(['SUCCEEDED', 'FAILED', 'REJECTED']).toContain(t.cloud.execution('random').status);
        expect(t.cloud.execution('after').status).toBe('SUCCEEDED');
        await t.handler.stop();
      }),
      { numRuns: 60 },
    );
  });
});

describe('JobHandler journal', () => {
  it('runs a job again when its id is reused for a newly queued job (after DeleteJob)', async () => {
    const t = await setup();
    t.cloud.createJob('j1', { version: 1, operation: 'rescrape' });
    await t.start();
    await t.handler.stop();
    await t.clock.advance(60_000);
    const fresh = await setup();
    // The same device (same journal) meets a new cloud in which `j1` is a different, later job.
    for (const [path, data] of t.fs.files) fresh.fs.files.set(path, data);
    await fresh.clock.advance(120_000);
    fresh.cloud.createJob('j1', { version: 1, operation: 'rescrape' });
    await fresh.start();
    expect(fresh.received.scraper).toEqual(['job:j1:1:0']);
    expect(fresh.cloud.execution('j1').status).toBe('SUCCEEDED');
  });
});
