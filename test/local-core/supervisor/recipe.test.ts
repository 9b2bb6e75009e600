import { describe, expect, it } from 'vitest';
import {
  hostPlatform,
  InputFileError,
  loadRecipes,
  parseRecipe,
  selectManifest,
} from '../../../local-core/src/supervisor/recipe.ts';

const FIXTURES = new URL('../../fixtures/local-core/recipes', import.meta.url).pathname;

describe('recipes', () => {
  it('reads property names case-insensitively, as the nucleus does', () => {
    const recipe = parseRecipe(
      'x.json',
      JSON.stringify({
        componentname: 'com.example.X',
        COMPONENTVERSION: '1.2.3',
        componentConfiguration: { defaultConfiguration: { Keep: 'Case' } },
        manifests: [{ platform: { OS: 'linux' }, lifecycle: { RUN: { SCRIPT: 'echo hi', timeout: 5 } } }],
      }),
    );
    expect(recipe.componentName).toBe('com.example.X');
    expect(recipe.defaultConfiguration).toEqual({ Keep: 'Case' });
    expect(recipe.manifests[0]?.platform).toEqual({ os: 'linux' });
    expect(recipe.manifests[0]?.lifecycle?.run).toMatchObject({ script: 'echo hi', timeoutSeconds: 5 });
  });

  it('maps Node platform names to the nucleus names', () => {
    expect(hostPlatform('linux', 'x64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(hostPlatform('linux', 'arm64')).toEqual({ os: 'linux', architecture: 'aarch64' });
    expect(hostPlatform('linux', 'arm')).toEqual({ os: 'linux', architecture: 'arm' });
    expect(hostPlatform('darwin', 'arm64')).toEqual({ os: 'darwin', architecture: 'aarch64' });
  });

  it('picks the first manifest matching os and architecture, with regex and * values', () => {
    const recipe = parseRecipe(
      'r.yaml',
      [
        'ComponentName: a.B',
        'ComponentVersion: 1.0.0',
        'Manifests:',
        '  - { Platform: { os: linux, architecture: aarch64 }, Lifecycle: { Run: arm } }',
        '  - { Platform: { os: "/lin.x/", architecture: amd64 }, Lifecycle: { Run: regex } }',
        '  - { Platform: { os: "*" }, Lifecycle: { Run: any } }',
      ].join('\n'),
    );
    const run = (os: string, architecture: string) =>
      selectManifest(recipe, { os, architecture }).lifecycle.run?.script;
    expect(run('linux', 'aarch64')).toBe('arm');
    expect(run('linux', 'amd64')).toBe('regex');
    expect(run('darwin', 'amd64')).toBe('any');
  });

  it('fails the component when no manifest matches the platform', () => {
    const recipe = parseRecipe(
      'r.yaml',
      'ComponentName: a.B\nComponentVersion: 1.0.0\nManifests:\n  - { Platform: { os: windows }, Lifecycle: { Run: x } }\n',
    );
    expect(() => selectManifest(recipe, { os: 'linux', architecture: 'amd64' })).toThrow(
      /no manifest matches/,
    );
  });

  it('defaults dependencies to HARD', () => {
    const recipe = parseRecipe(
      'r.yaml',
      'ComponentName: a.B\nComponentVersion: 1.0.0\nComponentDependencies:\n  x.Y: { VersionRequirement: ">=1.0.0" }\n',
    );
    expect(recipe.dependencies['x.Y']?.dependencyType).toBe('HARD');
  });

  it('names the file, the field and the value of an invalid recipe', () => {
    const error = (() => {
      try {
        parseRecipe('bad.yaml', 'ComponentName: a.B\nComponentVersion: one\n');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as Error).message).toMatch(/^bad\.yaml: ComponentVersion: expected semver.*"one"/);
  });

  it('rejects a lifecycle with both Run and Startup', () => {
    expect(() =>
      parseRecipe(
        'r.yaml',
        'ComponentName: a.B\nComponentVersion: 1.0.0\nLifecycle: { Run: a, Startup: b }\n',
      ),
    ).toThrow(/Lifecycle\.Startup: a lifecycle may have Run or Startup/);
  });

  it('loads every YAML and JSON recipe of a folder', () => {
    const recipes = loadRecipes(FIXTURES);
    expect([...recipes.keys()]).toContain('test.IpcProbe@1.0.0');
    expect([...recipes.keys()]).toContain('test.IpcProbe@1.1.0');
  });
});
