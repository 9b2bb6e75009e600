/**
 * local-core's IoT Jobs through its real edges: @aws-sdk/client-iot against the cloud API server, and a
 * device speaking the Jobs MQTT protocol through the aedes broker.
 */
import {
  CancelJobCommand,
  CreateJobCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  type IoTClient,
  ListJobExecutionsForJobCommand,
} from '@aws-sdk/client-iot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ARN, type JobsCloud, startJobsCloud } from './jobs-cloud.ts';

let cloud: JobsCloud;
let iot: IoTClient;

beforeEach(async () => {
  cloud = await startJobsCloud();
  iot = cloud.iot;
});

afterEach(async () => {
  await cloud.close();
});

const document = JSON.stringify({ version: 1, operation: 'rescrape' });

describe('IoT Jobs in local-core', () => {
  it('creates a job for a thing group through @aws-sdk/client-iot and queues one execution per member', async () => {
    const created = await iot.send(
      new CreateJobCommand({ jobId: 'rescrape-1', targets: [`${ARN}:thinggroup/stadium`], document }),
    );
    expect(created).toMatchObject({ jobId: 'rescrape-1', jobArn: `${ARN}:job/rescrape-1` });
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'rescrape-1' }));
    expect(job?.status).toBe('IN_PROGRESS');
    expect(job?.jobProcessDetails?.numberOfQueuedThings).toBe(2);
    expect(job?.createdAt).toBeInstanceOf(Date);
  });

  it('surfaces AWS error types as the SDK’s exception classes', async () => {
    await expect(iot.send(new DescribeJobCommand({ jobId: 'missing' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    await iot.send(new CreateJobCommand({ jobId: 'dup', targets: [`${ARN}:thing/office-a`], document }));
    await expect(
      iot.send(new CreateJobCommand({ jobId: 'dup', targets: [`${ARN}:thing/office-a`], document })),
    ).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
    await expect(
      iot.send(new CreateJobCommand({ jobId: 'bad', targets: ['office-a'], document })),
    ).rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('targets') });
  });

  it('runs the device protocol over MQTT and shows the result in the control plane', async () => {
    const a = await cloud.device('office-a');
    await iot.send(new CreateJobCommand({ jobId: 'j1', targets: [`${ARN}:thing/office-a`], document }));
    expect(await a.next('jobs/notify-next')).toMatchObject({ execution: { jobId: 'j1', status: 'QUEUED' } });
    const started = await a.request('start-next', { clientToken: 't1' });
    expect(started).toMatchObject({ clientToken: 't1', execution: { jobId: 'j1', status: 'IN_PROGRESS' } });
    const updated = await a.request('j1/update', {
      status: 'SUCCEEDED',
      statusDetails: { reason: 'OK' },
      expectedVersion: 2,
    });
    expect(updated).toHaveProperty('timestamp');
    const { execution } = await iot.send(
      new DescribeJobExecutionCommand({ jobId: 'j1', thingName: 'office-a' }),
    );
    expect(execution).toMatchObject({ status: 'SUCCEEDED', statusDetails: { detailsMap: { reason: 'OK' } } });
    const list = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'j1' }));
    expect(list.executionSummaries?.map((s) => s.jobExecutionSummary?.status)).toEqual(['SUCCEEDED']);
    expect((await iot.send(new DescribeJobCommand({ jobId: 'j1' }))).job?.status).toBe('COMPLETED');
  });

  it('rejects a stale expectedVersion over MQTT with VersionMismatch', async () => {
    const a = await cloud.device('office-a');
    await iot.send(new CreateJobCommand({ jobId: 'j1', targets: [`${ARN}:thing/office-a`], document }));
    await a.request('start-next', {});
    expect(await a.request('j1/update', { status: 'FAILED', expectedVersion: 1 })).toMatchObject({
      code: 'VersionMismatch',
      executionState: { versionNumber: 2 },
    });
  });

  it('force-cancels an in-progress execution through CancelJob', async () => {
    const a = await cloud.device('office-a');
    await iot.send(new CreateJobCommand({ jobId: 'j1', targets: [`${ARN}:thing/office-a`], document }));
    await a.request('start-next', {});
    await iot.send(new CancelJobCommand({ jobId: 'j1', force: true, comment: 'wrong group' }));
    const { execution } = await iot.send(
      new DescribeJobExecutionCommand({ jobId: 'j1', thingName: 'office-a' }),
    );
    expect(execution).toMatchObject({ status: 'CANCELED', forceCanceled: true });
    expect(await a.request('j1/update', { status: 'SUCCEEDED' })).toMatchObject({
      code: 'TerminalStateReached',
    });
  });

  it('times out an execution left IN_PROGRESS, on the scaled clock', async () => {
    await cloud.restartService(0.005); // one minute = 300 ms
    const a = await cloud.device('office-a');
    await iot.send(
      new CreateJobCommand({
        jobId: 'slow',
        targets: [`${ARN}:thing/office-a`],
        document,
        timeoutConfig: { inProgressTimeoutInMinutes: 1 },
      }),
    );
    await a.request('start-next', {});
    await new Promise((r) => setTimeout(r, 600));
    await cloud.service.idle();
    const { execution } = await iot.send(
      new DescribeJobExecutionCommand({ jobId: 'slow', thingName: 'office-a' }),
    );
    expect(execution?.status).toBe('TIMED_OUT');
  });

  it('keeps jobs and executions across a restart of the service', async () => {
    await iot.send(new CreateJobCommand({ jobId: 'kept', targets: [`${ARN}:thinggroup/stadium`], document }));
    await cloud.restartService();
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'kept' }));
    expect(job?.jobProcessDetails?.numberOfQueuedThings).toBe(2);
  });
});
