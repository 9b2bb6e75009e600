import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from './helpers.ts';
import { type RelayStack, startRelayStack } from './relay-stack.ts';

/** `<pid> hold|release …` lines the fake libgpiod tools wrote. */
function gpioLog(dir: string): { pid: number; event: string }[] {
  return readFileSync(join(dir, 'log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, ...rest] = line.split(' ');
      return { pid: Number(pid), event: rest.join(' ') };
    });
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('GpioRelay through local-core with the chardev driver and libgpiod v2 tools on PATH', () => {
  let stack: RelayStack;
  let gpio: string;

  beforeAll(async () => {
    gpio = mkdtempSync(join(tmpdir(), 'fake-gpio-'));
    writeFileSync(join(gpio, 'chips'), 'gpiochip0 pinctrl-rp1 54\ngpiochip10 gpio-brcmstb@107d508500 32\n');
    writeFileSync(join(gpio, 'log'), '');
    // local-core hands its environment to components: the fake tools are what the component finds.
    process.env.FAKE_GPIO_DIR = gpio;
    process.env.PATH = [join(FIXTURES, 'libgpiod-v2'), process.env.PATH].join(delimiter);
    stack = await startRelayStack({ driver: 'chardev' });
  }, 90_000);

  afterAll(async () => {
    rmSync(gpio, { recursive: true, force: true });
  });

  it('holds the line on through one gpioset holder after a relay/set', async () => {
    await stack.publish('matchday/relay/set', { on: true, reason: 'alert', alertId: 'kaa-gent:h3' });
    await stack.waitFor(() => stack.states().at(-1)?.on === true, 10_000, 'state on');
    expect(stack.states().at(-1)).toMatchObject({ driver: 'chardev', healthy: true });
    const live = gpioLog(gpio).filter((e) => e.event.startsWith('hold') && isAlive(e.pid));
    expect(live.map((e) => e.event)).toEqual(['hold gpiochip0 17 1 matchday-relay']);
  });

  it('drives the line off and leaves no gpioset behind when SIGTERM stops the component', async () => {
    await stack.stop();
    const log = gpioLog(gpio);
    expect(log.filter((e) => isAlive(e.pid))).toEqual([]);
    expect(
      log
        .map((e) => e.event)
        .filter((e) => e.startsWith('hold'))
        .at(-1),
    ).toBe('hold gpiochip0 17 0 matchday-relay');
    expect(log.at(-1)?.event).toBe('release gpiochip0 17');
  });
});
