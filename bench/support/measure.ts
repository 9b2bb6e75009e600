/** Measurement helpers shared by the benchmarks. */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The `q` quantile (0–1) of ascending-sorted samples. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Distribution of a set of samples (any unit). */
export interface Stats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** n, p50, p90, p99 and max of `samples` (in any order). */
export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** Resident set size of a process in KiB (Linux /proc). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

export function settle(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The baseline every RSS target compares against: a bare node process that loads aws-iot-device-sdk-v2
 * (so aws-crt's native module), creates and closes an IPC client, collects garbage and idles. KiB.
 */
export async function bareCrtRss(): Promise<number> {
  const script = [
    "const { greengrasscoreipc } = require('aws-iot-device-sdk-v2');",
    'const c = greengrasscoreipc.createClient({ hostName: "/nonexistent", port: 0 });',
    'c.close().catch(() => {}).finally(() => { setTimeout(() => { global.gc(); global.gc(); process.send("ready"); }, 500); });',
    'setInterval(() => {}, 1000);',
  ].join('\n');
  const child = spawn(process.execPath, ['--expose-gc', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolveReady, reject) => {
    child.once('message', () => resolveReady());
    child.once('exit', (code) => reject(new Error(`baseline exited with ${code}`)));
  });
  await settle(300);
  const rss = rssOf(child.pid!);
  child.kill('SIGKILL');
  return rss;
}

/** Writes bench/results/<name>.json with the machine and time of the run. */
export function writeResults(name: string, results: unknown): void {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const body = { name, at: new Date().toISOString(), node: process.version, cpus: 2, results };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
}

/**
 * The pid of the node process running a component bundle (`…/<dir>/index.cjs`) whose path lies under
 * `folder` (recipes `exec` node, so it is the component process itself). Linux /proc.
 */
export function componentPid(folder: string, dir: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (
        argv[0]?.endsWith('node') &&
        argv.some((a) => a.startsWith(folder) && a.endsWith(`${dir}/index.cjs`))
      ) {
        return Number(entry);
      }
    } catch {}
  }
  throw new Error(`no ${dir} process under ${folder}`);
}
