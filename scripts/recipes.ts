/**
 * Reads the shipping recipes in recipes/ and what the build and the contract test need from them: name,
 * version, the artifact zip (whose base name is the component's folder under components/), default
 * configuration and accessControl.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const ARTIFACT_URI = /^s3:\/\/BUCKET_NAME\/COMPONENT_NAME\/COMPONENT_VERSION\/([a-z0-9-]+)\.zip$/;

const Recipe = z.looseObject({
  RecipeFormatVersion: z.literal('2020-01-25'),
  ComponentName: z.string().regex(/^com\.matchdayalert\.[A-Z][A-Za-z]+$/),
  ComponentVersion: z.string().regex(/^\d+\.\d+\.\d+$/),
  ComponentDescription: z.string().min(1),
  ComponentPublisher: z.string().min(1),
  ComponentConfiguration: z.looseObject({ DefaultConfiguration: z.record(z.string(), z.unknown()) }),
  Manifests: z
    .array(
      z.looseObject({
        Platform: z.looseObject({ os: z.string() }),
        Lifecycle: z.record(z.string(), z.unknown()),
        Artifacts: z.array(z.looseObject({ URI: z.string(), Unarchive: z.literal('ZIP') })).min(1),
      }),
    )
    .min(1),
});
export type Recipe = z.infer<typeof Recipe>;

export interface ShippingRecipe {
  file: string;
  name: string;
  version: string;
  /** The component's folder under components/ and its artifact's zip base name. */
  dir: string;
  recipe: Recipe;
  defaultConfiguration: Record<string, unknown>;
}

/** Parses a recipe file (YAML or JSON) and checks the shape every shipping recipe must have. */
export function loadShippingRecipe(file: string): ShippingRecipe {
  const text = readFileSync(file, 'utf8');
  const raw: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  const parsed = Recipe.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: \`${issue?.path.join('.') ?? ''}\` ${issue?.message ?? 'is invalid'}`);
  }
  const recipe = parsed.data;
  const dirs = new Set<string>();
  for (const manifest of recipe.Manifests) {
    for (const artifact of manifest.Artifacts) {
      const match = ARTIFACT_URI.exec(artifact.URI);
      if (!match) throw new Error(`${file}: artifact URI \`${artifact.URI}\` is not in the GDK form`);
      dirs.add(match[1]!);
    }
  }
  if (dirs.size !== 1) throw new Error(`${file}: expected one artifact zip, found ${[...dirs].join(', ')}`);
  return {
    file,
    name: recipe.ComponentName,
    version: recipe.ComponentVersion,
    dir: [...dirs][0]!,
    recipe,
    defaultConfiguration: recipe.ComponentConfiguration.DefaultConfiguration,
  };
}

/** Every recipe in `dir`, sorted by component name. */
export function loadShippingRecipes(dir: string): ShippingRecipe[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml') || f.endsWith('.json'))
    .map((f) => loadShippingRecipe(join(dir, f)))
    .sort((a, b) => a.name.localeCompare(b.name));
}
