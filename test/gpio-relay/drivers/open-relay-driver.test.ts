import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRelayDriver } from '../../../components/gpio-relay/src/drivers/open-relay-driver.ts';
import type { OpenSysfsGpio } from '../../../components/gpio-relay/src/drivers/sysfs-relay-driver.ts';
import type { RelayDriver } from '../../../components/gpio-relay/src/relay-driver.ts';
import { FakeClock, MemoryFileSystem, RecordingLogger } from '../../fakes/index.ts';
import { FIXTURES } from '../helpers.ts';

const opened: RelayDriver[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const noTools = { ...process.env, PATH: join(FIXTURES, 'sysfs') };
const exported: number[] = [];
const fakeOnoff: OpenSysfsGpio = (gpio) => {
  exported.push(gpio);
  return { writeSync: () => {}, unexport: () => {} };
};

function environment(overrides: { env?: NodeJS.ProcessEnv; sysfsRoot?: string } = {}) {
  return {
    fs: new MemoryFileSystem(),
    clock: new FakeClock(),
    logger: new RecordingLogger(),
    workDir: '/work',
    openGpio: fakeOnoff,
    sysfsRoot: '/nonexistent/sys/class/gpio',
    ...overrides,
  };
}

async function open(driver: 'auto' | 'chardev' | 'sysfs' | 'simulated', env: ReturnType<typeof environment>) {
  const d = await openRelayDriver({ pin: 17, activeLow: false, driver }, env);
  opened.push(d);
  return d;
}

describe('openRelayDriver', () => {
  it('chooses the character device under auto when the libgpiod tools find a header chip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-gpio-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'chips'), 'gpiochip0 pinctrl-rp1 54\n');
    const env = {
      ...process.env,
      FAKE_GPIO_DIR: dir,
      PATH: [join(FIXTURES, 'libgpiod-v2'), process.env.PATH].join(delimiter),
    };
    const driver = await open(
      'auto',
      environment({ env, sysfsRoot: join(FIXTURES, 'sysfs', 'pi5-bookworm') }),
    );
    expect(driver.name).toBe('chardev');
  });

  it('chooses sysfs under auto when there are no libgpiod tools but a sysfs header chip', async () => {
    const driver = await open(
      'auto',
      environment({ env: noTools, sysfsRoot: join(FIXTURES, 'sysfs', 'pi4-bookworm') }),
    );
    expect(driver.name).toBe('sysfs');
    expect(exported.at(-1)).toBe(529);
  });

  it('goes ERRORED under auto naming both probes, and never falls back to simulated', async () => {
    await expect(open('auto', environment({ env: noTools }))).rejects.toThrow(
      /^auto driver: no usable GPIO for BCM 17\. Probed chardev driver: `gpiodetect` not found on PATH .*; sysfs driver: \/nonexistent\/sys\/class\/gpio\/export does not exist$/,
    );
  });

  it('opens the simulated driver only when configured explicitly', async () => {
    const driver = await open('simulated', environment({ env: noTools }));
    expect(driver.name).toBe('simulated');
  });

  it('reports an explicit chardev choice that cannot work instead of trying another driver', async () => {
    await expect(
      open('chardev', environment({ env: noTools, sysfsRoot: join(FIXTURES, 'sysfs', 'pi4-bookworm') })),
    ).rejects.toThrow('chardev driver: `gpiodetect` not found on PATH');
  });
});
