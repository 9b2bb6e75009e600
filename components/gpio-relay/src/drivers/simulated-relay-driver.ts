/**
 * The simulated driver for laptops and the local core: no GPIO at all. The light's state is written
 * durably to a JSON file in the work folder and logged, so people and tests can see what a Pi would do.
 */
import { join } from 'node:path';
import type { Clock, FileSystem, Logger } from '../../../shared/ports/index.ts';
import { writeFileDurably } from '../../../shared/runtime/durable-file.ts';
import { levelFor, type RelayDriver } from '../relay-driver.ts';

/** The file name, inside the component's work folder. */
export const SIMULATED_STATE_FILE = 'simulated-relay.json';

/** What the state file holds. */
export interface SimulatedRelayFile {
  on: boolean;
  /** The level a real line would carry (active-low applied). */
  level: 0 | 1;
  pin: number;
  activeLow: boolean;
  at: string;
  writes: number;
}

export interface SimulatedRelayOptions {
  pin: number;
  activeLow: boolean;
  workDir: string;
  fs: FileSystem;
  clock: Clock;
  logger: Logger;
}

export class SimulatedRelayDriver implements RelayDriver {
  readonly name = 'simulated' as const;
  readonly line: string;
  /** Absolute path of the state file. */
  readonly path: string;
  private on: boolean | undefined;
  private writes = 0;

  private constructor(private readonly options: SimulatedRelayOptions) {
    this.path = join(options.workDir, SIMULATED_STATE_FILE);
    this.line = `simulated BCM ${options.pin} (${this.path})`;
  }

  /** Opens the simulated line and records it as off. */
  static async open(options: SimulatedRelayOptions): Promise<SimulatedRelayDriver> {
    const driver = new SimulatedRelayDriver(options);
    await options.fs.mkdirp(options.workDir);
    await driver.write(false);
    return driver;
  }

  async write(on: boolean): Promise<void> {
    if (this.on === on) return;
    const { pin, activeLow, fs, clock, logger } = this.options;
    this.writes += 1;
    const state: SimulatedRelayFile = {
      on,
      level: levelFor(on, activeLow),
      pin,
      activeLow,
      at: new Date(clock.now()).toISOString(),
      writes: this.writes,
    };
    await writeFileDurably(fs, this.path, new TextEncoder().encode(`${JSON.stringify(state)}\n`));
    this.on = on;
    logger.info('gpio-relay.simulated.write', { on, lineLevel: state.level, pin, file: this.path });
  }

  onFault(): void {}

  async close(): Promise<void> {
    await this.write(false);
  }
}
