import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileDurably } from '../../../components/shared/runtime/durable-file.ts';
import { NodeFileSystem } from '../../../components/shared/runtime/node-file-system.ts';
import { MemoryFileSystem } from '../../fakes/index.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('writeFileDurably', () => {
  it('writes and fsyncs a temp file, renames it over the target, then fsyncs the folder', async () => {
    const fs = new MemoryFileSystem();
    await writeFileDurably(fs, '/data/store.db', bytes('v2'));
    expect(fs.calls).toEqual([
      { op: 'write', path: '/data/store.db.tmp' },
      { op: 'rename', from: '/data/store.db.tmp', to: '/data/store.db' },
      { op: 'syncDir', path: '/data' },
    ]);
    expect(new TextDecoder().decode(await fs.readFile('/data/store.db'))).toBe('v2');
  });

  it('leaves the previous content in place when writing the temp file fails', async () => {
    const fs = new MemoryFileSystem();
    await writeFileDurably(fs, '/data/store.db', bytes('v1'));
    fs.failNext = { op: 'write', error: new Error('ENOSPC') };
    await expect(writeFileDurably(fs, '/data/store.db', bytes('v2'))).rejects.toThrow('ENOSPC');
    expect(new TextDecoder().decode(await fs.readFile('/data/store.db'))).toBe('v1');
  });

  it('leaves the previous content in place when the rename fails', async () => {
    const fs = new MemoryFileSystem();
    await writeFileDurably(fs, '/data/store.db', bytes('v1'));
    fs.failNext = { op: 'rename', error: new Error('EIO') };
    await expect(writeFileDurably(fs, '/data/store.db', bytes('v2'))).rejects.toThrow('EIO');
    expect(new TextDecoder().decode(await fs.readFile('/data/store.db'))).toBe('v1');
  });
});

describe('NodeFileSystem', () => {
  let dir: string | undefined;
  const tempDir = () => {
    dir = mkdtempSync(join(tmpdir(), 'matchday-fs-'));
    return dir;
  };
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('replaces a file durably in a real folder, leaving no temp file behind', async () => {
    const folder = tempDir();
    const fs = new NodeFileSystem();
    const target = join(folder, 'store.db');
    await writeFileDurably(fs, target, bytes('first'));
    await writeFileDurably(fs, target, bytes('second'));
    expect(readFileSync(target, 'utf8')).toBe('second');
    expect(readdirSync(folder)).toEqual(['store.db']);
  });

  it('reads a missing file as undefined and an existing one as its bytes', async () => {
    const folder = tempDir();
    const fs = new NodeFileSystem();
    expect(await fs.readFile(join(folder, 'nope'))).toBeUndefined();
    await fs.writeFileSynced(join(folder, 'a'), bytes('abc'));
    expect(new TextDecoder().decode(await fs.readFile(join(folder, 'a')))).toBe('abc');
  });

  it('creates nested folders, reports existence and unlinks idempotently', async () => {
    const folder = tempDir();
    const fs = new NodeFileSystem();
    const nested = join(folder, 'a', 'b');
    await fs.mkdirp(nested);
    expect(await fs.exists(nested)).toBe(true);
    const file = join(nested, 'f');
    await fs.writeFileSynced(file, bytes('x'));
    await fs.unlink(file);
    await fs.unlink(file);
    expect(await fs.exists(file)).toBe(false);
  });

  it('fsyncs a folder without error', async () => {
    const fs = new NodeFileSystem();
    await expect(fs.syncDir(tempDir())).resolves.toBeUndefined();
  });
});
