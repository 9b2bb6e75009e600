/**
 * local-core start-up benchmark: `local-core run` (the real CLI, as tests start it) with five small
 * components that each connect the real IPC client. Measures the time from spawn to all five RUNNING
 * and to all five connected over IPC, and local-core's idle RSS against a bare node + aws-crt process
 * measured in the same run. Prints a table and writes bench/results/local-core-startup.json.
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildLocalCore } from '../scripts/build.ts';
import { LOCAL_CORE_NODE_FLAGS } from '../scripts/local-core-flags.ts';
import { startLocalCore } from '../test/support/local-core-harness.ts';
import { bareCrtRss, percentile, rssOf, settle, writeResults } from './support/measure.ts';

const ROOT = resolve(import.meta.dirname, '..');
const PROBE = join(
  ROOT,
  'test',
  'fixtures',
  'local-core',
  'artifacts',
  'test.IpcProbe',
  '1.0.0',
  'probe.mjs',
);
const COMPONENTS = 5;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function fixtures(dir: string): { recipes: string; artifacts: string; names: string[] } {
  const recipes = join(dir, 'recipes');
  const artifacts = join(dir, 'artifacts');
  mkdirSync(recipes, { recursive: true });
  const names: string[] = [];
  for (let i = 1; i <= COMPONENTS; i += 1) {
    const name = `bench.Small${i}`;
    names.push(name);
    mkdirSync(join(artifacts, name, '1.0.0'), { recursive: true });
    copyFileSync(PROBE, join(artifacts, name, '1.0.0', 'probe.mjs'));
    writeFileSync(
      join(recipes, `${name}.yaml`),
      [
        'RecipeFormatVersion: "2020-01-25"',
        `ComponentName: ${name}`,
        'ComponentVersion: "1.0.0"',
        'Manifests:',
        '  - Platform: { os: "*" }',
        '    Lifecycle:',
        '      Run: node {artifacts:path}/probe.mjs',
        '    Artifacts:',
        `      - URI: s3://BUCKET_NAME/${name}/1.0.0/probe.mjs`,
        '',
      ].join('\n'),
    );
  }
  return { recipes, artifacts, names };
}

async function once(dir: string, run: number) {
  const { recipes, artifacts, names } = fixtures(dir);
  const deployment = {
    things: [{ name: 'BenchThing', thingGroups: [] }],
    components: Object.fromEntries(names.map((n) => [n, { componentVersion: '1.0.0' }])),
  };
  const started = performance.now();
  const core = await startLocalCore({
    recipesDir: recipes,
    artifactsDir: artifacts,
    deployment,
    root: join(dir, `root-${run}`),
  });
  try {
    await core.waitFor(
      (s) => names.every((n) => s.things.BenchThing?.components[n]?.state === 'RUNNING'),
      60_000,
    );
    const running = performance.now() - started;
    const ready = (n: string) => {
      const file = join(core.root, 'things', 'BenchThing', 'work', n, 'events.jsonl');
      return existsSync(file) && readFileSync(file, 'utf8').includes('"event":"ready"');
    };
    while (!names.every(ready)) {
      if (performance.now() - started > 60_000) throw new Error('components did not connect within 60 s');
      await settle(10);
    }
    const connected = performance.now() - started;
    await settle(3_000);
    const pid = core.process.pid;
    if (pid === undefined) throw new Error('no pid');
    const rssKiB = rssOf(pid);
    return { running, connected, rssKiB };
  } finally {
    await core.stop();
  }
}

/** The same CLI bundled with esbuild and run by plain node with npm start's flags (no tsx loader). */
async function bundledIdleRss(dir: string): Promise<number> {
  // Inside the repo so the external packages resolve from its node_modules.
  // What `npm start` runs: the bundle `npm run build` makes, with start.ts's node flags.
  const outfile = await buildLocalCore();
  const { recipes, artifacts, names } = fixtures(dir);
  const root = join(dir, 'root-bundled');
  const deploymentFile = join(dir, 'bundled-deployment.json');
  writeFileSync(
    deploymentFile,
    JSON.stringify({
      things: [{ name: 'BenchThing', thingGroups: [] }],
      components: Object.fromEntries(names.map((n) => [n, { componentVersion: '1.0.0' }])),
    }),
  );
  const args = [
    'run',
    '--recipes',
    recipes,
    '--artifacts',
    artifacts,
    '--deployment',
    deploymentFile,
    '--root',
    root,
  ];
  const child = spawn(process.execPath, [...LOCAL_CORE_NODE_FLAGS, outfile, ...args], {
    cwd: ROOT,
    stdio: 'ignore',
    env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
  });
  const exited = new Promise((r) => child.once('exit', r));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  try {
    const started = performance.now();
    while (!existsSync(join(root, 'endpoints.json'))) {
      if (gone) throw new Error('bundled local-core exited before it was ready');
      if (performance.now() - started > 60_000) throw new Error('bundled local-core did not start');
      await settle(50);
    }
    await settle(6_000);
    return rssOf(child.pid ?? 0);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'lc-bench-'));
try {
  const samples: { running: number; connected: number; rssKiB: number }[] = [];
  for (let run = 0; run < RUNS; run += 1) samples.push(await once(dir, run));
  const bare = await bareCrtRss();
  const bundled = await bundledIdleRss(dir);
  const sorted = (f: (s: (typeof samples)[number]) => number) => samples.map(f).sort((a, b) => a - b);
  const results = {
    runs: RUNS,
    components: COMPONENTS,
    startupToAllRunningMs: {
      p50: percentile(
        sorted((s) => s.running),
        0.5,
      ),
      max: Math.max(...sorted((s) => s.running)),
    },
    startupToAllConnectedMs: {
      p50: percentile(
        sorted((s) => s.connected),
        0.5,
      ),
      max: Math.max(...sorted((s) => s.connected)),
    },
    idleRssMiB: {
      p50:
        percentile(
          sorted((s) => s.rssKiB),
          0.5,
        ) / 1024,
      max: Math.max(...sorted((s) => s.rssKiB)) / 1024,
    },
    bundledIdleRssMiB: bundled / 1024,
    bareNodeCrtRssMiB: bare / 1024,
    idleRssRatioToBare:
      percentile(
        sorted((s) => s.rssKiB),
        0.5,
      ) / bare,
    targets: { idleRssMiB: 80 },
    note: 'start-up includes the tsx-compiled CLI start, broker, IPC socket and five node processes connecting the real IPC client',
  };
  const table = [
    ['metric', 'p50', 'max'],
    [
      'start → 5 RUNNING (ms)',
      results.startupToAllRunningMs.p50.toFixed(0),
      results.startupToAllRunningMs.max.toFixed(0),
    ],
    [
      'start → 5 IPC-connected (ms)',
      results.startupToAllConnectedMs.p50.toFixed(0),
      results.startupToAllConnectedMs.max.toFixed(0),
    ],
    ['local-core idle RSS (MiB)', results.idleRssMiB.p50.toFixed(1), results.idleRssMiB.max.toFixed(1)],
    ['idle RSS as npm start runs it: bundle + flags (MiB)', results.bundledIdleRssMiB.toFixed(1), ''],
    ['bare node + aws-crt RSS (MiB)', results.bareNodeCrtRssMiB.toFixed(1), ''],
    ['idle RSS / bare', results.idleRssRatioToBare.toFixed(2), ''],
  ];
  for (const row of table) console.log(`${row[0]?.padEnd(32)} ${row[1]?.padStart(8)} ${row[2]?.padStart(8)}`);
  writeResults('local-core-startup', results);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
