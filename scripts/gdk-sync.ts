/**
 * GDK handles one component per project, so each component folder is its own GDK project. This writes
 * components/<dir>/gdk-config.json from the shared template in the root gdk-config.json (author, build
 * command, publish bucket and region) with the recipe's name and version, and links
 * components/<dir>/recipe.yaml to the shipping recipe. `npm run gdk:sync` after changing a recipe's
 * version; the contract test fails while they disagree.
 */
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadShippingRecipes } from './recipes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const template = JSON.parse(readFileSync(join(ROOT, 'gdk-config.json'), 'utf8')) as {
  component: Record<string, Record<string, unknown>>;
  gdk_version: string;
};
const shared = Object.values(template.component)[0]!;

for (const recipe of loadShippingRecipes(join(ROOT, 'recipes'))) {
  const folder = join(ROOT, 'components', recipe.dir);
  if (!existsSync(folder)) continue;
  const entry = structuredClone(shared) as { version: string; build: { custom_build_command: string[] } };
  entry.version = recipe.version;
  entry.build.custom_build_command = entry.build.custom_build_command.map((a) =>
    a === 'COMPONENT_NAME' ? recipe.name : a,
  );
  const config = { component: { [recipe.name]: entry }, gdk_version: template.gdk_version };
  writeFileSync(join(folder, 'gdk-config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const link = join(folder, 'recipe.yaml');
  rmSync(link, { force: true });
  symlinkSync(relative(folder, recipe.file), link);
  console.log(`${recipe.name} ${recipe.version} → ${relative(ROOT, folder)}/gdk-config.json`);
}
