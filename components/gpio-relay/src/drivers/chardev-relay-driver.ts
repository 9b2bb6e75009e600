/**
 * The character-device driver, through the OS's libgpiod tools (package `gpiod`). With /dev/gpiochipN a
 * line keeps its level only while the process that requested it lives, so one `gpioset` holder process
 * per state holds the line; a change stops the holder (waiting until the line is released) and starts
 * the next, confirmed with `gpioinfo`. Holders are started under `setpriv --pdeathsig TERM` so they die
 * with this process even on SIGKILL, and are stopped on close: nothing is left behind.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Logger } from '../../../shared/ports/index.ts';
import { HEADER_CHIP_LABELS, levelFor, type RelayDriver, RelayDriverError } from '../relay-driver.ts';
import {
  type DetectedChip,
  gpioinfoArgs,
  gpiosetHoldArgs,
  holderConsumer,
  type LibgpiodMajor,
  parseGpiodetect,
  parseGpioinfo,
  parseLibgpiodMajor,
} from './libgpiod-tools.ts';

/** The consumer name holders give the line (shown by `gpioinfo` with libgpiod v2). */
export const RELAY_CONSUMER = 'matchday-relay';

export interface ChardevRelayOptions {
  pin: number;
  activeLow: boolean;
  /** Environment of the tools; its PATH decides which `gpiodetect`/`gpioinfo`/`gpioset` run. @default process.env */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Longest wait for a new holder to show in `gpioinfo`. @default 3000 */
  confirmTimeoutMs?: number;
  /** Wait after SIGTERM before a holder is killed. @default 1500 */
  stopTimeoutMs?: number;
}

/** What probing the tools found: the header chip and the tools' syntax. */
export interface ChardevProbe {
  readonly chip: DetectedChip;
  readonly major: LibgpiodMajor;
}

const TOOL_TIMEOUT_MS = 5000;

function runTool(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT'
          ? `\`${command}\` not found on PATH (install the \`gpiod\` package)`
          : `\`${[command, ...args].join(' ')}\` failed: ${(stderr || error.message).trim()}`;
      reject(new RelayDriverError('chardev', reason, { cause: error }));
    });
  });
}

/** Finds the header chip by label with `gpiodetect` and the libgpiod syntax with `gpioset --version`. */
export async function probeChardev(pin: number, env: NodeJS.ProcessEnv = process.env): Promise<ChardevProbe> {
  const chips = parseGpiodetect(await runTool('gpiodetect', [], env));
  const chip = HEADER_CHIP_LABELS.map((label) => chips.find((c) => c.label === label)).find((c) => c);
  if (!chip) {
    const seen = chips.map((c) => `${c.name} [${c.label}]`).join(', ') || 'no chip';
    throw new RelayDriverError(
      'chardev',
      `no header GPIO chip (${HEADER_CHIP_LABELS.join(', ')}) in gpiodetect; found ${seen}`,
    );
  }
  if (pin >= chip.lines)
    throw new RelayDriverError(
      'chardev',
      `BCM ${pin} is outside ${chip.name} [${chip.label}] (${chip.lines} lines)`,
    );
  const version = (await runTool('gpioset', ['--version'], env)).split('\n')[0] ?? '';
  const major = parseLibgpiodMajor(version);
  if (!major) throw new RelayDriverError('chardev', `unsupported libgpiod version \`${version.trim()}\``);
  return { chip, major };
}

/** The first executable `name` on `env.PATH`, if any. */
function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

interface Holder {
  readonly child: ChildProcess;
  readonly level: 0 | 1;
  readonly exited: Promise<void>;
  done: boolean;
  stopping: boolean;
  confirmed: boolean;
  stderr: string;
  exit: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ChardevRelayDriver implements RelayDriver {
  readonly name = 'chardev' as const;
  readonly line: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly setpriv: string | undefined;
  private readonly faultHandlers: ((error: Error) => void)[] = [];
  private holder: Holder | undefined;
  private closed = false;
  private readonly killOnExit = () => {
    if (this.holder && !this.holder.done) this.holder.child.kill('SIGTERM');
  };

  private constructor(
    private readonly options: ChardevRelayOptions,
    private readonly probe: ChardevProbe,
  ) {
    this.env = options.env ?? process.env;
    this.line = `${probe.chip.name} [${probe.chip.label}] line ${options.pin} (libgpiod v${probe.major})`;
    this.setpriv = findOnPath('setpriv', this.env);
  }

  /** Probes, checks that nobody else holds the line, and starts the first holder with the line off. */
  static async open(options: ChardevRelayOptions, probe?: ChardevProbe): Promise<ChardevRelayDriver> {
    const env = options.env ?? process.env;
    const found = probe ?? (await probeChardev(options.pin, env));
    const driver = new ChardevRelayDriver(options, found);
    const current = await driver.lineInfo();
    if (current?.consumer !== undefined)
      throw new RelayDriverError(
        'chardev',
        `${driver.line} is already held by \`${current.consumer || 'unknown'}\`; stop that process first`,
      );
    if (!driver.setpriv)
      options.logger?.warn('gpio-relay.chardev.no-pdeathsig', {
        message: '`setpriv` not found: a holder could outlive this process if it is killed with SIGKILL',
      });
    process.on('exit', driver.killOnExit);
    try {
      await driver.hold(levelFor(false, options.activeLow));
    } catch (error) {
      await driver.close();
      throw error;
    }
    return driver;
  }

  /** The pid of the live holder, for tests and logs. */
  get holderPid(): number | undefined {
    return this.holder && !this.holder.done ? this.holder.child.pid : undefined;
  }

  async write(on: boolean): Promise<void> {
    if (this.closed) throw new RelayDriverError('chardev', 'the line is closed');
    const level = levelFor(on, this.options.activeLow);
    if (this.holder && !this.holder.done && this.holder.level === level) return;
    await this.hold(level);
  }

  onFault(handler: (error: Error) => void): void {
    this.faultHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    process.off('exit', this.killOnExit);
    await this.release(this.holder);
    this.holder = undefined;
  }

  private async lineInfo() {
    const { chip, major } = this.probe;
    const rows = parseGpioinfo(await runTool('gpioinfo', gpioinfoArgs(major, chip.name), this.env));
    return rows.find((row) => row.offset === this.options.pin);
  }

  /** Replaces the holder: the old one is stopped and gone before the new one requests the line. */
  private async hold(level: 0 | 1): Promise<void> {
    await this.release(this.holder);
    const holder = this.spawnHolder(level);
    this.holder = holder;
    await this.confirm(holder);
  }

  private spawnHolder(level: 0 | 1): Holder {
    const { chip, major } = this.probe;
    const args = gpiosetHoldArgs(major, chip.name, this.options.pin, level, RELAY_CONSUMER);
    const [command, argv] = this.setpriv
      ? [this.setpriv, ['--pdeathsig', 'TERM', 'gpioset', ...args]]
      : ['gpioset', args];
    // With a parent-death signal the holder gets its own process group, so a SIGTERM to ours (the nucleus
    // stopping us) does not release the line before stop() has driven it off. Without one it stays in our
    // group, so that at least a group kill takes it down.
    const child = spawn(command, argv, {
      env: this.env,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: this.setpriv !== undefined,
    });
    let settle: () => void = () => {};
    const holder: Holder = {
      child,
      level,
      exited: new Promise<void>((resolve) => {
        settle = resolve;
      }),
      done: false,
      stopping: false,
      confirmed: false,
      stderr: '',
      exit: '',
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (holder.stderr.length < 2000) holder.stderr += chunk;
    });
    const finish = (exit: string) => {
      if (holder.done) return;
      holder.done = true;
      holder.exit = exit;
      settle();
      if (!holder.stopping && holder.confirmed && this.holder === holder && !this.closed) {
        const error = new RelayDriverError(
          'chardev',
          `gpioset holder (pid ${child.pid}) for ${this.line} exited unexpectedly (${exit})${this.stderrText(holder)}`,
        );
        for (const handler of this.faultHandlers) handler(error);
      }
    };
    let exit = 'unknown exit';
    child.on('exit', (code, signal) => {
      exit = signal ? `signal ${signal}` : `code ${code}`;
    });
    // 'close' comes after the exit and the end of stderr, so the reason is complete.
    child.on('close', () => finish(exit));
    child.on('error', (error) => finish(error.message));
    return holder;
  }

  private stderrText(holder: Holder): string {
    const text = holder.stderr.trim();
    return text ? `: ${text}` : '';
  }

  /** Waits until `gpioinfo` shows the line held as an output by the holder, or the holder fails. */
  private async confirm(holder: Holder): Promise<void> {
    const expected = holderConsumer(this.probe.major, RELAY_CONSUMER);
    const deadline = Date.now() + (this.options.confirmTimeoutMs ?? 3000);
    let wait = 5;
    for (;;) {
      if (holder.done) {
        throw new RelayDriverError(
          'chardev',
          `gpioset could not hold ${this.line} (${holder.exit})${this.stderrText(holder)}`,
        );
      }
      const info = await this.lineInfo();
      if (!holder.done && info?.direction === 'output' && info.consumer === expected) {
        holder.confirmed = true;
        return;
      }
      if (Date.now() >= deadline) {
        await this.release(holder);
        throw new RelayDriverError('chardev', `gpioset did not take ${this.line} within the confirm timeout`);
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
  }

  /** SIGTERM, then SIGKILL after the stop timeout; resolves once the holder has exited. */
  private async release(holder: Holder | undefined): Promise<void> {
    if (!holder || holder.done) return;
    holder.stopping = true;
    holder.child.kill('SIGTERM');
    const timeout = this.options.stopTimeoutMs ?? 1500;
    let timer: NodeJS.Timeout | undefined;
    const gone = await Promise.race([
      holder.exited.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeout);
      }),
    ]);
    clearTimeout(timer);
    if (!gone) {
      holder.child.kill('SIGKILL');
      await holder.exited;
    }
  }
}
