import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ChardevRelayDriver,
  probeChardev,
} from '../../../components/gpio-relay/src/drivers/chardev-relay-driver.ts';
import { FIXTURES, ROOT } from '../helpers.ts';

const BOARDS = {
  /** Pi 5, early Bookworm kernels: the RP1 header chip is gpiochip4. */
  pi5Early: [
    'gpiochip0 gpio-brcmstb@107d508500 32',
    'gpiochip1 gpio-brcmstb@107d508520 4',
    'gpiochip2 gpio-brcmstb@107d517c00 17',
    'gpiochip3 gpio-brcmstb@107d517c20 6',
    'gpiochip4 pinctrl-rp1 54',
  ],
  /** Pi 5, kernel 6.6.47 and later: RP1 became gpiochip0. */
  pi5: [
    'gpiochip0 pinctrl-rp1 54',
    'gpiochip10 gpio-brcmstb@107d508500 32',
    'gpiochip11 gpio-brcmstb@107d508520 4',
    'gpiochip12 gpio-brcmstb@107d517c00 17',
    'gpiochip13 gpio-brcmstb@107d517c20 6',
  ],
  pi4: ['gpiochip0 pinctrl-bcm2711 58', 'gpiochip1 raspberrypi-exp-gpio 8'],
  laptop: ['gpiochip0 INT34C5:00 360'],
} as const;

const dirs: string[] = [];
const drivers: ChardevRelayDriver[] = [];
const processes: ChildProcess[] = [];

afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
  for (const p of processes.splice(0)) p.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fake GPIO "kernel" folder and the environment that puts the fake tools of `version` on PATH. */
function fakeKernel(version: 'v1' | 'v2', board: readonly string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'fake-gpio-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'chips'), `${board.join('\n')}\n`);
  writeFileSync(join(dir, 'log'), '');
  const env = {
    ...process.env,
    FAKE_GPIO_DIR: dir,
    PATH: [join(FIXTURES, `libgpiod-${version}`), process.env.PATH].join(delimiter),
  };
  const log = () =>
    readFileSync(join(dir, 'log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' '));
  /** `hold <chip> <offset> <value> <consumer>` / `release <chip> <offset>` without pids. */
  const events = () => log().map(([, ...rest]) => rest.join(' '));
  const pids = () => [...new Set(log().map(([pid]) => Number(pid)))];
  const live = () => pids().filter(isAlive);
  return { dir, env, events, pids, live };
}

/** True while `pid` runs (a zombie counts as gone: it no longer holds any line). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function open(kernel: ReturnType<typeof fakeKernel>, activeLow = false) {
  const driver = await ChardevRelayDriver.open({ pin: 17, activeLow, env: kernel.env, stopTimeoutMs: 1000 });
  drivers.push(driver);
  return driver;
}

async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each([
  { version: 'v1' as const, major: 1, consumer: 'gpioset' },
  { version: 'v2' as const, major: 2, consumer: 'matchday-relay' },
])('ChardevRelayDriver with libgpiod $version tools', ({ version, major, consumer }) => {
  it('finds the header chip by label where the RP1 is gpiochip4 and detects the tool syntax', async () => {
    const kernel = fakeKernel(version, BOARDS.pi5Early);
    const probe = await probeChardev(17, kernel.env);
    expect(probe).toEqual({ chip: { name: 'gpiochip4', label: 'pinctrl-rp1', lines: 54 }, major });
  });

  it('finds the header chip by label where the RP1 is gpiochip0 and on a Pi 4', async () => {
    expect((await probeChardev(17, fakeKernel(version, BOARDS.pi5).env)).chip.name).toBe('gpiochip0');
    expect((await probeChardev(17, fakeKernel(version, BOARDS.pi4).env)).chip.label).toBe('pinctrl-bcm2711');
  });

  it('opens with one holder keeping the line off', async () => {
    const kernel = fakeKernel(version, BOARDS.pi5Early);
    const driver = await open(kernel);
    expect(kernel.events()).toEqual([`hold gpiochip4 17 0 ${consumer}`]);
    expect(kernel.live()).toEqual([driver.holderPid]);
  });

  it('replaces the holder on a change: the old one releases the line before the new one requests it', async () => {
    const kernel = fakeKernel(version, BOARDS.pi5);
    const driver = await open(kernel);
    const first = driver.holderPid;
    await driver.write(true);
    expect(kernel.events()).toEqual([
      `hold gpiochip0 17 0 ${consumer}`,
      'release gpiochip0 17',
      `hold gpiochip0 17 1 ${consumer}`,
    ]);
    expect(driver.holderPid).not.toBe(first);
    expect(kernel.live()).toEqual([driver.holderPid]);
  });

  it('keeps the same holder when the state does not change', async () => {
    const kernel = fakeKernel(version, BOARDS.pi4);
    const driver = await open(kernel);
    await driver.write(true);
    const holder = driver.holderPid;
    await driver.write(true);
    await driver.write(true);
    expect(driver.holderPid).toBe(holder);
    expect(kernel.pids()).toHaveLength(2);
  });

  it('holds the inverted level on an active-low board', async () => {
    const kernel = fakeKernel(version, BOARDS.pi4);
    const driver = await open(kernel, true);
    await driver.write(true);
    expect(kernel.events()).toEqual([
      `hold gpiochip0 17 1 ${consumer}`,
      'release gpiochip0 17',
      `hold gpiochip0 17 0 ${consumer}`,
    ]);
  });

  it('leaves no holder behind on close', async () => {
    const kernel = fakeKernel(version, BOARDS.pi5);
    const driver = await open(kernel);
    await driver.write(true);
    await driver.close();
    expect(kernel.live()).toEqual([]);
    expect(kernel.events().at(-1)).toBe('release gpiochip0 17');
    expect(readdirSync(join(kernel.dir, 'held'))).toEqual([]);
  });

  it('reports a holder that dies by itself, and starts a new one on the next write', async () => {
    const kernel = fakeKernel(version, BOARDS.pi5);
    const driver = await open(kernel);
    await driver.write(true);
    const faults: Error[] = [];
    driver.onFault((error) => faults.push(error));
    process.kill(driver.holderPid!, 'SIGKILL');
    await waitUntil(() => faults.length > 0);
    expect(faults[0]!.message).toMatch(
      /gpioset holder \(pid \d+\) .* exited unexpectedly \(signal SIGKILL\)/,
    );
    await driver.write(true);
    expect(kernel.live()).toEqual([driver.holderPid]);
    expect(kernel.events().at(-1)).toBe(`hold gpiochip0 17 1 ${consumer}`);
  });

  it('refuses a line another process already holds, naming that process', async () => {
    const kernel = fakeKernel(version, BOARDS.pi5);
    const args =
      version === 'v1' ? ['--mode=signal', 'gpiochip0', '17=1'] : ['-c', 'gpiochip0', '-C', 'fan', '17=1'];
    const other = spawn(join(FIXTURES, `libgpiod-${version}`, 'gpioset'), args, { env: kernel.env });
    processes.push(other);
    await waitUntil(() => kernel.events().length > 0);
    await expect(open(kernel)).rejects.toThrow(
      `gpiochip0 [pinctrl-rp1] line 17 (libgpiod v${major}) is already held by \`${version === 'v1' ? 'gpioset' : 'fan'}\``,
    );
  });

  it('names the chips it saw when none is a Raspberry Pi header chip', async () => {
    await expect(probeChardev(17, fakeKernel(version, BOARDS.laptop).env)).rejects.toThrow(
      'chardev driver: no header GPIO chip (pinctrl-rp1, pinctrl-bcm2711, pinctrl-bcm2835) in gpiodetect; found gpiochip0 [INT34C5:00]',
    );
  });

  it('leaves no holder behind when its process is stopped with SIGTERM', async () => {
    const kernel = fakeKernel(version, BOARDS.pi5);
    const { child, holder } = await startHarness(kernel.env);
    expect(isAlive(holder)).toBe(true);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(kernel.live()).toEqual([]);
    expect(kernel.events().at(-1)).toBe('release gpiochip0 17');
  });

  it('leaves no holder behind even when its process is killed with SIGKILL', async () => {
    const kernel = fakeKernel(version, BOARDS.pi5);
    const { child, holder } = await startHarness(kernel.env);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await waitUntil(() => !isAlive(holder));
    expect(kernel.live()).toEqual([]);
  });
});

describe('ChardevRelayDriver probing', () => {
  it('says which tool is missing when libgpiod is not installed', async () => {
    const env = { ...process.env, PATH: join(ROOT, 'test', 'fixtures', 'gpio-relay', 'sysfs') };
    await expect(probeChardev(17, env)).rejects.toThrow(
      'chardev driver: `gpiodetect` not found on PATH (install the `gpiod` package)',
    );
  });
});

async function startHarness(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; holder: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'chardev-harness.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  processes.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`harness exited with ${code}: ${out}`)));
  });
  const match = /^ready (\d+)$/.exec(line);
  if (!match) throw new Error(`unexpected harness output: ${line}`);
  return { child, holder: Number(match[1]) };
}
