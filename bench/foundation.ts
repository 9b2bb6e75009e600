/**
 * Foundation benchmark (issue 2): envelope validation cost per topic, size and start-up time of a
 * minimal component bundle, and the RSS of that component connected over IPC against a bare node
 * process that loads aws-crt, measured in the same run.
 *
 *   npm run bench:foundation            prints a table, writes bench/results/foundation.json
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { decodeMessage, TOPICS, type TopicDef, type TopicKey } from '../components/shared/contracts/index.ts';
import { createIpcServer } from '../local-core/src/ipc/server.ts';
import { createConfigStore } from '../local-core/src/nucleus/config-store.ts';
import { bundleOptions } from '../scripts/build.ts';
import { EXAMPLE_MESSAGES } from './support/example-messages.ts';
import { bareCrtRss, percentile, rssOf, settle, writeResults } from './support/measure.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const STARTS = Number(process.env.BENCH_STARTS ?? 5);

function envelopeCosts(): Record<string, { p50: number; p99: number }> {
  const out: Record<string, { p50: number; p99: number }> = {};
  for (const key of Object.keys(TOPICS) as TopicKey[]) {
    const topic = TOPICS[key] as TopicDef<unknown>;
    const message = EXAMPLE_MESSAGES[key];
    if (decodeMessage(topic, message).kind !== 'ok') throw new Error(`example for ${key} is invalid`);
    for (let i = 0; i < 1000; i++) decodeMessage(topic, message);
    const samples = new Float64Array(ITERATIONS);
    for (let i = 0; i < ITERATIONS; i++) {
      const t0 = process.hrtime.bigint();
      decodeMessage(topic, message);
      samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
    }
    samples.sort();
    out[topic.name] = { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
  }
  return out;
}

/** Bundles bench/support/minimal-component.ts exactly as scripts/build.ts bundles a component. */
async function bundleMinimal(dir: string): Promise<{ bytes: number; file: string }> {
  const file = join(dir, 'index.cjs');
  await build(bundleOptions(join(ROOT, 'bench', 'support', 'minimal-component.ts'), file));
  return { bytes: statSync(file).size, file };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-foundation-'));
  try {
    const envelope = envelopeCosts();
    const bundle = await bundleMinimal(work);

    const socketPath = join(work, 'ipc.socket');
    const config = createConfigStore();
    const component = 'com.matchdayalert.BenchMinimal';
    config.replace(component, {});
    let running: (() => void) | undefined;
    const server = createIpcServer({
      socketPath,
      thingName: 'bench-thing',
      authenticate: (token) => (token === 'BENCHTOKEN000000' ? component : undefined),
      config,
      lifecycle: { reportState: (_c, state) => state === 'RUNNING' && running?.() },
      iotCore: {
        publish: async () => undefined,
        subscribe: async () => () => undefined,
      },
      interpolateComponentConfiguration: false,
      log: () => undefined,
    });
    await server.listen();

    const startups: number[] = [];
    let connectedRss = 0;
    for (let i = 0; i < STARTS; i++) {
      const isRunning = new Promise<void>((r) => {
        running = r;
      });
      const t0 = performance.now();
      const child = spawn(process.execPath, ['--expose-gc', bundle.file], {
        cwd: work,
        env: {
          PATH: process.env.PATH ?? '',
          SVCUID: 'BENCHTOKEN000000',
          AWS_CONTAINER_AUTHORIZATION_TOKEN: 'BENCHTOKEN000000',
          AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT: socketPath,
          AWS_IOT_THING_NAME: 'bench-thing',
          AWS_CRT_NODEJS_BINARY_ABSOLUTE_PATH: resolve(
            ROOT,
            `node_modules/aws-crt/dist/bin/${process.platform}-${process.arch}-${process.platform === 'linux' ? 'glibc' : 'cruntime'}/aws-crt-nodejs.node`,
          ),
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      await isRunning;
      startups.push(performance.now() - t0);
      if (i === STARTS - 1) {
        await settle(1500);
        connectedRss = rssOf(child.pid!);
      }
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await server.close();
    const bare = await bareCrtRss();

    startups.sort((a, b) => a - b);
    const results = {
      envelopeValidationMicros: envelope,
      minimalBundle: {
        bytes: bundle.bytes,
        startupToRunningMs: {
          p50: percentile(startups, 0.5),
          max: startups.at(-1) ?? 0,
          runs: startups.length,
        },
      },
      rss: {
        minimalConnectedComponentMB: connectedRss / 1024,
        bareNodeWithAwsCrtMB: bare / 1024,
        ratio: connectedRss / bare,
      },
    };
    console.log('\nEnvelope validation (decodeMessage), µs per message');
    console.table(
      Object.fromEntries(
        Object.entries(envelope).map(([t, v]) => [t, { p50: v.p50.toFixed(2), p99: v.p99.toFixed(2) }]),
      ),
    );
    console.log('\nMinimal component');
    console.table({
      'bundle KB': (bundle.bytes / 1024).toFixed(0),
      'start → RUNNING p50 ms': results.minimalBundle.startupToRunningMs.p50.toFixed(0),
      'start → RUNNING max ms': results.minimalBundle.startupToRunningMs.max.toFixed(0),
      'RSS connected MB': results.rss.minimalConnectedComponentMB.toFixed(1),
      'RSS bare node + aws-crt MB': results.rss.bareNodeWithAwsCrtMB.toFixed(1),
      'RSS ratio': results.rss.ratio.toFixed(2),
    });
    writeResults('foundation', results);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
