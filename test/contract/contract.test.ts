/**
 * The project's hassfest: recipes ⇄ topics ⇄ configuration ⇄ import boundaries. Each rule here is one a
 * device would otherwise break at run time (an IPC call denied, a default that fails its own schema, a
 * component reaching into another's room).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMPONENTS, type ComponentKey, TOPICS } from '../../components/shared/contracts/index.ts';
import { loadShippingRecipes, type ShippingRecipe } from '../../scripts/recipes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const recipes = loadShippingRecipes(join(ROOT, 'recipes'));
const keyOf = (name: string): ComponentKey | undefined =>
  (Object.keys(COMPONENTS) as ComponentKey[]).find((k) => COMPONENTS[k] === name);

type Grant = { service: string; policyId: string; operation: string; resource: string };

function grantsOf(recipe: ShippingRecipe): Grant[] {
  const accessControl = (recipe.defaultConfiguration.accessControl ?? {}) as Record<
    string,
    Record<string, { operations?: string[]; resources?: string[] }>
  >;
  return Object.entries(accessControl).flatMap(([service, policies]) =>
    Object.entries(policies).flatMap(([policyId, policy]) =>
      (policy.operations ?? []).flatMap((operation) =>
        (policy.resources ?? []).map((resource) => ({ service, policyId, operation, resource })),
      ),
    ),
  );
}

function pubsubTopics(recipe: ShippingRecipe, operation: 'PublishToTopic' | 'SubscribeToTopic'): string[] {
  return grantsOf(recipe)
    .filter((g) => g.service === 'aws.greengrass.ipc.pubsub' && g.operation === `aws.greengrass#${operation}`)
    .map((g) => g.resource)
    .filter((r) => !r.startsWith('$aws/things/'))
    .sort();
}

function expectedTopics(key: ComponentKey, role: 'publishers' | 'subscribers'): string[] {
  return Object.values(TOPICS)
    .filter((t) => (t[role] as readonly string[]).includes(key))
    .map((t) => t.name)
    .sort();
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)].map(
    (m) => m[1]!,
  );
  const dynamic = [...text.matchAll(/(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  return [...specifiers, ...dynamic];
}

const componentDirs = readdirSync(join(ROOT, 'components'), { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== 'shared')
  .map((e) => e.name);

describe('recipes', () => {
  it('ships one recipe for every component the contracts name', () => {
    expect(recipes.map((r) => r.name).sort()).toEqual(Object.values(COMPONENTS).sort());
  });

  it('uses policy ids that are unique across every component', () => {
    const ids = recipes.flatMap((r) => [...new Set(grantsOf(r).map((g) => `${g.service}/${g.policyId}`))]);
    expect(ids.length).toBe(new Set(ids).size);
    for (const r of recipes)
      for (const g of grantsOf(r)) expect(g.policyId.startsWith(`${r.name}:`)).toBe(true);
  });

  it('never grants a wildcard operation or resource', () => {
    for (const r of recipes) {
      for (const g of grantsOf(r)) {
        expect(g.operation, `${r.name} ${g.policyId}`).not.toBe('*');
        expect(g.resource, `${r.name} ${g.policyId}`).not.toMatch(/(^|\/)\*($|\/)|^[#+]$/);
      }
    }
  });

  it('has a manifest for linux aarch64 and amd64 that runs the bundled artifact', () => {
    for (const r of recipes) {
      const linux = r.recipe.Manifests.filter((m) => m.Platform.os === 'linux').map(
        (m) => m.Platform.architecture,
      );
      expect(linux, r.name).toEqual(expect.arrayContaining(['aarch64', 'amd64']));
      for (const m of r.recipe.Manifests) {
        // `exec` makes node the process the nucleus signals, so SIGTERM reaches the component's own stop.
        expect(m.Lifecycle.Run ?? m.Lifecycle.Startup, r.name).toMatch(
          new RegExp(
            `^exec node( --[a-z-]+(=\\S+)?)* \\{artifacts:decompressedPath\\}/${r.dir}/index\\.cjs$`,
          ),
        );
      }
    }
  });

  for (const recipe of recipes) {
    const key = keyOf(recipe.name);

    describe(recipe.name, () => {
      it('names a component of the contracts and a folder under components/', () => {
        expect(key).toBeDefined();
        expect(componentDirs).toContain(recipe.dir);
      });

      it('has a DefaultConfiguration that its own config schema accepts', async () => {
        const module = (await import(join(ROOT, 'components', recipe.dir, 'src', 'config.ts'))) as Record<
          string,
          unknown
        >;
        const parsers = Object.entries(module).filter(
          ([name, v]) => /^parse\w+Config$/.test(name) && typeof v === 'function',
        );
        expect(parsers).toHaveLength(1);
        const { accessControl: _, ...config } = recipe.defaultConfiguration;
        expect(() => (parsers[0]![1] as (raw: unknown) => unknown)(config)).not.toThrow();
      });

      it('may publish exactly the local topics the contracts say it publishes', () => {
        expect(pubsubTopics(recipe, 'PublishToTopic')).toEqual(expectedTopics(key!, 'publishers'));
      });

      it('may subscribe to exactly the local topics the contracts say it consumes', () => {
        expect(pubsubTopics(recipe, 'SubscribeToTopic')).toEqual(expectedTopics(key!, 'subscribers'));
      });

      it('scopes every per-thing resource to its own thing with {iot:thingName}', () => {
        for (const g of grantsOf(recipe)) {
          if (g.resource.startsWith('$aws/things/'))
            expect(g.resource).toMatch(/^\$aws\/things\/\{iot:thingName\}\//);
        }
      });
    });
  }
});

describe('topics', () => {
  it('are never consumed by a component that publishes them (typed subscriptions skip own messages)', () => {
    for (const topic of Object.values(TOPICS)) {
      const both = topic.publishers.filter((p) => (topic.subscribers as readonly string[]).includes(p));
      expect(both, topic.name).toEqual([]);
    }
  });
});

describe('request topics', () => {
  const requests = Object.values(TOPICS).filter((t) => t.kind === 'request');

  it('are each answered by exactly one component, which may also publish the result', () => {
    for (const topic of requests) {
      const answering = recipes.filter((r) => pubsubTopics(r, 'SubscribeToTopic').includes(topic.name));
      expect(
        answering.map((r) => keyOf(r.name)),
        topic.name,
      ).toEqual([topic.answeredBy]);
      expect(pubsubTopics(answering[0]!, 'PublishToTopic'), topic.name).toContain(topic.resultTopic);
    }
  });
});

describe('import boundaries', () => {
  it('keeps every component out of every other component', () => {
    for (const dir of componentDirs) {
      for (const file of sourceFiles(join(ROOT, 'components', dir))) {
        for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) {
          const target = relative(join(ROOT, 'components'), resolve(dirname(file), spec)).split(sep)[0];
          expect([dir, 'shared'], `${relative(ROOT, file)} imports ${spec}`).toContain(target);
        }
      }
    }
  });

  it('lets only components/shared/greengrass import the Greengrass IPC SDK', () => {
    for (const file of sourceFiles(join(ROOT, 'components'))) {
      const usesSdk = importsOf(file).some((s) => s === 'aws-iot-device-sdk-v2' || s.startsWith('aws-crt'));
      if (usesSdk) expect(relative(ROOT, file)).toMatch(/^components\/shared\/greengrass\//);
    }
  });

  it('lets only gpio-relay touch GPIO and only the scheduler open the event store', () => {
    for (const file of sourceFiles(join(ROOT, 'components'))) {
      const specs = importsOf(file);
      if (specs.includes('onoff')) expect(relative(ROOT, file)).toMatch(/^components\/gpio-relay\//);
      if (specs.includes('sql.js')) expect(relative(ROOT, file)).toMatch(/^components\/scheduler\//);
    }
  });

  it('keeps the shared module free of component code', () => {
    for (const file of sourceFiles(join(ROOT, 'components', 'shared'))) {
      for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) {
        const target = relative(join(ROOT, 'components'), resolve(dirname(file), spec)).split(sep)[0];
        expect(target, `${relative(ROOT, file)} imports ${spec}`).toBe('shared');
      }
    }
  });
});

describe('GDK projects', () => {
  const shared = JSON.parse(readFileSync(join(ROOT, 'gdk-config.json'), 'utf8')) as {
    component: Record<string, { author: string; publish: unknown }>;
  };

  for (const recipe of recipes) {
    it(`builds and publishes ${recipe.name} from its own folder with the shared settings`, () => {
      const folder = join(ROOT, 'components', recipe.dir);
      const config = JSON.parse(readFileSync(join(folder, 'gdk-config.json'), 'utf8')) as {
        component: Record<
          string,
          { author: string; version: string; build: { build_system: string }; publish: unknown }
        >;
      };
      expect(Object.keys(config.component)).toEqual([recipe.name]);
      const entry = config.component[recipe.name]!;
      const template = Object.values(shared.component)[0]!;
      expect(entry.author).toBe(template.author);
      expect(entry.publish).toEqual(template.publish);
      expect(entry.version).toBe(recipe.version);
      expect(entry.build.build_system).toBe('custom');
      expect(readFileSync(join(folder, 'recipe.yaml'), 'utf8')).toBe(readFileSync(recipe.file, 'utf8'));
    });
  }
});
