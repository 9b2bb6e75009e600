/**
 * The whole demo, as a newcomer runs it: `scripts/start.ts` (what `npm start` runs after the build) brings up
 * local-core with the laptop deployment and the demo feed, time-compressed 40×, and the simulated relay
 * must go on for the demo game's alert window and off again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..', '..');
const root = mkdtempSync(join(tmpdir(), 'demo-'));
const lightFile = join(
  root,
  'things',
  'matchday-laptop',
  'work',
  'com.matchdayalert.GpioRelay',
  'simulated-relay.json',
);
let stack: ChildProcess | undefined;

function light(): boolean | undefined {
  try {
    return (JSON.parse(readFileSync(lightFile, 'utf8')) as { on: boolean }).on;
  } catch {
    return undefined;
  }
}

async function waitForLight(on: boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (light() === on) return Date.now();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `the simulated light was not ${on ? 'on' : 'off'} within ${timeoutMs} ms (last: ${light()})`,
  );
}

afterAll(async () => {
  if (stack && stack.exitCode === null) {
    const exited = new Promise((r) => stack?.once('exit', r));
    stack.kill('SIGTERM');
    await exited;
  }
  rmSync(root, { recursive: true, force: true });
});

describe('npm start', () => {
  it('switches the simulated light on for the demo game and off again', { timeout: 120_000 }, async () => {
    stack = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'scripts', 'start.ts'), '--root', root, '--compress', '40'],
      {
        cwd: REPO,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const on = await waitForLight(true, 70_000);
    const off = await waitForLight(false, 40_000);
    expect(off).toBeGreaterThan(on);
  });
});
