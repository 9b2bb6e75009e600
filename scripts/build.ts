/**
 * Builds every component's Greengrass artifact from its shipping recipe: an esbuild CommonJS bundle of
 * components/<dir>/src/main.ts, aws-crt's native binaries for linux x64 and arm64 (plus the host's), any
 * wasm the bundle loads and native packages kept external, zipped as
 * build/artifacts/<ComponentName>/<ComponentVersion>/<dir>.zip — the layout local-core and the Greengrass
 * CLI's local deployments read.
 *
 *   tsx scripts/build.ts                          every recipe in recipes/
 *   tsx scripts/build.ts --component <Name>       one component
 *   tsx scripts/build.ts --component <Name> --gdk GDK custom build: greengrass-build/ in the CWD
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { zipSync } from 'fflate';
import { loadShippingRecipes, type ShippingRecipe } from './recipes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** aws-crt platform folders shipped in every artifact: the device targets (no 32-bit ARM binary exists). */
const DEVICE_CRT_PLATFORMS = ['linux-x64-glibc', 'linux-arm64-glibc'];

/**
 * Packages that cannot be bundled (native addons loaded through `bindings`), copied with their
 * dependencies into the artifact's node_modules/.
 */
const EXTERNAL_PACKAGES: Record<string, readonly string[]> = {
  'gpio-relay': ['onoff'],
};

/**
 * Runs before any bundled module: `import.meta.url` for code written as ESM, and the aws-crt binary
 * path when the recipe's Setenv did not choose one (laptops, other platforms).
 */
const BANNER = [
  'const __import_meta_url = require("node:url").pathToFileURL(__filename).href;',
  'if (!process.env.AWS_CRT_NODEJS_BINARY_RELATIVE_PATH && !process.env.AWS_CRT_NODEJS_BINARY_ABSOLUTE_PATH) {',
  '  const libc = process.platform === "linux" ? (process.report?.getReport?.().header?.glibcVersionRuntime ? "glibc" : "musl") : "cruntime";',
  '  process.env.AWS_CRT_NODEJS_BINARY_RELATIVE_PATH = "bin/" + process.platform + "-" + process.arch + "-" + libc + "/aws-crt-nodejs.node";',
  '}',
].join('\n');

/**
 * zod re-exports all of its ~40 locales as `z.locales`, which defeats tree-shaking (≈300 KB of a
 * bundle). Components only ever use English messages, which zod configures itself.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${sep}node_modules${sep}zod${sep}`)
        ? { path: resolve(args.resolveDir, args.path), namespace: 'zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/** The esbuild options every component bundle is built with (also used by the foundation benchmark). */
export function bundleOptions(entry: string, outfile: string, external: readonly string[] = []) {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external: [...external],
    define: { 'import.meta.url': '__import_meta_url' },
    banner: { js: BANNER },
    metafile: true,
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    plugins: [zodEnglishOnly],
    legalComments: 'none',
    logLevel: 'warning',
  } satisfies BuildOptions;
}

export interface BuiltArtifact {
  name: string;
  version: string;
  dir: string;
  zipPath: string;
  bundleBytes: number;
  zipBytes: number;
  ms: number;
}

/** Builds one component into `outArtifactsDir/<name>/<version>/<dir>.zip`. */
export async function buildComponent(
  recipe: ShippingRecipe,
  outArtifactsDir: string,
): Promise<BuiltArtifact> {
  const started = performance.now();
  // A private staging folder and an atomic rename keep concurrent builds (parallel test workers) apart.
  mkdirSync(join(ROOT, 'build'), { recursive: true });
  const stage = mkdtempSync(join(ROOT, 'build', `.stage-${recipe.dir}-`));

  const externals = EXTERNAL_PACKAGES[recipe.dir] ?? [];
  const result = await build(
    bundleOptions(
      join(ROOT, 'components', recipe.dir, 'src', 'main.ts'),
      join(stage, 'index.cjs'),
      externals,
    ),
  );

  for (const platform of crtPlatforms()) {
    const source = join(dirname(require.resolve('aws-crt/package.json')), 'dist', 'bin', platform);
    if (existsSync(source)) cpSync(source, join(stage, 'bin', platform), { recursive: true });
  }
  const inputs = Object.keys(result.metafile.inputs);
  if (inputs.some((input) => input.includes('node_modules/sql.js/'))) {
    cpSync(require.resolve('sql.js/dist/sql-wasm.wasm'), join(stage, 'sql-wasm.wasm'));
  }
  for (const name of externals) copyPackageWithDependencies(name, join(stage, 'node_modules'));

  // Native binaries barely compress; a light level keeps the build fast.
  const tree = Object.fromEntries(
    Object.entries(readTree(stage)).map(([path, data]) => [
      path,
      [data, { level: path.endsWith('.node') ? 1 : 6 }],
    ]),
  ) as Record<string, [Uint8Array, { level: 1 | 6 }]>;
  const zip = zipSync(tree);
  const zipDir = join(outArtifactsDir, recipe.name, recipe.version);
  mkdirSync(zipDir, { recursive: true });
  const zipPath = join(zipDir, `${recipe.dir}.zip`);
  writeFileSync(`${zipPath}.${process.pid}.tmp`, zip);
  renameSync(`${zipPath}.${process.pid}.tmp`, zipPath);
  const bundleBytes = statSync(join(stage, 'index.cjs')).size;
  rmSync(stage, { recursive: true, force: true });
  return {
    name: recipe.name,
    version: recipe.version,
    dir: recipe.dir,
    zipPath,
    bundleBytes,
    zipBytes: zip.byteLength,
    ms: performance.now() - started,
  };
}

/**
 * Builds every shipping component whose sources exist into `outArtifactsDir`, and local-core's bundle,
 * unless a stamp shows that nothing under components/, recipes/, scripts/ or local-core/ changed since.
 */
export async function buildAll(
  outArtifactsDir: string,
  options: { force?: boolean } = {},
): Promise<BuiltArtifact[]> {
  const stampFile = join(outArtifactsDir, '.stamp');
  const stamp = sourceStamp();
  if (!options.force && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return [];
  const built: BuiltArtifact[] = [];
  for (const recipe of loadShippingRecipes(join(ROOT, 'recipes'))) {
    if (!existsSync(join(ROOT, 'components', recipe.dir, 'src', 'main.ts'))) continue;
    built.push(await buildComponent(recipe, outArtifactsDir));
  }
  await buildLocalCore();
  mkdirSync(outArtifactsDir, { recursive: true });
  writeFileSync(stampFile, stamp);
  return built;
}

/** Newest modification time and file count of everything a build reads. */
function sourceStamp(): string {
  let newest = 0;
  let count = 0;
  for (const dir of ['components', 'recipes', 'scripts', 'local-core']) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      count++;
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return `${newest}:${count}`;
}

function crtPlatforms(): string[] {
  const libc = process.platform === 'linux' ? 'glibc' : 'cruntime';
  const host = `${process.platform}-${process.arch}-${libc}`;
  return [...new Set([...DEVICE_CRT_PLATFORMS, host])];
}

/** Copies an installed package and, recursively, its production dependencies. */
function copyPackageWithDependencies(name: string, into: string, seen = new Set<string>()): void {
  if (seen.has(name)) return;
  seen.add(name);
  const source = dirname(require.resolve(`${name}/package.json`));
  cpSync(source, join(into, name), { recursive: true, dereference: true });
  const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  for (const dependency of Object.keys(manifest.dependencies ?? {}))
    copyPackageWithDependencies(dependency, into, seen);
}

function readTree(dir: string): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[relative(dir, full).split('\\').join('/')] = readFileSync(full);
    }
  };
  walk(dir);
  return files;
}

/**
 * Bundles local-core's CLI for `npm start`: plain node runs it without the tsx loader in the process
 * (≈35 MB less RSS). Packages stay external and resolve from the repository's node_modules.
 */
export async function buildLocalCore(): Promise<string> {
  const outfile = join(ROOT, 'build', 'local-core', 'local-core.mjs');
  await build({
    entryPoints: [join(ROOT, 'local-core', 'src', 'cli.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    outfile,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return outfile;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      component: { type: 'string' },
      gdk: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const recipes = loadShippingRecipes(join(ROOT, 'recipes')).filter(
    (r) => values.component === undefined || r.name === values.component,
  );
  if (recipes.length === 0) throw new Error(`No recipe matches \`${values.component ?? '*'}\` in recipes/`);

  const outDir = values.gdk
    ? join(process.cwd(), 'greengrass-build', 'artifacts')
    : resolve(values.out ?? join(ROOT, 'build', 'artifacts'));
  const built: BuiltArtifact[] = [];
  for (const recipe of recipes) {
    if (!existsSync(join(ROOT, 'components', recipe.dir, 'src', 'main.ts'))) {
      console.warn(`skip ${recipe.name}: components/${recipe.dir}/src/main.ts does not exist yet`);
      continue;
    }
    built.push(await buildComponent(recipe, outDir));
    if (values.gdk) {
      const recipesOut = join(process.cwd(), 'greengrass-build', 'recipes');
      mkdirSync(recipesOut, { recursive: true });
      cpSync(recipe.file, join(recipesOut, `recipe${recipe.file.endsWith('.json') ? '.json' : '.yaml'}`));
    }
  }
  if (!values.gdk && values.component === undefined)
    console.log(`local-core → ${relative(ROOT, await buildLocalCore())}`);
  console.table(
    built.map((b) => ({
      component: b.name,
      version: b.version,
      'bundle KB': Math.round(b.bundleBytes / 1024),
      'zip MB': (b.zipBytes / 1024 / 1024).toFixed(1),
      ms: Math.round(b.ms),
    })),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
