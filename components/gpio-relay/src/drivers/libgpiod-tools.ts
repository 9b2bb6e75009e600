/**
 * Pure helpers for the libgpiod command-line tools: output parsers and argument builders for both
 * syntaxes — v1 (Raspberry Pi OS Bookworm, 1.6.x: `gpioset --mode=signal <chip> <offset>=<v>`) and
 * v2 (Trixie, 2.x: `gpioset --chip <chip> --consumer <name> <offset>=<v>`, holding until signalled).
 */

export type LibgpiodMajor = 1 | 2;

/** One chip as `gpiodetect` prints it: `gpiochip0 [pinctrl-rp1] (54 lines)`. */
export interface DetectedChip {
  readonly name: string;
  readonly label: string;
  readonly lines: number;
}

/** One line as `gpioinfo` prints it. */
export interface LineInfo {
  readonly offset: number;
  readonly direction: 'input' | 'output';
  /** Who holds the line, when someone does. */
  readonly consumer: string | undefined;
}

/** The libgpiod major version from `gpioset --version` (`gpioset (libgpiod) v1.6.3`, `gpioset v2.3.2 …`). */
export function parseLibgpiodMajor(versionOutput: string): LibgpiodMajor | undefined {
  const match = /\bv(\d+)\.\d+/.exec(versionOutput);
  const major = match ? Number(match[1]) : Number.NaN;
  return major === 1 || major === 2 ? major : undefined;
}

/** Parses `gpiodetect` (same format in v1 and v2). */
export function parseGpiodetect(output: string): DetectedChip[] {
  const chips: DetectedChip[] = [];
  for (const line of output.split('\n')) {
    const match = /^(\S+)\s+\[([^\]]*)\]\s+\((\d+)\s+lines?\)\s*$/.exec(line.trim());
    if (match) chips.push({ name: match[1]!, label: match[2]!, lines: Number(match[3]) });
  }
  return chips;
}

/**
 * Parses the line rows of `gpioinfo` for one chip. v1: `line  17: "GPIO17" "gpioset" output active-high
 * [used]` or `… unused input …`; v2: `line  17: "GPIO17" output consumer="matchday-relay"`.
 */
export function parseGpioinfo(output: string): LineInfo[] {
  const lines: LineInfo[] = [];
  for (const row of output.split('\n')) {
    const match = /^\s*line\s+(\d+):\s*(?:"[^"]*"|unnamed)\s+(.*)$/.exec(row);
    if (!match) continue;
    const rest = match[2]!;
    let consumer: string | undefined;
    const v1Consumer = /^"([^"]*)"/.exec(rest);
    const v2Consumer = /\bconsumer=(?:"([^"]*)"|(\S+))/.exec(rest);
    if (v1Consumer) consumer = v1Consumer[1];
    else if (v2Consumer) consumer = v2Consumer[1] ?? v2Consumer[2];
    else if (/\[used\]/.test(rest)) consumer = '';
    const direction = /\boutput\b/.test(rest) ? 'output' : 'input';
    lines.push({ offset: Number(match[1]), direction, consumer });
  }
  return lines;
}

/** Arguments for `gpioinfo` restricted to one chip. */
export function gpioinfoArgs(major: LibgpiodMajor, chip: string): string[] {
  return major === 1 ? [chip] : ['--chip', chip];
}

/** Arguments for a `gpioset` that drives one line and holds it until SIGTERM/SIGINT. */
export function gpiosetHoldArgs(
  major: LibgpiodMajor,
  chip: string,
  offset: number,
  level: 0 | 1,
  consumer: string,
): string[] {
  return major === 1
    ? ['--mode=signal', chip, `${offset}=${level}`]
    : ['--chip', chip, '--consumer', consumer, `${offset}=${level}`];
}

/** The consumer name a holder shows in `gpioinfo` (v1's gpioset cannot name itself). */
export function holderConsumer(major: LibgpiodMajor, consumer: string): string {
  return major === 1 ? 'gpioset' : consumer;
}
