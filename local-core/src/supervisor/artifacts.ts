/**
 * Installs a component's artifacts as the nucleus lays them out: copies from the Greengrass CLI's
 * local layout `<artifacts>/<name>/<version>/<file>` to `<root>/packages/artifacts/<name>/<version>/`
 * and unpacks `Unarchive: ZIP` ones (fflate) into `<root>/packages/artifacts-unarchived/<name>/<version>/<zipBase>/`.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { unzipSync } from 'fflate';
import type { RecipeArtifact } from './recipe.ts';

export interface InstalledArtifacts {
  readonly artifactsPath: string;
  readonly decompressedPath: string;
}

/** The artifact's file name: the last segment of its URI (`s3://B/N/V/x.zip` → `x.zip`). */
export function artifactFileName(uri: string): string {
  const withoutQuery = uri.split('?')[0] ?? uri;
  return basename(withoutQuery);
}

/** Extracts a ZIP buffer into `target`, refusing entries that would escape it. */
export function unzipInto(zip: Uint8Array, target: string, zipName: string): void {
  const entries = unzipSync(zip);
  const root = resolve(target);
  for (const [name, data] of Object.entries(entries)) {
    const destination = resolve(root, name);
    if (destination !== root && !destination.startsWith(root + sep)) {
      throw new Error(`${zipName}: entry ${JSON.stringify(name)} points outside the unarchive folder`);
    }
    if (name.endsWith('/')) {
      mkdirSync(destination, { recursive: true });
      continue;
    }
    mkdirSync(dirname(destination), { recursive: true });
    writeFileSync(destination, data);
  }
}

/** Copies and unpacks the artifacts of one component version under `root`; throws naming a missing file. */
export function installArtifacts(
  root: string,
  artifactsDir: string,
  componentName: string,
  componentVersion: string,
  artifacts: readonly RecipeArtifact[],
): InstalledArtifacts {
  const artifactsPath = join(root, 'packages', 'artifacts', componentName, componentVersion);
  const decompressedPath = join(root, 'packages', 'artifacts-unarchived', componentName, componentVersion);
  mkdirSync(artifactsPath, { recursive: true });
  mkdirSync(decompressedPath, { recursive: true });
  for (const artifact of artifacts) {
    const file = artifactFileName(artifact.uri);
    const source = join(artifactsDir, componentName, componentVersion, file);
    if (!existsSync(source)) {
      throw new Error(
        `artifact ${artifact.uri} of ${componentName}@${componentVersion} not found at ${source}`,
      );
    }
    const installed = join(artifactsPath, file);
    copyFileSync(source, installed);
    if (artifact.unarchive === 'ZIP') {
      const target = join(decompressedPath, file.replace(/\.zip$/i, ''));
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target, { recursive: true });
      unzipInto(readFileSync(installed), target, source);
    }
  }
  return { artifactsPath, decompressedPath };
}
