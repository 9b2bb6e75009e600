/**
 * A FileSystem in memory that records every call in order, and can be told to fail a call, so tests can
 * prove the durable-write sequence and crash behaviour.
 */
import type { FileSystem } from '../../components/shared/ports/index.ts';

export type FsCall =
  | { op: 'write'; path: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'syncDir'; path: string }
  | { op: 'unlink'; path: string }
  | { op: 'mkdirp'; path: string };

export class MemoryFileSystem implements FileSystem {
  readonly files = new Map<string, Uint8Array>();
  readonly calls: FsCall[] = [];
  /** When set, the next call whose op matches throws this error. */
  failNext: { op: FsCall['op']; error: Error } | undefined;

  async readFile(path: string): Promise<Uint8Array | undefined> {
    const data = this.files.get(path);
    return data && new Uint8Array(data);
  }

  async writeFileSynced(path: string, data: Uint8Array): Promise<void> {
    this.maybeFail('write');
    this.calls.push({ op: 'write', path });
    this.files.set(path, new Uint8Array(data));
  }

  async rename(from: string, to: string): Promise<void> {
    this.maybeFail('rename');
    this.calls.push({ op: 'rename', from, to });
    const data = this.files.get(from);
    if (!data) throw Object.assign(new Error(`ENOENT: ${from}`), { code: 'ENOENT' });
    this.files.delete(from);
    this.files.set(to, data);
  }

  async syncDir(path: string): Promise<void> {
    this.maybeFail('syncDir');
    this.calls.push({ op: 'syncDir', path });
  }

  async unlink(path: string): Promise<void> {
    this.maybeFail('unlink');
    this.calls.push({ op: 'unlink', path });
    this.files.delete(path);
  }

  async mkdirp(path: string): Promise<void> {
    this.calls.push({ op: 'mkdirp', path });
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path);
  }

  private maybeFail(op: FsCall['op']): void {
    if (this.failNext?.op === op) {
      const { error } = this.failNext;
      this.failNext = undefined;
      throw error;
    }
  }
}
