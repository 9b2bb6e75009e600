/**
 * The jobs state file under local-core's state folder: read and validated at start, replaced atomically
 * (temp file, fsync, rename, fsync the folder) after every change, so a crash leaves the last committed
 * state. A file that fails validation is moved aside, never half-read.
 */
import { constants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { emptyJobsState, JobsState } from './model.ts';

export class JobsStore {
  readonly path: string;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.path = join(dir, 'jobs.json');
  }

  /** The stored state; an unreadable file is renamed to `jobs.json.corrupt-<ms>` and reported. */
  async load(onCorrupt: (movedTo: string, reason: string) => void): Promise<JobsState> {
    await fsp.mkdir(this.dir, { recursive: true });
    let text: string;
    try {
      text = await fsp.readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyJobsState();
      throw error;
    }
    let reason: string;
    try {
      const parsed = JobsState.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      reason = parsed.error.issues[0]?.message ?? 'invalid';
    } catch (error) {
      reason = (error as Error).message;
    }
    const movedTo = `${this.path}.corrupt-${Date.now()}`;
    await fsp.rename(this.path, movedTo);
    onCorrupt(movedTo, reason);
    return emptyJobsState();
  }

  /** Queues a durable write of `state`; writes happen one at a time, in order. */
  save(state: JobsState): Promise<void> {
    const data = JSON.stringify(state);
    const write = this.chain.then(() => this.writeDurably(data));
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Resolves when every queued write has finished. */
  async flush(): Promise<void> {
    await this.chain;
  }

  private async writeDurably(data: string): Promise<void> {
    const temp = `${this.path}.tmp`;
    const handle = await fsp.open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, this.path);
    const dir = await fsp.open(this.dir, constants.O_RDONLY);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
