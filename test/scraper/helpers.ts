/** Shared helpers for the scraper tests: the recipe's default configuration, fixture files, a wired core. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseScraperConfig, type ScraperConfig } from '../../components/scraper/src/config.ts';
import { createScraper, type Scraper } from '../../components/scraper/src/scraper.ts';
import { type FixturesSnapshot, TOPICS } from '../../components/shared/contracts/index.ts';
import type { ComponentContext } from '../../components/shared/runtime/component.ts';
import {
  FakeClock,
  FakeLifecycle,
  InMemoryBus,
  MemoryFileSystem,
  RecordingLogger,
  RecordingMetrics,
} from '../fakes/index.ts';

export const FIXTURES = join(import.meta.dirname, '../fixtures/scraper');
export const RECIPE = join(import.meta.dirname, '../../recipes/com.matchdayalert.Scraper.yaml');

/** A fixture file's text (`ics/...`, `html/...`, `json/...`). */
export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** The recipe's DefaultConfiguration without `accessControl` (the runtime strips it), as plain JSON. */
export function recipeDefaults(): Record<string, unknown> {
  const recipe = parse(readFileSync(RECIPE, 'utf8')) as {
    ComponentConfiguration: { DefaultConfiguration: Record<string, unknown> };
  };
  const { accessControl: _ignored, ...rest } = recipe.ComponentConfiguration.DefaultConfiguration;
  return structuredClone(rest);
}

/** The default configuration with its sources replaced, and any other top-level keys changed. */
export function configWith(sources: unknown[], changes: Record<string, unknown> = {}): ScraperConfig {
  return parseScraperConfig({ ...recipeDefaults(), ...changes, sources });
}

/** An iCalendar source reading a `file:` URL. */
export function icsSource(
  id: string,
  url: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    kind: 'ics',
    url,
    enabled: true,
    teams: ['kaa-gent'],
    minRows: 1,
    titleFormat: 'auto',
    locationIsVenue: true,
    ...extra,
  };
}

export const WORK = '/work/com.matchdayalert.Scraper';

/** A scraper core on fakes; `fs` serves `file:` sources from `WORK`. */
export function wiredScraper(config: ScraperConfig, start: string, fs = new MemoryFileSystem()) {
  const bus = new InMemoryBus();
  const clock = new FakeClock(start);
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  const unused = () => {
    throw new Error('not used by the scraper');
  };
  const ctx: ComponentContext<ScraperConfig> = {
    config,
    pubsub: bus.endpoint('scraper'),
    iotCore: { publish: unused, subscribe: unused },
    shadows: { get: unused, update: unused, delete: unused },
    lifecycle: new FakeLifecycle(),
    clock,
    logger,
    metrics,
    fs,
    workDir: WORK,
    thingName: 'test-thing',
  };
  const scraper: Scraper = createScraper(ctx);
  const snapshots = () => bus.messages<FixturesSnapshot>(TOPICS.fixtures.name);
  return { bus, clock, logger, metrics, fs, scraper, snapshots, ctx };
}

/** Puts a fixture file into the fake file system under the work folder. */
export function serveFile(fs: MemoryFileSystem, name: string, text: string): void {
  fs.files.set(join(WORK, name), new TextEncoder().encode(text));
}
