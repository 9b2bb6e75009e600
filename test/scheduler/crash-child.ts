/**
 * Child process for the crash test: opens the store in `argv[2]` and answers commands as fast as it can,
 * printing `ACK <id>` only after the write containing the command is durable. The parent SIGKILLs it.
 */

import { SchedulerStore } from '../../components/scheduler/src/store.ts';
import { NodeFileSystem } from '../../components/shared/runtime/node-file-system.ts';
import { SystemClock } from '../../components/shared/runtime/system-clock.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const [dir, run, wasmPath] = process.argv.slice(2) as [string, string, string];

async function main(): Promise<void> {
  const store = await SchedulerStore.open({
    fs: new NodeFileSystem(),
    path: `${dir}/scheduler.db`,
    clock: new SystemClock(),
    logger: silent,
    metrics: { count() {}, gauge() {} },
    saveRetryS: 1,
    wasmPath,
  });
  process.stdout.write('READY\n');
  for (let i = 0; ; i++) {
    // Bursts of 1–4 commands per write, and an event each time so the file keeps changing size.
    const ids = Array.from({ length: 1 + (i % 4) }, (_, j) => `${run}-${i}-${j}`);
    for (const id of ids) store.putCommand(id, Date.now(), { id, ok: true });
    store.putEvent({
      kind: 'custom',
      id: `ev-${run}-${i}`,
      title: 'x'.repeat(50 + (i % 200)),
      start: Date.now(),
      origin: { via: 'local', ref: run },
    });
    await store.durable();
    process.stdout.write(`ACK ${ids.join(' ')}\n`);
  }
}

void main();
