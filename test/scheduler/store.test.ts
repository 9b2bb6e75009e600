import { afterEach, describe, expect, it } from 'vitest';
import { loadSqlJs, SCHEMA_VERSION, SchedulerStore } from '../../components/scheduler/src/store.ts';
import { StoreError } from '../../components/shared/errors.ts';
import { FakeClock, MemoryFileSystem, RecordingLogger, RecordingMetrics } from '../fakes/index.ts';
import { command, DB, fixture, Harness, key, snapshot, WORK } from './support.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.scheduler.stop();
  h = undefined;
});

function open(fs: MemoryFileSystem, logger = new RecordingLogger(), metrics = new RecordingMetrics()) {
  return SchedulerStore.open({ fs, path: DB, clock: new FakeClock(), logger, metrics, saveRetryS: 5 });
}

const GARBAGE = new TextEncoder().encode('this is not a database, it is what an SD card left behind');

describe('the store', () => {
  it('writes durably: write temp → rename → fsync the folder, the previous file becoming the backup', async () => {
    const fs = new MemoryFileSystem();
    const store = await open(fs);
    fs.calls.length = 0;
    store.putCommand('a', 1, { id: 'a', ok: true });
    await store.durable();
    expect(fs.calls).toEqual([
      { op: 'rename', from: DB, to: `${DB}.bak` },
      { op: 'write', path: `${DB}.tmp` },
      { op: 'rename', from: `${DB}.tmp`, to: DB },
      { op: 'syncDir', path: WORK },
    ]);
    await store.close();
  });

  it('coalesces a burst of mutations into one write', async () => {
    const fs = new MemoryFileSystem();
    const store = await open(fs);
    fs.calls.length = 0;
    for (let i = 0; i < 100; i++) store.putCommand(`c${i}`, i, { id: `c${i}`, ok: true });
    await store.durable();
    expect(fs.calls.filter((c) => c.op === 'write')).toHaveLength(1);
    await store.close();
  });

  it('moves a corrupt file aside, opens the backup, logs and counts it', async () => {
    const fs = new MemoryFileSystem();
    const first = await open(fs);
    first.putCommand('kept', 1, { id: 'kept', ok: true });
    await first.durable();
    first.putCommand('later', 2, { id: 'later', ok: true });
    await first.durable();
    await first.close();
    fs.files.set(DB, GARBAGE);
    const logger = new RecordingLogger();
    const metrics = new RecordingMetrics();
    const store = await open(fs, logger, metrics);
    expect(store.commands.has('kept')).toBe(true);
    expect(logger.events()).toContain('scheduler.store.corrupt');
    expect(metrics.total('StoreRecovered')).toBe(1);
    const aside = [...fs.files.keys()].filter((p) => p.startsWith(`${DB}.corrupt-`));
    expect(aside).toHaveLength(1);
    expect(fs.files.get(aside[0]!)).toEqual(GARBAGE);
    // The recovered state is written back as the main file at once.
    expect(fs.files.has(DB)).toBe(true);
    await store.close();
  });

  it('starts empty when both the file and its backup are corrupt, keeping both aside', async () => {
    const fs = new MemoryFileSystem();
    fs.files.set(DB, GARBAGE);
    fs.files.set(`${DB}.bak`, GARBAGE);
    const metrics = new RecordingMetrics();
    const store = await open(fs, new RecordingLogger(), metrics);
    expect(store.data.events.size).toBe(0);
    expect(metrics.total('StoreRecovered')).toBe(2);
    await store.close();
  });

  it('opens the backup when a crash left only the backup (between the two renames)', async () => {
    const fs = new MemoryFileSystem();
    const first = await open(fs);
    first.putCommand('kept', 1, { id: 'kept', ok: true });
    await first.durable();
    await first.close();
    fs.files.set(`${DB}.bak`, fs.files.get(DB)!);
    fs.files.delete(DB);
    const metrics = new RecordingMetrics();
    const store = await open(fs, new RecordingLogger(), metrics);
    expect(store.commands.has('kept')).toBe(true);
    expect(metrics.total('StoreRecovered')).toBe(0);
    await store.close();
  });

  it('migrates a version-1 file to the current schema, keeping its rows', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT NOT NULL, start_ms INTEGER NOT NULL, data TEXT NOT NULL);
      CREATE INDEX events_start ON events (start_ms);
      CREATE TABLE event_edits (event_id TEXT PRIMARY KEY, data TEXT NOT NULL);
      CREATE TABLE alert_edits (alert_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, data TEXT NOT NULL);
      CREATE INDEX alert_edits_event ON alert_edits (event_id);
      CREATE TABLE commands (id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL, result TEXT NOT NULL);
      PRAGMA user_version = 1;`);
    db.run('INSERT INTO commands VALUES (?, ?, ?)', ['old', 5, JSON.stringify({ id: 'old', ok: true })]);
    const fs = new MemoryFileSystem();
    fs.files.set(DB, db.export());
    db.close();
    const store = await open(fs);
    expect(store.commands.get('old')?.result).toEqual({ id: 'old', ok: true });
    await store.close();
    const reopened = new SQL.Database(fs.files.get(DB)!);
    expect(reopened.exec('PRAGMA user_version')[0]?.values[0]?.[0]).toBe(SCHEMA_VERSION);
    expect(
      reopened.exec("SELECT name FROM sqlite_master WHERE name = 'commands_at'")[0]?.values,
    ).toHaveLength(1);
    reopened.close();
  });

  it('refuses a file written by a newer schema and leaves it untouched', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    const bytes = db.export();
    db.close();
    const fs = new MemoryFileSystem();
    fs.files.set(DB, bytes);
    await expect(open(fs)).rejects.toBeInstanceOf(StoreError);
    expect(fs.files.get(DB)).toEqual(bytes);
  });

  it('holds a command result until a failed save has been retried successfully', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot([fixture({ key: key('club-brugge'), kickoff: '2026-09-12T18:00:00.000Z' })]));
    h.fs.failNext = { op: 'write', error: new Error('EIO: i/o error') };
    await h.peer.publishRaw('matchday/commands', {
      json: command('disableAlert', { alertId: `${key('club-brugge')}:final` }, 'held'),
    });
    await h.bus.settle();
    expect(h.results().filter((r) => r.id === 'held')).toHaveLength(0);
    expect(h.logger.events()).toContain('scheduler.store.save-failed');
    await h.advance(h.config.store.saveRetryS * 1000);
    expect(h.results().filter((r) => r.id === 'held')).toEqual([{ id: 'held', ok: true }]);
  });

  it('prunes past events after the retention period and command ids after 30 days', async () => {
    h = await new Harness({ now: '2026-09-01T08:00:00Z' }).start();
    await h.fixtures(snapshot([fixture({ key: key('club-brugge'), kickoff: '2026-09-12T18:00:00.000Z' })]));
    await h.send(command('disableAlert', { alertId: `${key('club-brugge')}:final` }, 'old-cmd'));
    await h.restart(31 * 86_400_000);
    expect(h.scheduler.plan().events).toHaveLength(1);
    const again = await h.send(
      command('disableAlert', { alertId: `${key('club-brugge')}:final` }, 'old-cmd'),
    );
    // Forgotten after 30 days: applied again, not replayed (the edit is already there, so ok either way).
    expect(again).toEqual({ id: 'old-cmd', ok: true });
    expect(h.logger.events().filter((e) => e === 'scheduler.command.repeated')).toHaveLength(0);
    await h.restart(365 * 86_400_000);
    expect(h.scheduler.plan().events).toHaveLength(0);
    expect(h.logger.events()).toContain('scheduler.store.pruned');
  });
});
