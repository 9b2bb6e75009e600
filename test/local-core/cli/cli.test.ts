import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCoreHandle, runLocalCoreCli, startLocalCore } from '../../support/local-core-harness.ts';

const FIXTURES = new URL('../../fixtures/local-core/', import.meta.url).pathname;
const RECIPES = join(FIXTURES, 'recipes');
const ARTIFACTS = join(FIXTURES, 'artifacts');

const minimal = {
  things: [{ name: 'Cli1', thingGroups: ['g'] }],
  components: {
    'test.SlowStartup': { componentVersion: '1.0.0' },
    'aws.greengrass.LogManager': { componentVersion: '2.3.7' },
  },
};

describe('local-core CLI', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'lc-cli-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('refuses an invalid recipe, naming the file and the field, with a non-zero exit', async () => {
    const recipes = join(scratch, 'bad-recipes');
    mkdirSync(recipes);
    writeFileSync(
      join(recipes, 'x.yaml'),
      'ComponentName: a.B\nComponentVersion: 1.0.0\nManifests: [{ Lifecycle: { Run: 3 } }]\n',
    );
    const result = await runLocalCoreCli([
      'run',
      '--recipes',
      recipes,
      '--artifacts',
      ARTIFACTS,
      '--root',
      join(scratch, 'r1'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/x\.yaml: Manifests\.0\.Lifecycle\.Run: .*\(got 3\)/);
  });

  it('refuses an invalid deployment file, naming the file and the field', async () => {
    const file = join(scratch, 'bad-deployment.json');
    writeFileSync(
      file,
      JSON.stringify({ things: [{ name: 'T' }], components: { 'a.B': { componentVersion: 'latest' } } }),
    );
    const result = await runLocalCoreCli([
      'run',
      '--recipes',
      RECIPES,
      '--artifacts',
      ARTIFACTS,
      '--deployment',
      file,
      '--root',
      join(scratch, 'r2'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bad-deployment.json: components.a.B.componentVersion: expected semver');
  });

  it('exits 2 with the usage on an unknown command', async () => {
    const result = await runLocalCoreCli(['launch']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command "launch"[\s\S]*Usage:/);
  });

  it('says when no local-core runs under a root', async () => {
    const result = await runLocalCoreCli(['status', '--root', join(scratch, 'nothing')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no local-core is running under/);
  });

  describe('against a running stack', () => {
    let core: LocalCoreHandle;
    beforeAll(async () => {
      core = await startLocalCore({ recipesDir: RECIPES, artifactsDir: ARTIFACTS, deployment: minimal });
      await core.waitFor((s) => s.things.Cli1?.components['test.SlowStartup']?.state === 'RUNNING', 20_000);
    }, 60_000);
    afterAll(async () => {
      await core?.stop();
    });

    it('prints status as JSON: states, restart counts, versions and connectivity per thing', async () => {
      const result = await runLocalCoreCli(['status', '--root', core.root]);
      expect(result.code).toBe(0);
      const status = JSON.parse(result.stdout);
      expect(status.things.Cli1).toMatchObject({
        thingName: 'Cli1',
        thingGroups: ['g'],
        cloud: { online: true, connected: true, spooledMessages: 0 },
        components: {
          'test.SlowStartup': { version: '1.0.0', type: 'generic', state: 'RUNNING', restarts: 0 },
          'aws.greengrass.LogManager': { type: 'plugin', state: 'RUNNING' },
        },
      });
    });

    it('switches a thing offline and online', async () => {
      const off = await runLocalCoreCli(['cloud', '--root', core.root, '--thing', 'Cli1', 'offline']);
      expect(off.code).toBe(0);
      expect((await core.status()).things.Cli1?.cloud.online).toBe(false);
      await core.setCloud('Cli1', true);
      expect((await core.status()).things.Cli1?.cloud).toMatchObject({ online: true, connected: true });
    });

    it('rejects an invalid deployment file without disturbing the running stack', async () => {
      const file = join(scratch, 'bad-deploy.json');
      writeFileSync(file, '{"things": [], "components": {}}');
      const result = await runLocalCoreCli(['deploy', '--root', core.root, file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('bad-deploy.json: things: expected at least one thing');
      expect((await core.status()).things.Cli1?.components['test.SlowStartup']?.state).toBe('RUNNING');
    });

    it('fails a deployment naming a component with no recipe and changes nothing', async () => {
      const file = join(scratch, 'missing.json');
      writeFileSync(
        file,
        JSON.stringify({
          ...minimal,
          components: { ...minimal.components, 'test.Nope': { componentVersion: '9.9.9' } },
        }),
      );
      const result = await runLocalCoreCli(['deploy', '--root', core.root, file]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('no recipe for test.Nope@9.9.9');
      const status = await core.status();
      expect(Object.keys(status.things.Cli1?.components ?? {})).toEqual([
        'aws.greengrass.LogManager',
        'test.SlowStartup',
      ]);
    });

    it('rejects an unknown thing for the cloud command', async () => {
      const result = await runLocalCoreCli(['cloud', '--root', core.root, '--thing', 'Ghost', 'offline']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('no thing named Ghost');
    });
  });
});
