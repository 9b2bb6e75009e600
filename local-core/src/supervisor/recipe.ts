/**
 * Reads Greengrass recipes (YAML or JSON, property names case-insensitive as the nucleus's Jackson
 * mapper reads them), validates them and picks the first manifest matching this host.
 * Owns recipe parsing only: it never touches processes or configuration state.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** A recipe or deployment file that failed validation; the message names the file and the field. */
export class InputFileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${file}: ${field === '' ? '(root)' : field}: ${detail}`);
    this.name = 'InputFileError';
  }
}

/** One lifecycle step as the nucleus runs it. */
export interface LifecycleStep {
  readonly script: string;
  readonly requiresPrivilege: boolean;
  readonly skipIf: string | undefined;
  /** Seconds; undefined means the step's default. */
  readonly timeoutSeconds: number | undefined;
  readonly setenv: Readonly<Record<string, string>>;
}

export interface ComponentLifecycle {
  readonly setenv: Readonly<Record<string, string>>;
  readonly bootstrap: LifecycleStep | undefined;
  readonly install: LifecycleStep | undefined;
  readonly startup: LifecycleStep | undefined;
  readonly run: LifecycleStep | undefined;
  readonly shutdown: LifecycleStep | undefined;
  readonly recover: LifecycleStep | undefined;
}

export interface RecipeArtifact {
  readonly uri: string;
  readonly unarchive: 'NONE' | 'ZIP';
}

export interface RecipeManifest {
  readonly platform: Readonly<Record<string, string>>;
  readonly lifecycle: ComponentLifecycle | undefined;
  readonly artifacts: readonly RecipeArtifact[];
}

export interface RecipeDependency {
  readonly versionRequirement: string | undefined;
  readonly dependencyType: 'HARD' | 'SOFT';
}

export interface Recipe {
  readonly file: string;
  readonly componentName: string;
  readonly componentVersion: string;
  readonly componentType: string | undefined;
  readonly defaultConfiguration: Readonly<Record<string, unknown>>;
  readonly dependencies: Readonly<Record<string, RecipeDependency>>;
  readonly manifests: readonly RecipeManifest[];
  readonly lifecycle: ComponentLifecycle | undefined;
}

/** The host as a recipe's `Platform` sees it. */
export interface HostPlatform {
  readonly os: string;
  readonly architecture: string;
}

/** Maps Node's platform and arch to the nucleus's names (linux|darwin|windows, amd64|aarch64|arm|x86). */
export function hostPlatform(platform: string = process.platform, arch: string = process.arch): HostPlatform {
  const os = platform === 'win32' ? 'windows' : platform;
  const architecture =
    ({ x64: 'amd64', arm64: 'aarch64', arm: 'arm', ia32: 'x86' } as Record<string, string>)[arch] ?? arch;
  return { os, architecture };
}

const TOP_KEYS = [
  'RecipeFormatVersion',
  'ComponentName',
  'ComponentVersion',
  'ComponentDescription',
  'ComponentPublisher',
  'ComponentType',
  'ComponentSource',
  'ComponentConfiguration',
  'ComponentDependencies',
  'Manifests',
  'Lifecycle',
];
const LIFECYCLE_KEYS = ['Setenv', 'Bootstrap', 'Install', 'Startup', 'Run', 'Shutdown', 'Recover'];
const STEP_KEYS = ['Script', 'RequiresPrivilege', 'Skipif', 'Timeout', 'Setenv'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Renames keys matching `known` case-insensitively to their canonical spelling; other keys stay. */
function canonical(value: unknown, known: readonly string[]): unknown {
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const name = known.find((k) => k.toLowerCase() === key.toLowerCase()) ?? key;
    out[name] = child;
  }
  return out;
}

function canonicalLifecycle(value: unknown): unknown {
  const lifecycle = canonical(value, LIFECYCLE_KEYS);
  if (!isObject(lifecycle)) return lifecycle;
  for (const step of LIFECYCLE_KEYS.slice(1)) {
    if (lifecycle[step] !== undefined) lifecycle[step] = canonical(lifecycle[step], STEP_KEYS);
  }
  return lifecycle;
}

function canonicalRecipe(raw: unknown): unknown {
  const recipe = canonical(raw, TOP_KEYS);
  if (!isObject(recipe)) return recipe;
  recipe.ComponentConfiguration = canonical(recipe.ComponentConfiguration, ['DefaultConfiguration']);
  if (isObject(recipe.ComponentDependencies)) {
    const deps: Record<string, unknown> = {};
    for (const [name, dep] of Object.entries(recipe.ComponentDependencies)) {
      deps[name] = canonical(dep, ['VersionRequirement', 'DependencyType']);
    }
    recipe.ComponentDependencies = deps;
  }
  if (Array.isArray(recipe.Manifests)) {
    recipe.Manifests = recipe.Manifests.map((m) => {
      const manifest = canonical(m, ['Name', 'Platform', 'Lifecycle', 'Selections', 'Artifacts']);
      if (!isObject(manifest)) return manifest;
      manifest.Platform = canonical(manifest.Platform, ['os', 'architecture']);
      manifest.Lifecycle = canonicalLifecycle(manifest.Lifecycle);
      if (Array.isArray(manifest.Artifacts)) {
        manifest.Artifacts = manifest.Artifacts.map((a) =>
          canonical(a, ['URI', 'Unarchive', 'Permission', 'Digest', 'Algorithm']),
        );
      }
      return manifest;
    });
  }
  if (recipe.Lifecycle !== undefined) recipe.Lifecycle = canonicalLifecycle(recipe.Lifecycle);
  return recipe;
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const envSchema = z.record(z.string(), scalar);
const stepSchema = z.union([
  z.string(),
  z
    .object({
      Script: z.string(),
      RequiresPrivilege: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
      Skipif: z
        .string()
        .regex(/^(onpath|exists)\s+\S/, 'expected "onpath <executable>" or "exists <file>"')
        .optional(),
      Timeout: z
        .union([z.number().int().positive(), z.string().regex(/^\d+$/, 'expected whole seconds')])
        .optional(),
      Setenv: envSchema.optional(),
    })
    .loose(),
]);
const lifecycleSchema = z
  .object({
    Setenv: envSchema.optional(),
    Bootstrap: stepSchema.optional(),
    Install: stepSchema.optional(),
    Startup: stepSchema.optional(),
    Run: stepSchema.optional(),
    Shutdown: stepSchema.optional(),
    Recover: stepSchema.optional(),
  })
  .loose()
  .refine((l) => l.Run === undefined || l.Startup === undefined, {
    message: 'a lifecycle may have Run or Startup, not both',
    path: ['Startup'],
  });
const recipeSchema = z
  .object({
    RecipeFormatVersion: z.union([z.literal('2020-01-25'), z.date()]).optional(),
    ComponentName: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a component name like com.example.Name'),
    ComponentVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'expected semver major.minor.patch'),
    ComponentType: z
      .enum([
        'aws.greengrass.generic',
        'aws.greengrass.lambda',
        'aws.greengrass.plugin',
        'aws.greengrass.nucleus',
      ])
      .optional(),
    ComponentConfiguration: z
      .object({ DefaultConfiguration: z.record(z.string(), z.unknown()).optional() })
      .optional(),
    ComponentDependencies: z
      .record(
        z.string(),
        z.object({
          VersionRequirement: z.string().optional(),
          DependencyType: z.enum(['HARD', 'SOFT']).optional(),
        }),
      )
      .optional(),
    Manifests: z
      .array(
        z.object({
          Platform: z.record(z.string(), z.string()).optional(),
          Lifecycle: lifecycleSchema.optional(),
          Artifacts: z
            .array(
              z.object({ URI: z.string().min(1), Unarchive: z.enum(['NONE', 'ZIP']).optional() }).loose(),
            )
            .optional(),
        }),
      )
      .optional(),
    Lifecycle: lifecycleSchema.optional(),
  })
  .loose();

type StepInput = z.infer<typeof stepSchema>;
type LifecycleInput = z.infer<typeof lifecycleSchema>;

function toEnv(env: Record<string, string | number | boolean> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? {})) out[k] = String(v);
  return out;
}

function toStep(step: StepInput | undefined): LifecycleStep | undefined {
  if (step === undefined) return undefined;
  if (typeof step === 'string') {
    return {
      script: step,
      requiresPrivilege: false,
      skipIf: undefined,
      timeoutSeconds: undefined,
      setenv: {},
    };
  }
  return {
    script: step.Script,
    requiresPrivilege: step.RequiresPrivilege === true || step.RequiresPrivilege === 'true',
    skipIf: step.Skipif,
    timeoutSeconds: step.Timeout === undefined ? undefined : Number(step.Timeout),
    setenv: toEnv(step.Setenv),
  };
}

function toLifecycle(lifecycle: LifecycleInput | undefined): ComponentLifecycle | undefined {
  if (lifecycle === undefined) return undefined;
  return {
    setenv: toEnv(lifecycle.Setenv),
    bootstrap: toStep(lifecycle.Bootstrap),
    install: toStep(lifecycle.Install),
    startup: toStep(lifecycle.Startup),
    run: toStep(lifecycle.Run),
    shutdown: toStep(lifecycle.Shutdown),
    recover: toStep(lifecycle.Recover),
  };
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Turns the first zod issue into an InputFileError naming the file, the field, the expectation and the value. */
export function zodToInputError(file: string, error: z.ZodError, input: unknown): InputFileError {
  const issue = error.issues[0];
  if (issue === undefined) return new InputFileError(file, '', 'invalid');
  const field = issue.path.map(String).join('.');
  const value = valueAt(input, issue.path);
  return new InputFileError(file, field, `${issue.message} (got ${describeValue(value)})`);
}

/** Parses one recipe's text (YAML is a superset of JSON); throws InputFileError naming the field. */
export function parseRecipe(file: string, text: string): Recipe {
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new InputFileError(
      file,
      '',
      `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${String(cause)}`,
    );
  }
  const input = canonicalRecipe(raw);
  const parsed = recipeSchema.safeParse(input);
  if (!parsed.success) throw zodToInputError(file, parsed.error, input);
  const r = parsed.data;
  const dependencies: Record<string, RecipeDependency> = {};
  for (const [name, dep] of Object.entries(r.ComponentDependencies ?? {})) {
    dependencies[name] = {
      versionRequirement: dep.VersionRequirement,
      dependencyType: dep.DependencyType ?? 'HARD',
    };
  }
  return {
    file,
    componentName: r.ComponentName,
    componentVersion: r.ComponentVersion,
    componentType: r.ComponentType,
    defaultConfiguration: structuredClone(r.ComponentConfiguration?.DefaultConfiguration ?? {}),
    dependencies,
    manifests: (r.Manifests ?? []).map((m) => ({
      platform: m.Platform ?? {},
      lifecycle: toLifecycle(m.Lifecycle),
      artifacts: (m.Artifacts ?? []).map((a) => ({ uri: a.URI, unarchive: a.Unarchive ?? 'NONE' })),
    })),
    lifecycle: toLifecycle(r.Lifecycle),
  };
}

function platformValueMatches(expected: string, actual: string): boolean {
  if (expected === '*' || expected === actual) return true;
  if (expected.length > 2 && expected.startsWith('/') && expected.endsWith('/')) {
    try {
      return new RegExp(expected.slice(1, -1)).test(actual);
    } catch {
      return false;
    }
  }
  return false;
}

/** True when a manifest's Platform matches the host; attributes the host lacks match only `*`. */
export function platformMatches(platform: Readonly<Record<string, string>>, host: HostPlatform): boolean {
  return Object.entries(platform).every(([key, expected]) => {
    if (key === 'os') return platformValueMatches(expected, host.os);
    if (key === 'architecture') return platformValueMatches(expected, host.architecture);
    return expected === '*';
  });
}

/** What the nucleus runs for a recipe on this host: the first matching manifest's lifecycle and artifacts. */
export interface ResolvedPlatform {
  readonly lifecycle: ComponentLifecycle;
  readonly artifacts: readonly RecipeArtifact[];
}

const EMPTY_LIFECYCLE: ComponentLifecycle = {
  setenv: {},
  bootstrap: undefined,
  install: undefined,
  startup: undefined,
  run: undefined,
  shutdown: undefined,
  recover: undefined,
};

/** The first manifest matching `host` (the catch-all goes last); throws when none matches, as a deployment fails. */
export function selectManifest(recipe: Recipe, host: HostPlatform): ResolvedPlatform {
  if (recipe.manifests.length === 0) {
    return { lifecycle: recipe.lifecycle ?? EMPTY_LIFECYCLE, artifacts: [] };
  }
  const manifest = recipe.manifests.find((m) => platformMatches(m.platform, host));
  if (manifest === undefined) {
    throw new InputFileError(
      recipe.file,
      'Manifests',
      `no manifest matches platform os=${host.os} architecture=${host.architecture}`,
    );
  }
  return {
    lifecycle: manifest.lifecycle ?? recipe.lifecycle ?? EMPTY_LIFECYCLE,
    artifacts: manifest.artifacts,
  };
}

/** Every recipe in `dir` (`*.yaml`, `*.yml`, `*.json`), keyed `name@version`; the first invalid one throws. */
export function loadRecipes(dir: string): Map<string, Recipe> {
  const recipes = new Map<string, Recipe>();
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (cause) {
    throw new InputFileError(dir, '', `cannot read the recipe folder: ${String(cause)}`);
  }
  for (const entry of entries) {
    if (!/\.(ya?ml|json)$/i.test(entry)) continue;
    const file = join(dir, entry);
    const recipe = parseRecipe(file, readFileSync(file, 'utf8'));
    const key = `${recipe.componentName}@${recipe.componentVersion}`;
    const existing = recipes.get(key);
    if (existing !== undefined) {
      throw new InputFileError(file, 'ComponentVersion', `${key} is also defined in ${existing.file}`);
    }
    recipes.set(key, recipe);
  }
  return recipes;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(/[.+-]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < 3; i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The recipe for `name` at `version`, or its highest version when `version` is undefined. */
export function findRecipe(
  recipes: ReadonlyMap<string, Recipe>,
  name: string,
  version: string | undefined,
): Recipe | undefined {
  if (version !== undefined) return recipes.get(`${name}@${version}`);
  let best: Recipe | undefined;
  for (const recipe of recipes.values()) {
    if (recipe.componentName !== name) continue;
    if (best === undefined || compareVersions(recipe.componentVersion, best.componentVersion) > 0)
      best = recipe;
  }
  return best;
}
