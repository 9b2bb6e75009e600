/**
 * The scheduler's store: a sql.js database mirrored in memory, persisted as one file in the work folder.
 * Owns the schema, its migrations, durable coalesced saves, one backup generation and recovery from a
 * corrupt file. Writes only through the FileSystem port; never exports inside a transaction.
 */
import { basename, dirname } from 'node:path';
import initSqlJs from 'sql.js';
import type { AlertPolicy, CommandResult } from '../../shared/contracts/index.ts';
import { StoreError } from '../../shared/errors.ts';
import type { Clock, FileSystem, Logger, Metrics, Timer } from '../../shared/ports/index.ts';
import { writeFileDurably } from '../../shared/runtime/durable-file.ts';
import {
  type AlertEdit,
  type EventEdit,
  type EventRecord,
  emptyData,
  type LastFixtures,
  type SchedulerData,
} from './model.ts';

type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;
type Database = InstanceType<SqlJs['Database']>;

const loaded = new Map<string, Promise<SqlJs>>();

/** Loads sql.js once per wasm path (`undefined`: the wasm beside sql.js's own JS file). */
export function loadSqlJs(wasmPath?: string): Promise<SqlJs> {
  const key = wasmPath ?? '';
  let promise = loaded.get(key);
  if (!promise) {
    promise = initSqlJs(wasmPath === undefined ? {} : { locateFile: () => wasmPath });
    loaded.set(key, promise);
  }
  return promise;
}

/** Schema migrations; `PRAGMA user_version` is the number applied. Append only, never edit one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT NOT NULL, start_ms INTEGER NOT NULL, data TEXT NOT NULL);
   CREATE INDEX events_start ON events (start_ms);
   CREATE TABLE event_edits (event_id TEXT PRIMARY KEY, data TEXT NOT NULL);
   CREATE TABLE alert_edits (alert_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, data TEXT NOT NULL);
   CREATE INDEX alert_edits_event ON alert_edits (event_id);
   CREATE TABLE commands (id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL, result TEXT NOT NULL);`,
  `CREATE INDEX commands_at ON commands (at_ms);`,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** A stored command answer, for idempotency. */
export interface StoredCommand {
  readonly at: number;
  readonly result: CommandResult;
}

export interface StoreOptions {
  readonly fs: FileSystem;
  /** Absolute path of the database file. */
  readonly path: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Seconds before a failed save is retried. */
  readonly saveRetryS: number;
  readonly wasmPath?: string;
}

/** Where the backup generation and moved-aside files live. */
export function storePaths(path: string) {
  return {
    main: path,
    backup: `${path}.bak`,
    temp: `${path}.tmp`,
    corrupt: (at: number) => `${path}.corrupt-${at}`,
  };
}

function userVersion(db: Database): number {
  return Number(db.exec('PRAGMA user_version')[0]?.values[0]?.[0] ?? 0);
}

/** Applies the missing migrations; true when it applied any. */
function migrate(db: Database): boolean {
  const from = userVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new StoreError(`store schema version ${from} is newer than this scheduler's ${SCHEMA_VERSION}`);
  }
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.exec('BEGIN');
    db.exec(MIGRATIONS[v]!);
    db.exec(`PRAGMA user_version = ${v + 1}`);
    db.exec('COMMIT');
  }
  return from < SCHEMA_VERSION;
}

function rows(db: Database, sql: string): unknown[][] {
  return db.exec(sql)[0]?.values ?? [];
}

interface Loaded {
  migrated: boolean;
  data: SchedulerData;
  commands: Map<string, StoredCommand>;
}

function load(db: Database): Omit<Loaded, 'migrated'> {
  const check = rows(db, 'PRAGMA quick_check')[0]?.[0];
  if (check !== 'ok') throw new StoreError(`quick_check failed: ${String(check)}`);
  const data = emptyData();
  for (const [, value] of rows(db, 'SELECT id, data FROM events')) {
    const record = JSON.parse(String(value)) as EventRecord;
    data.events.set(record.id, record);
  }
  for (const [id, value] of rows(db, 'SELECT event_id, data FROM event_edits')) {
    data.eventEdits.set(String(id), JSON.parse(String(value)) as EventEdit);
  }
  for (const [id, value] of rows(db, 'SELECT alert_id, data FROM alert_edits')) {
    data.alertEdits.set(String(id), JSON.parse(String(value)) as AlertEdit);
  }
  for (const [key, value] of rows(db, 'SELECT key, value FROM meta')) {
    if (key === 'policy') data.policy = JSON.parse(String(value)) as AlertPolicy;
    if (key === 'lastFixtures') data.lastFixtures = JSON.parse(String(value)) as LastFixtures;
    if (key === 'lastAppliedTakenAt') data.lastAppliedTakenAt = String(value);
  }
  const commands = new Map<string, StoredCommand>();
  for (const [id, at, result] of rows(db, 'SELECT id, at_ms, result FROM commands')) {
    commands.set(String(id), { at: Number(at), result: JSON.parse(String(result)) as CommandResult });
  }
  return { data, commands };
}

/** The open store. Mutations are synchronous (memory + database); `durable()` waits for the file. */
export class SchedulerStore {
  /** Bumped by every mutation. */
  private version = 0;
  private savedVersion = 0;
  private saving = false;
  private retry: Timer | undefined;
  private closed = false;
  private waiters: { version: number; resolve: () => void }[] = [];

  private constructor(
    private readonly options: StoreOptions,
    private readonly db: Database,
    readonly data: SchedulerData,
    readonly commands: Map<string, StoredCommand>,
    private mainExists: boolean,
  ) {}

  /**
   * Opens (or creates) the store. A file that cannot be read as a database is moved aside and the backup
   * is used (logged, StoreRecovered counted); with neither, the store starts empty.
   */
  static async open(options: StoreOptions): Promise<SchedulerStore> {
    const SQL = await loadSqlJs(options.wasmPath);
    const { fs, logger, metrics, clock } = options;
    const paths = storePaths(options.path);
    await fs.mkdirp(dirname(paths.main));
    const tryOpen = async (path: string): Promise<{ db: Database; loaded: Loaded } | 'absent' | Error> => {
      let bytes: Uint8Array | undefined;
      try {
        bytes = await fs.readFile(path);
      } catch (error) {
        return error as Error;
      }
      if (bytes === undefined) return 'absent';
      let db: Database | undefined;
      try {
        db = new SQL.Database(bytes);
        const migrated = migrate(db);
        return { db, loaded: { ...load(db), migrated } };
      } catch (error) {
        db?.close();
        if (error instanceof StoreError && /newer than/.test(error.message)) throw error;
        return error as Error;
      }
    };
    const moveAside = async (path: string, error: Error) => {
      const aside = paths.corrupt(clock.now());
      logger.error('scheduler.store.corrupt', {
        file: basename(path),
        movedTo: basename(aside),
        error: error.message,
      });
      metrics.count('StoreRecovered');
      try {
        await fs.rename(path, aside);
      } catch (renameError) {
        logger.error('scheduler.store.move-aside-failed', {
          file: basename(path),
          error: String(renameError),
        });
      }
    };

    const main = await tryOpen(paths.main);
    if (typeof main === 'object' && !(main instanceof Error)) {
      const store = new SchedulerStore(options, main.db, main.loaded.data, main.loaded.commands, true);
      if (main.loaded.migrated) {
        logger.info('scheduler.store.migrated', { version: SCHEMA_VERSION });
        store.touch();
        await store.durable();
      }
      return store;
    }
    if (main instanceof Error) await moveAside(paths.main, main);
    const backup = await tryOpen(paths.backup);
    let store: SchedulerStore;
    if (typeof backup === 'object' && !(backup instanceof Error)) {
      logger.warn('scheduler.store.opened-backup', {
        reason: main === 'absent' ? 'main file absent' : 'main corrupt',
      });
      store = new SchedulerStore(options, backup.db, backup.loaded.data, backup.loaded.commands, false);
    } else {
      if (backup instanceof Error) await moveAside(paths.backup, backup);
      if (main === 'absent' && backup === 'absent')
        logger.info('scheduler.store.created', { file: basename(paths.main) });
      const db = new SQL.Database();
      migrate(db);
      store = new SchedulerStore(options, db, emptyData(), new Map(), false);
    }
    // Write the main file at once, so the recovered state is the committed one.
    store.touch();
    await store.durable();
    return store;
  }

  private run(sql: string, params: (string | number | null)[]): void {
    this.db.run(sql, params);
    this.touch();
  }

  private touch(): void {
    this.version++;
    this.requestSave();
  }

  putEvent(record: EventRecord): void {
    this.data.events.set(record.id, record);
    this.run('INSERT OR REPLACE INTO events (id, kind, start_ms, data) VALUES (?, ?, ?, ?)', [
      record.id,
      record.kind,
      record.start,
      JSON.stringify(record),
    ]);
  }

  deleteEvent(id: string): void {
    this.data.events.delete(id);
    this.run('DELETE FROM events WHERE id = ?', [id]);
  }

  setEventEdit(eventId: string, edit: EventEdit | undefined): void {
    if (edit === undefined) {
      this.data.eventEdits.delete(eventId);
      this.run('DELETE FROM event_edits WHERE event_id = ?', [eventId]);
    } else {
      this.data.eventEdits.set(eventId, edit);
      this.run('INSERT OR REPLACE INTO event_edits (event_id, data) VALUES (?, ?)', [
        eventId,
        JSON.stringify(edit),
      ]);
    }
  }

  setAlertEdit(alertId: string, edit: AlertEdit | undefined): void {
    if (edit === undefined) {
      this.data.alertEdits.delete(alertId);
      this.run('DELETE FROM alert_edits WHERE alert_id = ?', [alertId]);
    } else {
      this.data.alertEdits.set(alertId, edit);
      this.run('INSERT OR REPLACE INTO alert_edits (alert_id, event_id, data) VALUES (?, ?, ?)', [
        alertId,
        edit.eventId,
        JSON.stringify(edit),
      ]);
    }
  }

  setPolicy(policy: AlertPolicy | undefined): void {
    this.data.policy = policy;
    if (policy === undefined) this.run("DELETE FROM meta WHERE key = 'policy'", []);
    else this.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('policy', ?)", [JSON.stringify(policy)]);
  }

  setLastFixtures(last: LastFixtures): void {
    this.data.lastFixtures = last;
    this.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('lastFixtures', ?)", [JSON.stringify(last)]);
  }

  setLastAppliedTakenAt(takenAt: string): void {
    this.data.lastAppliedTakenAt = takenAt;
    this.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('lastAppliedTakenAt', ?)", [takenAt]);
  }

  putCommand(id: string, at: number, result: CommandResult): void {
    this.commands.set(id, { at, result });
    this.run('INSERT OR REPLACE INTO commands (id, at_ms, result) VALUES (?, ?, ?)', [
      id,
      at,
      JSON.stringify(result),
    ]);
  }

  /** Forgets command ids answered before `before`; returns how many. */
  pruneCommands(before: number): number {
    const old = [...this.commands].filter(([, c]) => c.at < before).map(([id]) => id);
    if (old.length === 0) return 0;
    for (const id of old) this.commands.delete(id);
    this.run('DELETE FROM commands WHERE at_ms < ?', [before]);
    return old.length;
  }

  /** Runs several mutations as one database transaction (one save either way). */
  batch(fn: () => void): void {
    this.db.exec('BEGIN');
    try {
      fn();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Resolves once every mutation made so far is in the file on disk. */
  durable(): Promise<void> {
    if (this.savedVersion >= this.version) return Promise.resolve();
    const version = this.version;
    return new Promise((resolve) => {
      this.waiters.push({ version, resolve });
      this.requestSave();
    });
  }

  /** The bytes of the current database (the whole file). */
  exportBytes(): Uint8Array {
    return this.db.export();
  }

  private requestSave(): void {
    if (this.saving || this.retry || this.closed) return;
    this.saving = true;
    // One macrotask later, so a burst of changes in this turn goes into one write.
    setImmediate(() => void this.saveLoop());
  }

  private async saveLoop(): Promise<void> {
    const { fs, path } = this.options;
    const paths = storePaths(path);
    try {
      while (this.savedVersion < this.version && !this.closed) {
        const version = this.version;
        const bytes = this.db.export();
        // One backup generation: the previous file becomes the backup, then the new one replaces it.
        if (this.mainExists) await fs.rename(paths.main, paths.backup);
        this.mainExists = false;
        await writeFileDurably(fs, paths.main, bytes);
        this.mainExists = true;
        this.savedVersion = version;
        const ready = this.waiters.filter((w) => w.version <= version);
        this.waiters = this.waiters.filter((w) => w.version > version);
        for (const w of ready) w.resolve();
      }
      this.saving = false;
    } catch (error) {
      this.saving = false;
      this.options.logger.error('scheduler.store.save-failed', {
        error: (error as Error).message,
        retryInS: this.options.saveRetryS,
      });
      this.mainExists = await fs.exists(paths.main).catch(() => false);
      this.retry = this.options.clock.setTimer(this.options.saveRetryS * 1000, () => {
        this.retry = undefined;
        this.requestSave();
      });
    }
  }

  /** Waits for pending saves, then closes the database. */
  async close(): Promise<void> {
    if (this.savedVersion < this.version && !this.retry) await this.durable();
    this.closed = true;
    this.retry?.cancel();
    this.db.close();
  }
}
