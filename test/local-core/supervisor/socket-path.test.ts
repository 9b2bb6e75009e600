import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCoreHandle, startLocalCore } from '../../support/local-core-harness.ts';

const FIXTURES = new URL('../../fixtures/local-core/', import.meta.url).pathname;

describe('an IPC socket path of 108 characters or more', () => {
  let core: LocalCoreHandle;
  let base: string;
  const work = (component: string, file: string) => join(core.root, 'things', 'T1', 'work', component, file);

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'lc-long-'));
    core = await startLocalCore({
      recipesDir: join(FIXTURES, 'recipes'),
      artifactsDir: join(FIXTURES, 'artifacts'),
      root: join(base, 'a-root-folder-name-long-enough-to-push-the-socket-path-past-the-unix-limit'),
      deployment: {
        things: [{ name: 'T1', thingGroups: [] }],
        components: {
          'test.EnvProbe': { componentVersion: '1.0.0' },
          'test.IpcProbe': { componentVersion: '1.0.0' },
        },
      },
    });
    await core.waitFor((s) => s.things.T1?.components['test.EnvProbe']?.state === 'FINISHED', 20_000);
  }, 60_000);
  afterAll(async () => {
    await core?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('gives components the relative ../../ipc.socket, as the nucleus does', () => {
    expect(join(core.root, 'things', 'T1', 'ipc.socket').length).toBeGreaterThanOrEqual(108);
    expect(readFileSync(work('test.EnvProbe', 'env.txt'), 'utf8')).toContain(
      'AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT=../../ipc.socket\n',
    );
  });

  it('lets the real IPC client connect through the relative path', async () => {
    const end = Date.now() + 20_000;
    const ready = () =>
      existsSync(work('test.IpcProbe', 'events.jsonl')) &&
      readFileSync(work('test.IpcProbe', 'events.jsonl'), 'utf8').includes('"event":"ready"');
    while (!ready() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(ready()).toBe(true);
  });
});
