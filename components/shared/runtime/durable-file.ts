/**
 * Atomic, durable file replacement: write a temp file and fsync it, rename it over the target, fsync the
 * folder. A power cut at any moment leaves either the old or the new content, never a mix.
 */
import { dirname } from 'node:path';
import type { FileSystem } from '../ports/index.ts';

/** Replaces `path` with `data` durably. */
export async function writeFileDurably(fs: FileSystem, path: string, data: Uint8Array): Promise<void> {
  const temp = `${path}.tmp`;
  await fs.writeFileSynced(temp, data);
  await fs.rename(temp, path);
  await fs.syncDir(dirname(path));
}
