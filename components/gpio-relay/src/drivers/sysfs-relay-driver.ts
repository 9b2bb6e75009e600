/**
 * The sysfs driver (deprecated kernel interface, still present on Raspberry Pi OS Bookworm) through onoff.
 * The BCM pin is mapped to its sysfs number from the header chip's `base` and `label` — Pi 4 and Pi 5
 * kernels number lines from 512 or 571 — never from a fixed offset. onoff sits behind a thin seam and is
 * loaded lazily, only when this driver is chosen, because it brings a native addon (epoll).
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { HEADER_CHIP_LABELS, levelFor, type RelayDriver, RelayDriverError } from '../relay-driver.ts';

/** The default sysfs GPIO class folder. */
export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

/** One exported sysfs line: the two calls the relay needs from onoff's `Gpio`. */
export interface SysfsGpio {
  writeSync(value: 0 | 1): void;
  unexport(): void;
}

/** Exports `gpio` as an output whose first level is `initial` (`high`/`low` set direction and level at once). */
export type OpenSysfsGpio = (gpio: number, initial: 'high' | 'low') => SysfsGpio;

/** A gpiochip as sysfs describes it. */
export interface SysfsChip {
  /** Folder name, e.g. `gpiochip571`. */
  readonly dir: string;
  readonly label: string;
  readonly base: number;
  readonly ngpio: number;
}

/** The sysfs number of a BCM pin, and the chip it came from. */
export interface SysfsLine {
  readonly gpio: number;
  readonly chip: SysfsChip;
}

/** Every `gpiochip*` under `root`, sorted by base. */
export async function readSysfsChips(root: string): Promise<SysfsChip[]> {
  const entries = (await readdir(root)).filter((name) => /^gpiochip\d+$/.test(name));
  const chips: SysfsChip[] = [];
  for (const dir of entries) {
    const read = async (file: string) => (await readFile(join(root, dir, file), 'utf8')).trim();
    const [label, base, ngpio] = await Promise.all([read('label'), read('base'), read('ngpio')]);
    const baseN = Number(base);
    const ngpioN = Number(ngpio);
    if (!Number.isInteger(baseN) || !Number.isInteger(ngpioN)) continue;
    chips.push({ dir, label, base: baseN, ngpio: ngpioN });
  }
  return chips.sort((a, b) => a.base - b.base);
}

/**
 * Maps a BCM pin to its sysfs number: `base + pin` of the header chip found by label. Throws a
 * `RelayDriverError` listing the chips it saw when none fits.
 */
export async function findSysfsLine(root: string, pin: number): Promise<SysfsLine> {
  let chips: SysfsChip[];
  try {
    chips = await readSysfsChips(root);
  } catch (error) {
    throw new RelayDriverError('sysfs', `cannot read ${root} (${(error as Error).message})`, {
      cause: error,
    });
  }
  for (const label of HEADER_CHIP_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (!chip) continue;
    if (pin >= chip.ngpio)
      throw new RelayDriverError(
        'sysfs',
        `BCM ${pin} is outside ${chip.dir} [${label}] (${chip.ngpio} lines)`,
      );
    return { gpio: chip.base + pin, chip };
  }
  const seen = chips.map((c) => `${c.dir} [${c.label}]`).join(', ') || 'no gpiochip';
  throw new RelayDriverError(
    'sysfs',
    `no header GPIO chip (${HEADER_CHIP_LABELS.join(', ')}) under ${root}; found ${seen}`,
  );
}

/**
 * onoff, required at run time only. In the bundle `onoff` is external and shipped in the artifact's
 * node_modules with epoll; a missing or wrong-architecture epoll addon fails here, with its reason.
 */
export function loadOnoff(): OpenSysfsGpio {
  const load = typeof require === 'function' ? require : createRequire(import.meta.url);
  let Gpio: new (gpio: number, direction: 'high' | 'low') => SysfsGpio;
  try {
    ({ Gpio } = load('onoff') as { Gpio: typeof Gpio });
  } catch (error) {
    throw new RelayDriverError('sysfs', `cannot load onoff (${(error as Error).message})`, { cause: error });
  }
  return (gpio, initial) => new Gpio(gpio, initial);
}

export interface SysfsRelayOptions {
  pin: number;
  activeLow: boolean;
  /** @default "/sys/class/gpio" */
  sysfsRoot?: string;
  /** @default loadOnoff() */
  openGpio?: OpenSysfsGpio;
}

export class SysfsRelayDriver implements RelayDriver {
  readonly name = 'sysfs' as const;
  private closed = false;

  private constructor(
    readonly line: string,
    private readonly gpio: SysfsGpio,
    private readonly activeLow: boolean,
  ) {}

  /** Maps the pin, exports it and drives it off in the same step (no glitch on active-low boards). */
  static async open(options: SysfsRelayOptions): Promise<SysfsRelayDriver> {
    const root = options.sysfsRoot ?? SYSFS_GPIO_ROOT;
    const { gpio, chip } = await findSysfsLine(root, options.pin);
    const openGpio = options.openGpio ?? loadOnoff();
    const off = levelFor(false, options.activeLow) === 1 ? 'high' : 'low';
    let line: SysfsGpio;
    try {
      line = openGpio(gpio, off);
    } catch (error) {
      throw new RelayDriverError(
        'sysfs',
        `cannot export gpio${gpio} (BCM ${options.pin} on ${chip.dir} [${chip.label}]): ${(error as Error).message}`,
        { cause: error },
      );
    }
    return new SysfsRelayDriver(
      `gpio${gpio} (${chip.dir} [${chip.label}] line ${options.pin})`,
      line,
      options.activeLow,
    );
  }

  async write(on: boolean): Promise<void> {
    if (this.closed) throw new RelayDriverError('sysfs', 'the line is closed');
    this.gpio.writeSync(levelFor(on, this.activeLow));
  }

  onFault(): void {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.gpio.writeSync(levelFor(false, this.activeLow));
    } finally {
      this.gpio.unexport();
    }
  }
}
