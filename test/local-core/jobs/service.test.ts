/**
 * local-core's IoT Jobs through its real edges: @aws-sdk/client-iot against the cloud API server, and a
 * device speaking the Jobs MQTT protocol through the aedes broker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelJobCommand,
  CreateJobCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  IoTClient,
  ListJobExecutionsForJobCommand,
} from '@aws-sdk/client-iot';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../../local-core/src/cloud/api-server.ts';
import { type RunningBroker, startBroker } from '../../../local-core/src/cloud/broker.ts';
import { createJobsService, type JobsService } from '../../../local-core/src/jobs/service.ts';
import type { CloudApiHandler, ThingCloud } from '../../../local-core/src/nucleus/services.ts';

const ARN = 'arn:aws:iot:eu-west-1:000000000000';
const thing = (thingName: string, thingGroups: string[]): ThingCloud => ({
  thingName,
  thingGroups,
  isOnline: () => true,
  onConnectivityChange: () => () => undefined,
});
const things = new Map([
  ['office-a', thing('office-a', ['stadium'])],
  ['office-b', thing('office-b', ['stadium'])],
]);

let broker: RunningBroker;
let api: ApiServer;
let stateDir: string;
let service: JobsService;
let iot: IoTClient;
const devices: MqttClient[] = [];

/** The latest service's handler per route, so a restarted service takes over the same server. */
let table: Map<string, CloudApiHandler>;

async function startService(timeScale = 1): Promise<JobsService> {
  const s = createJobsService();
  await s.start({
    things,
    broker: broker.cloud,
    route: (method, pattern, handler) => {
      const key = `${method} ${pattern}`;
      if (!table.has(key)) api.route(method, pattern, (r) => table.get(key)!(r));
      table.set(key, handler);
    },
    timeScale,
    stateDir,
    log: () => undefined,
  });
  return s;
}

/** A device speaking the Jobs MQTT protocol for `name`; collects what it receives. */
async function device(name: string) {
  const client = await mqtt.connectAsync(broker.url, { clientId: name, clean: true, protocolVersion: 4 });
  devices.push(client);
  const inbox: { topic: string; body: Record<string, unknown> }[] = [];
  const waiters: { suffix: string; resolve: (body: Record<string, unknown>) => void }[] = [];
  client.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString()) as Record<string, unknown>;
    inbox.push({ topic, body });
    for (const w of waiters.splice(0)) {
      if (topic.endsWith(w.suffix)) w.resolve(body);
      else waiters.push(w);
    }
  });
  await client.subscribeAsync(`$aws/things/${name}/jobs/#`, { qos: 1 });
  const next = (suffix: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const seen = inbox.find((m) => m.topic.endsWith(suffix));
      if (seen) {
        inbox.splice(inbox.indexOf(seen), 1);
        resolve(seen.body);
      } else {
        waiters.push({
          suffix,
          resolve: (b) => {
            inbox.splice(
              inbox.findIndex((m) => m.body === b),
              1,
            );
            resolve(b);
          },
        });
      }
    });
  const request = async (suffix: string, body: Record<string, unknown>) => {
    const reply = Promise.race([next(`jobs/${suffix}/accepted`), next(`jobs/${suffix}/rejected`)]);
    await client.publishAsync(`$aws/things/${name}/jobs/${suffix}`, JSON.stringify(body), { qos: 1 });
    return reply;
  };
  return { next, request };
}

beforeEach(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'jobs-service-'));
  table = new Map();
  broker = await startBroker(0);
  api = await startApiServer(0, () => undefined);
  service = await startService();
  iot = new IoTClient({
    endpoint: `http://127.0.0.1:${api.port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterEach(async () => {
  for (const d of devices.splice(0)) await d.endAsync(true);
  iot.destroy();
  await service.stop();
  await api.close();
  await broker.close();
  rmSync(stateDir, { recursive: true, force: true });
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
    const a = await device('office-a');
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
    const a = await device('office-a');
    await iot.send(new CreateJobCommand({ jobId: 'j1', targets: [`${ARN}:thing/office-a`], document }));
    await a.request('start-next', {});
    expect(await a.request('j1/update', { status: 'FAILED', expectedVersion: 1 })).toMatchObject({
      code: 'VersionMismatch',
      executionState: { versionNumber: 2 },
    });
  });

  it('force-cancels an in-progress execution through CancelJob', async () => {
    const a = await device('office-a');
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
    await service.stop();
    service = await startService(0.005); // one minute = 300 ms
    const a = await device('office-a');
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
    await service.idle();
    const { execution } = await iot.send(
      new DescribeJobExecutionCommand({ jobId: 'slow', thingName: 'office-a' }),
    );
    expect(execution?.status).toBe('TIMED_OUT');
  });

  it('keeps jobs and executions across a restart of the service', async () => {
    await iot.send(new CreateJobCommand({ jobId: 'kept', targets: [`${ARN}:thinggroup/stadium`], document }));
    await service.stop();
    service = await startService();
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'kept' }));
    expect(job?.jobProcessDetails?.numberOfQueuedThings).toBe(2);
  });
});
