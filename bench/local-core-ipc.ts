/**
 * local-core IPC server benchmark (`npm run bench:local-core`): the server runs in a child process (so its
 * RSS is its own); the real aws-iot-device-sdk-v2 client publishes and subscribes from this process.
 * - latency: publish → subscriber delivery, one message at a time, over LATENCY_MESSAGES messages;
 * - throughput: pipelined publishes for BENCH_DURATION_S seconds (default 60), loss checked by sequence;
 * - server RSS idle (after GC) and under load (peak while publishing).
 * Prints a table and writes bench/results/local-core-ipc.json. Exit code 1 when messages were lost.
 */

import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeRpcMessage, FrameDecoder, type Message } from '../local-core/src/ipc/frame-codec.ts';
import { LOCAL_CORE_NODE_FLAGS } from '../scripts/local-core-flags.ts';
import { EXAMPLE_MESSAGES } from './support/example-messages.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 60);
const LATENCY_MESSAGES = Number(process.env.BENCH_LATENCY_MESSAGES ?? 10_000);
const WARMUP_MESSAGES = 500;
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const PUBLISHERS = Number(process.env.BENCH_PUBLISHERS ?? 2);
const RAW_DURATION_S = Number(process.env.BENCH_RAW_DURATION_S ?? 15);
const RAW_WINDOW = 256;
const TARGETS = { p50Ms: 0.5, p99Ms: 5, msgPerS: 5_000, idleRssMb: 80 };

type ServerRequest = { kind: 'rss'; gc: boolean } | { kind: 'cpu' };
type ServerReply = { kind: 'ready' } | { kind: 'rss'; rss: number } | { kind: 'cpu'; micros: number };
type PublisherReport = { sent: number; failed: number; cpuMicros: number };

async function runServer(socketPath: string): Promise<void> {
  const { createIpcServer } = await import('../local-core/src/ipc/server.ts');
  const { createConfigStore } = await import('../local-core/src/nucleus/config-store.ts');
  const config = createConfigStore();
  const grant = {
    accessControl: {
      'aws.greengrass.ipc.pubsub': { 'bench:pubsub:1': { operations: ['*'], resources: ['bench/*'] } },
    },
  };
  config.replace('Publisher', grant);
  config.replace('Subscriber', grant);
  const server = createIpcServer({
    socketPath,
    thingName: 'bench-thing',
    authenticate: (token) => ({ PUBTOKEN: 'Publisher', SUBTOKEN: 'Subscriber' })[token],
    config,
    lifecycle: { reportState: () => {} },
    iotCore: {
      publish: async () => {},
      subscribe: async () => () => {},
    },
    interpolateComponentConfiguration: false,
    log: () => {},
  });
  await server.listen();
  process.on('message', (message: ServerRequest) => {
    if (message.kind === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ kind: 'cpu', micros: usage.user + usage.system } satisfies ServerReply);
      return;
    }
    if (message.gc) (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ kind: 'rss', rss: process.memoryUsage().rss } satisfies ServerReply);
  });
  process.on('disconnect', () => {
    void server.close().then(() => process.exit(0));
  });
  process.send?.({ kind: 'ready' } satisfies ServerReply);
}

async function client(socketPath: string, token: string) {
  // Imported here so the server child (same file) never loads aws-crt.
  const { io } = await import('aws-crt');
  const { greengrasscoreipc } = await import('aws-iot-device-sdk-v2');
  return greengrasscoreipc.createClient({
    hostName: socketPath,
    port: 0,
    socketOptions: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.LOCAL),
    connectTransform: async ({ message }) => ({ ...message, payload: JSON.stringify({ authToken: token }) }),
  });
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

type ServerMode = 'bundle' | 'tsx';

/** Starts the IPC server in a child: `bundle` = esbuild output on plain node with npm start's flags, `tsx` = as `npx local-core` runs. */
async function startServer(mode: ServerMode, bundlePath: string, socketPath: string) {
  const profile = process.env.BENCH_SERVER_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROF}`]
    : [];
  const child = fork(
    mode === 'bundle' ? bundlePath : fileURLToPath(import.meta.url),
    ['--server', socketPath],
    {
      // the bundle runs with npm start's node flags, so its figures are what a laptop gets
      execArgv: [
        ...(mode === 'tsx' ? ['--import', 'tsx'] : LOCAL_CORE_NODE_FLAGS),
        '--expose-gc',
        ...profile,
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const replies: Array<(reply: ServerReply) => void> = [];
  child.on('message', (reply: ServerReply) => replies.shift()?.(reply));
  const next = () => new Promise<ServerReply>((resolve) => replies.push(resolve));
  await next();
  return {
    async rss(gc: boolean) {
      const reply = next();
      child.send({ kind: 'rss', gc } satisfies ServerRequest);
      const answer = await reply;
      return answer.kind === 'rss' ? answer.rss : Number.NaN;
    },
    async cpu() {
      const reply = next();
      child.send({ kind: 'cpu' } satisfies ServerRequest);
      const answer = await reply;
      return answer.kind === 'cpu' ? answer.micros : Number.NaN;
    },
    async stop() {
      child.disconnect();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** A publisher component in its own process: publishes with IN_FLIGHT outstanding requests for `durationMs`. */
async function publishFor(socketPath: string, id: number, durationMs: number): Promise<void> {
  const publisher = await client(socketPath, 'PUBTOKEN');
  await publisher.connect();
  const body = EXAMPLE_MESSAGES.commands as Record<string, unknown>;
  // Start together with the other publishers: report ready, wait for go.
  const go = new Promise<void>((resolve) => process.once('message', () => resolve()));
  process.send?.({ kind: 'ready' });
  await go;
  let sent = 0;
  let failed = 0;
  const cpuBefore = process.cpuUsage();
  const deadline = Date.now() + durationMs;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (Date.now() < deadline) {
        const seq = sent;
        sent += 1;
        await publisher
          .publishToTopic({
            topic: 'bench/throughput',
            publishMessage: { jsonMessage: { message: { ...body, pub: id, seq } } },
          })
          .catch(() => {
            failed += 1;
          });
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  await publisher.close();
  process.send?.({ sent, failed, cpuMicros: cpu.user + cpu.system } satisfies PublisherReport, () =>
    process.exit(0),
  );
}

/** Forks a publisher; resolves once it is connected, with `start()` that lets it publish and yields its report. */
async function forkPublisher(socketPath: string, id: number, durationMs: number) {
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--publisher', socketPath, String(id), String(durationMs)],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const messages: unknown[] = [];
  const waiters: Array<() => void> = [];
  child.on('message', (message) => {
    messages.push(message);
    waiters.shift()?.();
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`publisher ${id} exited with ${code} before reporting`))),
  );
  exited.catch(() => {});
  const nextMessage = async () => {
    if (messages.length === 0)
      await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), exited]);
    return messages.shift();
  };
  await nextMessage();
  return {
    async start(): Promise<PublisherReport> {
      child.send({ kind: 'go' });
      return (await nextMessage()) as PublisherReport;
    },
  };
}

/** RSS after settle + GC of a process that runs `node [execArgv] -e` with nothing loaded. */
function baselineRss(execArgv: string[]): number {
  const script = 'setTimeout(() => { gc(); process.stdout.write(String(process.memoryUsage().rss)); }, 500)';
  return Number(
    execFileSync(process.execPath, [...execArgv, '--expose-gc', '-e', script], { encoding: 'utf8' }),
  );
}

/** Idle RSS of a server with the two bench clients connected. */
async function idleServerRss(mode: ServerMode, bundlePath: string, dir: string): Promise<number> {
  const socketPath = join(dir, `idle-${mode}`);
  const server = await startServer(mode, bundlePath, socketPath);
  const publisher = await client(socketPath, 'PUBTOKEN');
  const subscriber = await client(socketPath, 'SUBTOKEN');
  await publisher.connect();
  await subscriber.connect();
  await sleep(1000);
  const rss = await server.rss(true);
  await publisher.close();
  await subscriber.close();
  await server.stop();
  return rss;
}

/** A minimal eventstream client (no aws-crt) on a raw socket, to measure the server without client overhead. */
async function rawConnection(socketPath: string, token: string) {
  const socket = connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const decoder = new FrameDecoder();
  let onMessage: (message: Message) => void = () => {};
  socket.on('data', (chunk) => {
    const { messages, error } = decoder.push(chunk);
    for (const message of messages) onMessage(message);
    if (error) throw error;
  });
  const connection = {
    send: (headers: Record<string, string>, type: number, streamId: number, body: unknown) =>
      socket.write(encodeRpcMessage(headers, type, 0, streamId, Buffer.from(JSON.stringify(body)))),
    next: () =>
      new Promise<Message>((resolve) => {
        onMessage = resolve;
      }),
    onMessage: (handler: (message: Message) => void) => {
      onMessage = handler;
    },
    close: () => socket.destroy(),
  };
  const ack = connection.next();
  connection.send({ ':version': '0.1.0' }, 4, 0, { authToken: token });
  await ack;
  return connection;
}

/** Pipelined raw-socket publishes (RAW_WINDOW outstanding) for `durationMs`, loss and order checked. */
async function rawThroughput(socketPath: string, durationMs: number) {
  const body = EXAMPLE_MESSAGES.commands as Record<string, unknown>;
  const subscriber = await rawConnection(socketPath, 'SUBTOKEN');
  const subscribed = subscriber.next();
  subscriber.send({ operation: 'aws.greengrass#SubscribeToTopic' }, 0, 1, { topic: 'bench/raw' });
  await subscribed;
  let expected = 0;
  let received = 0;
  let outOfOrder = 0;
  subscriber.onMessage((message) => {
    const seq = JSON.parse(Buffer.from(message.body).toString('utf8')).jsonMessage?.message?.seq;
    if (seq !== expected) outOfOrder += 1;
    expected = seq + 1;
    received += 1;
  });
  const publisher = await rawConnection(socketPath, 'PUBTOKEN');
  let sent = 0;
  let inFlight = 0;
  let errors = 0;
  const started = Date.now();
  const deadline = started + durationMs;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (inFlight < RAW_WINDOW && Date.now() < deadline) {
        publisher.send({ operation: 'aws.greengrass#PublishToTopic' }, 0, sent + 1, {
          topic: 'bench/raw',
          publishMessage: { jsonMessage: { message: { ...body, seq: sent } } },
        });
        sent += 1;
        inFlight += 1;
      }
      if (inFlight === 0) resolve();
    };
    publisher.onMessage((message) => {
      if (message.headers[':message-type']?.value !== 0) errors += 1;
      inFlight -= 1;
      pump();
    });
    pump();
  });
  const drainDeadline = Date.now() + 10_000;
  while (received < sent && Date.now() < drainDeadline) await sleep(10);
  const seconds = (Date.now() - started) / 1000;
  publisher.close();
  subscriber.close();
  return {
    sent,
    received,
    lost: sent - received,
    outOfOrder,
    errors,
    msgPerS: Math.round(received / seconds),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lc-bench-'));
  const socketPath = join(dir, 's');
  const bundlePath = join(dir, 'server.mjs');
  const { build } = await import('esbuild');
  await build({
    entryPoints: [fileURLToPath(import.meta.url)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundlePath,
    external: ['aws-crt', 'aws-iot-device-sdk-v2', 'esbuild'],
    logLevel: 'silent',
  });
  const bareNodeRss = baselineRss([]);
  const tsxNodeRss = baselineRss(['--import', 'tsx']);
  const tsxIdleRss = await idleServerRss('tsx', bundlePath, dir);
  const idleRss = await idleServerRss('bundle', bundlePath, dir);

  const server = await startServer('bundle', bundlePath, socketPath);
  const serverRss = (gc: boolean) => server.rss(gc);
  const publisher = await client(socketPath, 'PUBTOKEN');
  const subscriber = await client(socketPath, 'SUBTOKEN');
  await publisher.connect();
  await subscriber.connect();

  // Latency: one message at a time, from publish call to the subscriber's message event.
  const body = EXAMPLE_MESSAGES.commands as Record<string, unknown>;
  let resolveDelivery: (() => void) | undefined;
  const latencySub = subscriber.subscribeToTopic({ topic: 'bench/latency' });
  latencySub.on('message', () => resolveDelivery?.());
  await latencySub.activate();
  const samples: number[] = [];
  for (let i = 0; i < WARMUP_MESSAGES + LATENCY_MESSAGES; i += 1) {
    const delivered = new Promise<void>((resolve) => {
      resolveDelivery = resolve;
    });
    const started = process.hrtime.bigint();
    void publisher.publishToTopic({
      topic: 'bench/latency',
      publishMessage: { jsonMessage: { message: { ...body, seq: i } } },
    });
    await delivered;
    if (i >= WARMUP_MESSAGES) samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  await latencySub.close();
  samples.sort((a, b) => a - b);

  // Throughput: PUBLISHERS publisher processes (each a component with its own real client and IN_FLIGHT
  // outstanding publishes) for DURATION_S; the subscriber checks every publisher's sequence for loss and order.
  const expected = new Map<number, number>();
  let received = 0;
  let outOfOrder = 0;
  const throughputSub = subscriber.subscribeToTopic({ topic: 'bench/throughput' });
  throughputSub.on('message', (message) => {
    const { pub, seq } = (message.jsonMessage?.message ?? {}) as { pub?: number; seq?: number };
    if (pub === undefined || seq !== (expected.get(pub) ?? 0)) outOfOrder += 1;
    expected.set(pub ?? -1, (seq ?? 0) + 1);
    received += 1;
  });
  await throughputSub.activate();
  let loadRss = 0;
  const sampler = setInterval(() => {
    void serverRss(false).then((rss) => {
      loadRss = Math.max(loadRss, rss);
    });
  }, 1000);
  const publishers = await Promise.all(
    Array.from({ length: PUBLISHERS }, (_, id) => forkPublisher(socketPath, id, DURATION_S * 1000)),
  );
  const serverCpuBefore = await server.cpu();
  const started = Date.now();
  const reports = await Promise.all(publishers.map((publisher) => publisher.start()));
  const publishSeconds = (Date.now() - started) / 1000;
  const sent = reports.reduce((sum, report) => sum + report.sent, 0);
  const failed = reports.reduce((sum, report) => sum + report.failed, 0);
  const clientCpuMicros = reports.reduce((sum, report) => sum + report.cpuMicros, 0);
  const drainDeadline = Date.now() + 10_000;
  while (received < sent && Date.now() < drainDeadline) await sleep(10);
  const deliverySeconds = (Date.now() - started) / 1000;
  const serverCpuMicros = (await server.cpu()) - serverCpuBefore;
  clearInterval(sampler);
  await throughputSub.close();
  const lost = sent - received;
  const raw = await rawThroughput(socketPath, RAW_DURATION_S * 1000);

  await publisher.close();
  await subscriber.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });

  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  const msgPerS = received / deliverySeconds;
  const results = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    latency: {
      messages: samples.length,
      p50Ms: Math.round(p50 * 1000) / 1000,
      p99Ms: Math.round(p99 * 1000) / 1000,
      maxMs: Math.round((samples.at(-1) ?? 0) * 1000) / 1000,
    },
    throughput: {
      durationS: DURATION_S,
      publishSeconds: Math.round(publishSeconds * 100) / 100,
      sent,
      received,
      lost,
      outOfOrder,
      failedPublishes: failed,
      msgPerS: Math.round(msgPerS),
      publishers: PUBLISHERS,
      inFlightPerPublisher: IN_FLIGHT,
      serverCpuMicrosPerMessage: Math.round((serverCpuMicros / Math.max(1, received)) * 10) / 10,
      publisherClientCpuMicrosPerMessage: Math.round((clientCpuMicros / Math.max(1, sent)) * 10) / 10,
    },
    rawClientThroughput: {
      durationS: RAW_DURATION_S,
      ...raw,
      note: 'server capacity: one raw-socket publisher (no aws-crt) with 256 outstanding publishes, one raw subscriber',
    },
    serverRssMb: {
      idle: mb(idleRss),
      underLoadPeak: mb(loadRss),
      idleUnderTsx: mb(tsxIdleRss),
      bareNodeBaseline: mb(bareNodeRss),
      tsxNodeBaseline: mb(tsxNodeRss),
      note: 'idle/underLoadPeak: the server bundled with esbuild on plain node (all timings use it); idleUnderTsx: the same server loaded through tsx, as local-core/bin/local-core.js runs it today',
    },
    targets: TARGETS,
    pass: {
      p50: p50 <= TARGETS.p50Ms,
      p99: p99 <= TARGETS.p99Ms,
      throughput: msgPerS >= TARGETS.msgPerS && lost === 0 && outOfOrder === 0 && failed === 0,
      idleRss: mb(idleRss) <= TARGETS.idleRssMb,
    },
  };
  const rows = [
    ['metric', 'value', 'target', 'ok'],
    ['publish→deliver p50', `${results.latency.p50Ms} ms`, `≤ ${TARGETS.p50Ms} ms`, results.pass.p50],
    ['publish→deliver p99', `${results.latency.p99Ms} ms`, `≤ ${TARGETS.p99Ms} ms`, results.pass.p99],
    [
      'throughput',
      `${results.throughput.msgPerS} msg/s`,
      `≥ ${TARGETS.msgPerS} msg/s`,
      results.pass.throughput,
    ],
    ['server CPU per message', `${results.throughput.serverCpuMicrosPerMessage} µs`, '-', '-'],
    [
      'publisher client CPU per message',
      `${results.throughput.publisherClientCpuMicrosPerMessage} µs`,
      '-',
      '-',
    ],
    ['sent / received / lost', `${sent} / ${received} / ${lost}`, 'lost = 0', lost === 0],
    ['out of order / failed', `${outOfOrder} / ${failed}`, '0 / 0', outOfOrder === 0 && failed === 0],
    [
      'server capacity, raw-socket client',
      `${raw.msgPerS} msg/s, lost ${raw.lost}, out of order ${raw.outOfOrder}`,
      '(context)',
      raw.lost === 0 && raw.outOfOrder === 0 && raw.errors === 0,
    ],
    [
      'server RSS idle (bundled)',
      `${results.serverRssMb.idle} MB`,
      `≤ ${TARGETS.idleRssMb} MB`,
      results.pass.idleRss,
    ],
    ['server RSS under load (peak)', `${results.serverRssMb.underLoadPeak} MB`, '-', '-'],
    ['server RSS idle, run via tsx', `${results.serverRssMb.idleUnderTsx} MB`, '-', '-'],
    [
      'baseline: bare node / node+tsx',
      `${results.serverRssMb.bareNodeBaseline} / ${results.serverRssMb.tsxNodeBaseline} MB`,
      '-',
      '-',
    ],
  ].map((row) => row.map(String));
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] as string).length))) ?? [];
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));
  const out = join(HERE, 'results', 'local-core-ipc.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${out}`);
  if (
    lost !== 0 ||
    outOfOrder !== 0 ||
    failed !== 0 ||
    raw.lost !== 0 ||
    raw.outOfOrder !== 0 ||
    raw.errors !== 0
  ) {
    console.error(
      `message loss: lost ${lost}, out of order ${outOfOrder}, failed publishes ${failed}; raw: ${JSON.stringify(raw)}`,
    );
    process.exitCode = 1;
  }
}

const serverIndex = process.argv.indexOf('--server');
const publisherIndex = process.argv.indexOf('--publisher');
if (serverIndex >= 0) {
  await runServer(process.argv[serverIndex + 1] as string);
} else if (publisherIndex >= 0) {
  const [socketPath, id, durationMs] = process.argv.slice(publisherIndex + 1);
  await publishFor(socketPath as string, Number(id), Number(durationMs));
} else {
  await main();
}
