import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCoreHandle, startLocalCore } from '../../support/local-core-harness.ts';

const FIXTURES = new URL('../../fixtures/local-core/', import.meta.url).pathname;
const state = (core: LocalCoreHandle, component: string) =>
  core.status().then((s) => s.things.T1?.components[component]);

describe('supervisor lifecycle (real CLI, real processes)', () => {
  let core: LocalCoreHandle;
  const work = (component: string, file: string) => join(core.root, 'things', 'T1', 'work', component, file);
  const read = (component: string, file: string) => readFileSync(work(component, file), 'utf8');

  beforeAll(async () => {
    core = await startLocalCore({
      recipesDir: join(FIXTURES, 'recipes'),
      artifactsDir: join(FIXTURES, 'artifacts'),
      keepRoot: true,
      deployment: {
        things: [{ name: 'T1', thingGroups: ['lab'] }],
        nucleus: { region: 'eu-central-1' },
        components: {
          'test.EnvProbe': {
            componentVersion: '1.0.0',
            configurationUpdate: { merge: JSON.stringify({ message: 'from the deployment' }) },
          },
          'test.Crasher': { componentVersion: '1.0.0' },
          'test.Dependent': { componentVersion: '1.0.0' },
          'test.StuckStartup': { componentVersion: '1.0.0' },
          'test.HardDependent': { componentVersion: '1.0.0' },
          'test.SoftDependent': { componentVersion: '1.0.0' },
        },
      },
    });
    await core.waitFor((s) => {
      const c = s.things.T1?.components ?? {};
      return (
        c['test.EnvProbe']?.state === 'FINISHED' &&
        c['test.Crasher']?.state === 'BROKEN' &&
        c['test.Dependent']?.state === 'RUNNING' &&
        c['test.StuckStartup']?.state === 'BROKEN' &&
        c['test.Flaky']?.state === 'BROKEN'
      );
    }, 30_000);
  }, 60_000);

  afterAll(async () => {
    await core?.stop();
    if (core !== undefined) rmSync(core.root, { recursive: true, force: true });
  });

  it('picks the first manifest matching this host', () => {
    expect(read('test.EnvProbe', 'manifest.txt').trim()).toBe('unix');
  });

  it('interpolates recipe variables, leaving a missing configuration node as is', () => {
    const root = join(core.root, 'things', 'T1');
    expect(read('test.EnvProbe', 'vars.txt').split('\n')).toEqual([
      'from the deployment',
      '{"a":1,"b":[1,2]}',
      '{configuration:/missing}',
      join(root, 'packages', 'artifacts', 'test.EnvProbe', '1.0.0'),
      join(root, 'packages', 'artifacts-unarchived', 'test.EnvProbe', '1.0.0'),
      join(root, 'work', 'test.EnvProbe'),
      root,
      'T1',
      'true',
      '',
    ]);
  });

  it('unpacks ZIP artifacts under artifacts-unarchived/<name>/<version>/<zip base name>', () => {
    expect(read('test.EnvProbe', 'unzipped.txt')).toBe('hello from the zip\n');
  });

  it('runs scripts in <root>/work/<component> with the nucleus environment', () => {
    const env = Object.fromEntries(
      read('test.EnvProbe', 'env.txt')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(read('test.EnvProbe', 'cwd.txt').trim()).toBe(
      join(core.root, 'things', 'T1', 'work', 'test.EnvProbe'),
    );
    expect(env.SVCUID).toMatch(/^[A-Z]{16}$/);
    expect(env.AWS_CONTAINER_AUTHORIZATION_TOKEN).toBe(env.SVCUID);
    expect(env.AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT).toBe(
      join(core.root, 'things', 'T1', 'ipc.socket'),
    );
    expect(env.AWS_IOT_THING_NAME).toBe('T1');
    expect(env.AWS_REGION).toBe('eu-central-1');
    expect(env.AWS_DEFAULT_REGION).toBe('eu-central-1');
    expect(env.GGC_VERSION).toMatch(/^2\.\d+\.\d+$/);
  });

  it('applies global Setenv with variables, and a step Setenv overrides it', () => {
    const env = read('test.EnvProbe', 'env.txt');
    expect(env).toContain('GLOBAL_VAR=global-T1\n');
    expect(env).toContain('OVERRIDDEN=from-step\n');
  });

  it('starts a component only after its dependency finished its Startup step', () => {
    expect(read('test.Dependent', 'order.txt').trim()).toBe('after-dependency');
  });

  it('pulls in a dependency the deployment does not list, runs Install, and is RUNNING once Startup exits 0', async () => {
    expect(read('test.SlowStartup', 'install.txt').trim()).toBe('installed');
    expect(read('test.SlowStartup', 'started.txt').trim()).toBe('started');
    expect((await state(core, 'test.SlowStartup'))?.state).toBe('RUNNING');
  });

  it('restarts a crashing component and makes it BROKEN after three errors', async () => {
    const crasher = await state(core, 'test.Crasher');
    expect(crasher).toMatchObject({ state: 'BROKEN', restarts: 2 });
    expect(read('test.Crasher', 'runs.txt').trim().split('\n')).toHaveLength(3);
  });

  it('logs stderr lines at WARN in <root>/logs/<component>.log', () => {
    const log = readFileSync(join(core.root, 'things', 'T1', 'logs', 'test.Crasher.log'), 'utf8');
    expect(log).toMatch(
      /\[WARN\] \(Copier\) test\.Crasher: stderr\. crashing\. \{scriptName=services\.test\.Crasher\.lifecycle\.Run/,
    );
  });

  it('errors a Startup step that exceeds its Timeout, three times → BROKEN', async () => {
    expect((await state(core, 'test.StuckStartup'))?.state).toBe('BROKEN');
    expect(read('test.StuckStartup', 'attempts.txt').trim().split('\n')).toHaveLength(3);
  });

  it('restarts a HARD dependent when its dependency errors, and leaves it waiting while the dependency is BROKEN', async () => {
    expect(read('test.HardDependent', 'starts.txt').trim().split('\n').length).toBeGreaterThanOrEqual(2);
    expect((await state(core, 'test.HardDependent'))?.state).toBe('INSTALLED');
  });

  it('never restarts a SOFT dependent for its dependency', async () => {
    expect(read('test.SoftDependent', 'starts.txt').trim().split('\n')).toHaveLength(1);
    expect((await state(core, 'test.SoftDependent'))?.state).toBe('RUNNING');
  });

  it('runs the Shutdown step when local-core stops', async () => {
    expect(existsSync(work('test.SlowStartup', 'shutdown.txt'))).toBe(false);
    await core.stop();
    expect(read('test.SlowStartup', 'shutdown.txt').trim()).toBe('shutdown');
  });
});
