/** The FileSystem port on Node's fs, with real fsyncs. */
import { constants, promises as fsp } from 'node:fs';
import type { FileSystem } from '../ports/index.ts';

export class NodeFileSystem implements FileSystem {
  async readFile(path: string): Promise<Uint8Array | undefined> {
    try {
      return await fsp.readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async writeFileSynced(path: string, data: Uint8Array): Promise<void> {
    const handle = await fsp.open(path, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await fsp.rename(from, to);
  }

  async syncDir(path: string): Promise<void> {
    const handle = await fsp.open(path, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async unlink(path: string): Promise<void> {
    await fsp.rm(path, { force: true });
  }

  async mkdirp(path: string): Promise<void> {
    await fsp.mkdir(path, { recursive: true });
  }

  async exists(path: string): Promise<boolean> {
    try {
      await fsp.access(path);
      return true;
    } catch {
      return false;
    }
  }
}
