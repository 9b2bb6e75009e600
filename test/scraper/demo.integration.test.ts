/**
 * The laptop demo configuration, exactly as handed to `npm start`: the demo feed written into the Scraper's
 * work folder and read through a relative `file:` URL, under the real local-core with the real IPC client.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixturesSnapshot } from '../../components/shared/contracts/index.ts';
import { DEMO_SCRAPER_CONFIG, demoFeed } from '../../scripts/demo-feed.ts';
import { type LocalCoreHandle, startLocalCore } from '../support/local-core-harness.ts';
import { FIXTURES } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRAPER = 'com.matchdayalert.Scraper';
const PROBE = 'test.ScraperProbe';
const THING = 'matchday-laptop';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the laptop demo configuration under local-core', () => {
  let folder: string;
  let core: LocalCoreHandle;
  let probeWork: string;
  let scraperLog: string;
  let kickoff: Date;

  const snapshots = (): FixturesSnapshot[] => {
    const file = join(probeWork, 'events.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { topic: string; message: FixturesSnapshot })
      .filter((e) => e.topic === 'matchday/fixtures')
      .map((e) => e.message);
  };

  beforeAll(async () => {
    const version = /ComponentVersion:\s*"([^"]+)"/.exec(
      readFileSync(join(ROOT, 'recipes', `${SCRAPER}.yaml`), 'utf8'),
    )![1]!;
    folder = mkdtempSync(join(tmpdir(), 'scraper-demo-'));
    const recipesDir = join(folder, 'recipes');
    const artifactsDir = join(folder, 'artifacts');
    mkdirSync(recipesDir, { recursive: true });
    cpSync(join(ROOT, 'recipes', `${SCRAPER}.yaml`), join(recipesDir, `${SCRAPER}.yaml`));
    cpSync(join(FIXTURES, 'local-core', 'recipes'), recipesDir, { recursive: true });
    cpSync(join(ROOT, 'build', 'artifacts', SCRAPER), join(artifactsDir, SCRAPER), { recursive: true });
    cpSync(join(FIXTURES, 'local-core', 'artifacts'), artifactsDir, { recursive: true });
    const root = join(folder, 'root');
    const scraperWork = join(root, 'things', THING, 'work', SCRAPER);
    probeWork = join(root, 'things', THING, 'work', PROBE);
    scraperLog = join(root, 'things', THING, 'logs', `${SCRAPER}.log`);
    mkdirSync(scraperWork, { recursive: true });
    const demo = demoFeed(Date.now(), 40);
    kickoff = demo.kickoff;
    writeFileSync(join(scraperWork, 'demo-feed.ics'), demo.text);
    core = await startLocalCore({
      recipesDir,
      artifactsDir,
      root,
      deployment: {
        things: [{ name: THING }],
        components: {
          [SCRAPER]: {
            componentVersion: version,
            configurationUpdate: { merge: JSON.stringify(DEMO_SCRAPER_CONFIG) },
          },
          [PROBE]: { componentVersion: '1.0.0' },
        },
      },
    });
  }, 120_000);

  afterAll(async () => {
    await core?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  async function until<T>(get: () => T | undefined, what: string): Promise<T> {
    const end = Date.now() + 60_000;
    for (;;) {
      const value = get();
      if (value !== undefined) return value;
      if (Date.now() > end)
        throw new Error(`${what} not seen; local-core said:\n${core.output().slice(-3000)}`);
      await sleep(100);
    }
  }

  it('publishes the demo home game about forty minutes ahead', async () => {
    // The start-up scrape may run before the probe subscribes: read it from the Scraper's log.
    const published = await until(
      () =>
        existsSync(scraperLog)
          ? readFileSync(scraperLog, 'utf8')
              .split('\n')
              .find((l) => l.includes('"event":"scraper.snapshot.published"'))
          : undefined,
      'the start-up snapshot in the log',
    );
    expect(published).toContain('"ok":true');
    expect(published).toContain('"fixtures":2');
    await until(() => (existsSync(join(probeWork, 'probe-port')) ? true : undefined), 'probe port');
    const port = Number(readFileSync(join(probeWork, 'probe-port'), 'utf8'));
    await fetch(`http://127.0.0.1:${port}/publish`, {
      method: 'POST',
      body: JSON.stringify({ topic: 'matchday/scraper/run', message: { id: 'demo-run' } }),
    });
    const ok = await until(() => snapshots().find((s) => s.ok), 'an ok snapshot on the bus');
    expect(ok.sources).toEqual([{ id: 'demo', ok: true, lastSuccess: ok.takenAt, consecutiveFailures: 0 }]);
    expect(ok.fixtures[0]).toMatchObject({
      key: expect.stringMatching(/^\d{4}-\d{2}:jpl:kaa-gent:krc-genk#1$/),
      kickoff: kickoff.toISOString(),
      kickoffConfirmed: true,
      venue: 'Planet Group Arena',
    });
    const minutesAhead = (Date.parse(ok.fixtures[0]!.kickoff!) - Date.parse(ok.takenAt)) / 60_000;
    expect(minutesAhead).toBeGreaterThan(35);
    expect(minutesAhead).toBeLessThanOrEqual(46);
  }, 90_000);
});
