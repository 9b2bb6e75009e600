/**
 * `npm run bench`: every benchmark, one after the other (they measure latency and memory, so never in
 * parallel). Each prints its table and writes bench/results/<name>.json; this prints which ones failed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const scripts = Object.keys(
  (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts,
).filter((name) => name.startsWith('bench:'));

const failed: string[] = [];
for (const script of scripts) {
  console.log(`\n=== npm run ${script}`);
  const result = spawnSync('npm', ['run', '--silent', script], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) failed.push(script);
}
console.log(
  `\n${scripts.length - failed.length} benchmarks ran, ${failed.length} failed${failed.length ? `: ${failed.join(', ')}` : ''}`,
);
process.exit(failed.length ? 1 : 0);
