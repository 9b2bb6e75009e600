import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DeployIo, runDeployCli } from '../../scripts/deploy/cli.ts';
import { collectProgress, renderProgress } from '../../scripts/deploy/progress.ts';
import { FakeGreengrass } from './fake-greengrass.ts';
import { FLEET_FILE, ROOT, rawFleet, TARGET } from './helpers.ts';

const ENV = { AWS_REGION: 'eu-west-1', AWS_ACCOUNT_ID: '123456789012' };

function io(fake: FakeGreengrass, env: NodeJS.ProcessEnv = ENV) {
  const out: string[] = [];
  const err: string[] = [];
  const regions: string[] = [];
  const value: DeployIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env,
    cwd: ROOT,
    connect: (region) => {
      regions.push(region);
      return fake;
    },
    sleep: async () => {},
    pollMs: 1000,
  };
  return { io: value, out, err, regions };
}

function devices(fake: FakeGreengrass, names: string[]): void {
  fake.groups.set(
    TARGET,
    names.map((thingName) => ({ thingName, status: 'HEALTHY' })),
  );
}

describe('deploy CLI against a fake control plane', () => {
  it('plan prints the diff and creates nothing', async () => {
    const fake = new FakeGreengrass();
    const run = io(fake);
    expect(await runDeployCli(['plan', '--file', FLEET_FILE], run.io)).toBe(0);
    expect(fake.created).toHaveLength(0);
    expect(run.out.join('\n')).toContain(`target   ${TARGET}`);
    expect(run.out.join('\n')).toContain('+ com.matchdayalert.GpioRelay 1.0.0');
    expect(run.regions).toEqual(['eu-west-1']);
  });

  it('apply creates the deployment and follows every device until all succeed', async () => {
    const fake = new FakeGreengrass();
    devices(fake, ['pi-b', 'pi-a']);
    let polls = 0;
    fake.onPoll = () => {
      polls += 1;
      const id = 'd-1';
      if (polls === 1)
        fake.effective.set('pi-a', [{ deploymentId: id, targetArn: TARGET, status: 'IN_PROGRESS' }]);
      if (polls === 2) {
        fake.effective.set('pi-a', [{ deploymentId: id, targetArn: TARGET, status: 'SUCCEEDED' }]);
        fake.effective.set('pi-b', [{ deploymentId: id, targetArn: TARGET, status: 'SUCCEEDED' }]);
      }
    };
    const run = io(fake);
    expect(await runDeployCli(['apply'], run.io)).toBe(0);
    expect(fake.created).toHaveLength(1);
    const text = run.out.join('\n');
    expect(text).toContain('created  d-1');
    expect(text).toMatch(/pi-a\s+IN_PROGRESS/);
    expect(text).toMatch(/pi-b\s+NOT_STARTED/);
    expect(text).toContain('2 succeeded, 0 failed, 0 in progress of 2 (done)');
  });

  it('apply exits 2 when a device fails and shows its reason', async () => {
    const fake = new FakeGreengrass();
    devices(fake, ['pi-a']);
    fake.onPoll = () =>
      fake.effective.set('pi-a', [
        { deploymentId: 'd-1', targetArn: TARGET, status: 'FAILED', reason: 'FAILED_ROLLBACK_COMPLETE' },
      ]);
    const run = io(fake);
    expect(await runDeployCli(['apply'], run.io)).toBe(2);
    expect(run.out.join('\n')).toMatch(/pi-a\s+FAILED\s+health HEALTHY; FAILED_ROLLBACK_COMPLETE/);
  });

  it('keeps following the devices when one progress poll fails', async () => {
    const fake = new FakeGreengrass();
    devices(fake, ['pi-a']);
    let polls = 0;
    fake.onPoll = () => {
      polls += 1;
      if (polls === 1) throw new Error('ThrottlingException: Rate exceeded');
      fake.effective.set('pi-a', [{ deploymentId: 'd-1', targetArn: TARGET, status: 'SUCCEEDED' }]);
    };
    const run = io(fake);
    expect(await runDeployCli(['apply'], run.io)).toBe(0);
    expect(run.err.join('\n')).toContain(
      'progress poll failed, retrying: ThrottlingException: Rate exceeded',
    );
    expect(run.out.join('\n')).toContain('1 succeeded, 0 failed, 0 in progress of 1 (done)');
  });

  it('apply --no-wait returns after creating, and a retried identical apply reuses the clientToken', async () => {
    const fake = new FakeGreengrass();
    const first = io(fake);
    expect(await runDeployCli(['apply', '--no-wait'], first.io)).toBe(0);
    // The retry sees the same base revision (as after a lost response) and so sends the same token.
    const base = fake.current.get(TARGET);
    fake.current.delete(TARGET);
    const retry = io(fake);
    expect(await runDeployCli(['apply', '--no-wait'], retry.io)).toBe(0);
    expect(fake.created).toHaveLength(1);
    expect(retry.out.join('\n')).toContain('created  d-1');
    expect(base?.deploymentId).toBe('d-1');
  });

  it('apply does nothing when the current deployment already matches', async () => {
    const fake = new FakeGreengrass();
    await runDeployCli(['apply', '--no-wait'], io(fake).io);
    const again = io(fake);
    expect(await runDeployCli(['apply', '--no-wait'], again.io)).toBe(0);
    expect(fake.created).toHaveLength(1);
    expect(again.out.join('\n')).toContain('nothing to apply');
  });

  it('status shows the current deployment and each device', async () => {
    const fake = new FakeGreengrass();
    await runDeployCli(['apply', '--no-wait'], io(fake).io);
    devices(fake, ['pi-a']);
    fake.effective.set('pi-a', [{ deploymentId: 'd-1', targetArn: TARGET, status: 'SUCCEEDED' }]);
    const run = io(fake);
    expect(await runDeployCli(['status'], run.io)).toBe(0);
    const text = run.out.join('\n');
    expect(text).toContain('current  d-1 (matchday-fleet, revision 1, ACTIVE)');
    expect(text).toContain('  com.matchdayalert.Scheduler 1.0.0');
    expect(text).toMatch(/pi-a\s+SUCCEEDED/);
  });

  it('refuses to run without an account id and says which flag or variable to set', async () => {
    const run = io(new FakeGreengrass(), { AWS_REGION: 'eu-west-1' });
    expect(await runDeployCli(['plan'], run.io)).toBe(1);
    expect(run.err.join('\n')).toContain('{account} needs --account-id or AWS_ACCOUNT_ID');
  });

  it('refuses an invalid document before calling the control plane', async () => {
    const raw = rawFleet();
    (raw.iotJobConfiguration as { timeoutConfig: unknown }).timeoutConfig = { inProgressTimeoutInMinutes: 0 };
    const file = join(tmpdir(), `fleet-${process.pid}-bad.json`);
    writeFileSync(file, JSON.stringify(raw));
    const fake = new FakeGreengrass();
    const run = io(fake);
    const code = await runDeployCli(['apply', '--file', file], run.io);
    rmSync(file, { force: true });
    expect(code).toBe(1);
    expect(run.err.join('\n')).toContain('iotJobConfiguration.timeoutConfig.inProgressTimeoutInMinutes');
    expect(run.regions).toEqual([]);
  });
});

describe('progress', () => {
  it('renders each device of the group with its state for this deployment only', async () => {
    const fake = new FakeGreengrass();
    devices(fake, ['pi-c', 'pi-a', 'pi-b']);
    fake.effective.set('pi-a', [
      { deploymentId: 'd-old', targetArn: TARGET, status: 'FAILED' },
      { deploymentId: 'd-9', targetArn: TARGET, status: 'SUCCEEDED' },
    ]);
    fake.effective.set('pi-b', [{ deploymentId: 'd-9', targetArn: TARGET, status: 'QUEUED' }]);
    const report = await collectProgress(fake, TARGET, 'd-9');
    expect(report).toMatchObject({ done: false, succeeded: 1, failed: 0, pending: 2 });
    expect(renderProgress(report)).toEqual([
      'device  state         detail',
      'pi-a    SUCCEEDED     health HEALTHY',
      'pi-b    QUEUED        health HEALTHY',
      'pi-c    NOT_STARTED   health HEALTHY',
      '1 succeeded, 0 failed, 2 in progress of 3',
    ]);
  });
});
