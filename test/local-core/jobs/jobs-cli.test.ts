import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandTarget, runJobsCli } from '../../../scripts/jobs-cli.ts';
import { type JobsCloud, startJobsCloud } from './jobs-cloud.ts';

let cloud: JobsCloud;
let cwd: string;
let lines: string[];

beforeEach(async () => {
  cloud = await startJobsCloud();
  cwd = mkdtempSync(join(tmpdir(), 'jobs-cli-'));
  mkdirSync(join(cwd, '.local', 'core'), { recursive: true });
  writeFileSync(
    join(cwd, '.local', 'core', 'endpoints.json'),
    JSON.stringify({ api: { url: cloud.apiUrl } }),
  );
  lines = [];
});

afterEach(async () => {
  await cloud.close();
  rmSync(cwd, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runJobsCli(argv, { out: (l) => lines.push(l), env: {}, cwd, pollMs: 20 });

describe('jobs CLI', () => {
  it('creates a job on local-core from endpoints.json and follows each device to SUCCEEDED', async () => {
    const a = await cloud.device('office-a');
    const b = await cloud.device('office-b');
    const finish = async (d: typeof a) => {
      const started = (await d.request('start-next', {})) as { execution: { jobId: string } };
      await d.request(`${started.execution.jobId}/update`, {
        status: 'SUCCEEDED',
        statusDetails: { reason: 'OK' },
      });
    };
    const run = cli(
      'create',
      'j1',
      '--targets',
      'thinggroup/stadium',
      '--document-json',
      '{"version":1,"operation":"rescrape"}',
      '--wait',
    );
    await a.next('notify-next');
    await b.next('notify-next');
    await Promise.all([finish(a), finish(b)]);
    expect(await run).toBe(0);
    expect(lines).toContain('office-a                 SUCCEEDED  reason=OK');
    expect(lines).toContain('office-b                 SUCCEEDED  reason=OK');
    expect(lines.at(-1)).toMatch(/^job j1: COMPLETED — succeeded 2, failed 0/);
  });

  it('exits 2 from status when a device did not succeed', async () => {
    const a = await cloud.device('office-a');
    expect(await cli('create', 'j1', '--targets', 'thing/office-a', '--document-json', '{}')).toBe(0);
    await a.request('start-next', {});
    await a.request('j1/update', { status: 'REJECTED', statusDetails: { reason: 'INVALID_DOCUMENT' } });
    expect(await cli('status', 'j1')).toBe(2);
    expect(lines).toContain('office-a                 REJECTED  reason=INVALID_DOCUMENT');
  });

  it('cancels a job, forcing in-progress executions', async () => {
    const a = await cloud.device('office-a');
    await cli('create', 'j1', '--targets', 'thing/office-a', '--document-json', '{}');
    await a.request('start-next', {});
    expect(await cli('cancel', 'j1', '--force')).toBe(0);
    await cli('status', 'j1');
    expect(lines).toContain('office-a                 CANCELED');
  });

  it('reports an API error with its AWS type and exits 1', async () => {
    expect(await cli('status', 'nope')).toBe(1);
    expect(lines.at(-1)).toMatch(/^error: ResourceNotFoundException: Job nope does not exist/);
  });

  it('refuses a non-loopback endpoint for local-core', async () => {
    expect(await cli('status', 'j1', '--endpoint', 'http://example.com')).toBe(1);
    expect(lines[0]).toMatch(/--endpoint must be a loopback http URL/);
  });

  it('needs an account id to expand a short target for AWS', () => {
    expect(expandTarget('thing/office-a', 'eu-west-1', '123456789012')).toBe(
      'arn:aws:iot:eu-west-1:123456789012:thing/office-a',
    );
    expect(() => expandTarget('thing/office-a', 'eu-west-1', undefined)).toThrow(/--account-id/);
  });
});
