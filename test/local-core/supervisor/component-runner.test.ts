import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ComponentRunner, type ComponentState } from '../../../local-core/src/supervisor/component-runner.ts';
import type { ComponentLifecycle, LifecycleStep } from '../../../local-core/src/supervisor/recipe.ts';

const step = (script: string, timeoutSeconds?: number): LifecycleStep => ({
  script,
  requiresPrivilege: false,
  skipIf: undefined,
  timeoutSeconds,
  setenv: {},
});
const lifecycle = (parts: Partial<ComponentLifecycle>): ComponentLifecycle => ({
  setenv: {},
  bootstrap: undefined,
  install: undefined,
  startup: undefined,
  run: undefined,
  shutdown: undefined,
  recover: undefined,
  ...parts,
});

describe('ComponentRunner', () => {
  const dirs: string[] = [];
  const runners: ComponentRunner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function runner(parts: Partial<ComponentLifecycle>, now: () => number) {
    const dir = mkdtempSync(join(tmpdir(), 'lc-runner-'));
    dirs.push(dir);
    const states: ComponentState[] = [];
    const r = new ComponentRunner({
      name: 'c.Test',
      lifecycle: lifecycle(parts),
      workDir: join(dir, 'work'),
      logFile: join(dir, 'c.Test.log'),
      interpolate: (text) => text,
      baseEnv: () => ({ PATH: process.env.PATH ?? '' }),
      dependenciesReady: () => true,
      onStateChange: (_name, state) => states.push(state),
      log: () => undefined,
      graceMs: 500,
      now,
    });
    runners.push(r);
    return { r, states, dir };
  }

  async function until(check: () => boolean, ms = 10_000) {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('goes BROKEN on the third error within the reset window', async () => {
    const { r, states } = runner({ run: step('exit 3') }, () => 1_000);
    await r.start();
    await until(() => r.state === 'BROKEN');
    expect(r.restarts).toBe(2);
    expect(states.filter((s) => s === 'ERRORED')).toHaveLength(2);
  });

  it('keeps restarting when each error comes more than the reset window after the previous one', async () => {
    let clock = 0;
    const { r } = runner({ run: step('exit 3') }, () => {
      clock += 3_600_000;
      return clock;
    });
    await r.start();
    await until(() => r.restarts >= 5);
    expect(r.state).not.toBe('BROKEN');
  });

  it('retries a failing Install and counts it against NEW', async () => {
    const { r, dir } = runner(
      { install: step('echo try >> ../installs; exit 1'), run: step('sleep 5') },
      () => 1,
    );
    await r.start();
    await until(() => r.state === 'BROKEN');
    expect(readFileSync(join(dir, 'installs'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('is RUNNING when a component whose Startup step still runs reports UpdateState RUNNING', async () => {
    const { r } = runner({ startup: step('sleep 30') }, () => 1);
    await r.start();
    await until(() => r.state === 'STARTING');
    r.reportState('RUNNING');
    await until(() => r.state === 'RUNNING');
    await r.stop();
    expect(r.state).toBe('FINISHED');
  });

  it('errors a Startup step that exits non-zero', async () => {
    const { r, states } = runner({ startup: step('exit 2') }, () => 1);
    await r.start();
    await until(() => r.state === 'BROKEN');
    expect(states).not.toContain('RUNNING');
  });

  it('runs Recover before restarting an errored component', async () => {
    const { r, dir } = runner(
      { run: step('sleep 0.2; exit 1'), recover: step('echo recovered >> ../recover') },
      () => 1,
    );
    await r.start();
    await until(() => r.state === 'BROKEN');
    expect(readFileSync(join(dir, 'recover'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('gives processes the shell started the grace period after the shell itself exits on SIGTERM', async () => {
    const inner = "trap 'sleep 0.3; echo graceful > ../term; exit 0' TERM; while :; do sleep 0.05; done";
    const { r, dir } = runner({ run: step(`sh -c "${inner}"; echo never`) }, () => 1);
    await r.start();
    await until(() => r.state === 'RUNNING');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await r.stop();
    expect(readFileSync(join(dir, 'term'), 'utf8').trim()).toBe('graceful');
  });

  it('honours a step Timeout longer than 2^31−1 ms instead of timing out at once', async () => {
    const month = 31 * 24 * 3600;
    const { r, states } = runner(
      { install: step('sleep 0.2', month), startup: step('sleep 0.2; exit 0', month) },
      () => 1,
    );
    await r.start();
    await until(() => r.state === 'RUNNING' || r.state === 'ERRORED' || r.state === 'BROKEN');
    expect(states).toEqual(['INSTALLED', 'STARTING', 'RUNNING']);
  });

  it('SIGKILLs a process group that ignores SIGTERM after the grace period', async () => {
    const { r, dir } = runner(
      { run: step("trap '' TERM; echo $$ > ../pid; sleep 30 & echo $! >> ../pid; wait") },
      () => 1,
    );
    await r.start();
    await until(() => {
      try {
        return readFileSync(join(dir, 'pid'), 'utf8').trim().split('\n').length === 2;
      } catch {
        return false;
      }
    });
    const pids = readFileSync(join(dir, 'pid'), 'utf8').trim().split('\n').map(Number);
    await r.stop();
    expect(r.state).toBe('FINISHED');
    // Gone, or a zombie waiting for a reaper (a container's PID 1 may not reap orphans).
    const alive = (pid: number) => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    expect(pids.filter(alive)).toEqual([]);
  });
});
