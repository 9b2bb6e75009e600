/**
 * The Scraper from its shipping recipe and built artifact under the real local-core, with a peer
 * (test.ScraperProbe, real IPC client) that sends `matchday/scraper/run` and records what comes back.
 * The page is our card-shape fixture served as a relative `file:` URL from the component's work folder.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandResult, FixturesSnapshot } from '../../components/shared/contracts/index.ts';
import { type LocalCoreHandle, startLocalCore } from '../support/local-core-harness.ts';
import { FIXTURES, fixtureText } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRAPER = 'com.matchdayalert.Scraper';
const PROBE = 'test.ScraperProbe';
const THING = 'T1';
const PAGE = fixtureText('html/maker-match-card.html');
const REDESIGNED = PAGE.replaceAll('MkFootballMatchCard ', 'MkMatchTile ');
const SITE = {
  id: 'site',
  kind: 'html',
  url: 'file:feeds/kalender.html',
  enabled: true,
  profile: 'maker-match-card',
  teams: ['kaa-gent'],
  minRows: 1,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Scraper under local-core with the real IPC client', () => {
  let folder: string;
  let core: LocalCoreHandle;
  let scraperWork: string;
  let probeWork: string;
  let version: string;

  const events = () => {
    const file = join(probeWork, 'events.jsonl');
    return existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { topic: string; message: unknown })
      : [];
  };
  const snapshots = () =>
    events()
      .filter((e) => e.topic === 'matchday/fixtures')
      .map((e) => e.message as FixturesSnapshot);
  const results = () =>
    events()
      .filter((e) => e.topic === 'matchday/scraper/run/result')
      .map((e) => e.message as CommandResult);
  async function waitFor<T>(get: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = get();
      if (value !== undefined) return value;
      if (Date.now() > end)
        throw new Error(`${what} not seen within ${timeoutMs} ms:\n${core.output().slice(-3000)}`);
      await sleep(50);
    }
  }
  async function publish(topic: string, message: unknown): Promise<void> {
    const port = Number(readFileSync(join(probeWork, 'probe-port'), 'utf8'));
    const response = await fetch(`http://127.0.0.1:${port}/publish`, {
      method: 'POST',
      body: JSON.stringify({ topic, message }),
    });
    if (!response.ok) throw new Error(`probe: ${response.status} ${await response.text()}`);
  }
  const deployment = (merge: Record<string, unknown>) => ({
    things: [{ name: THING }],
    components: {
      [SCRAPER]: { componentVersion: version, configurationUpdate: { merge: JSON.stringify(merge) } },
      [PROBE]: { componentVersion: '1.0.0' },
    },
  });
  const scraperPid = async () =>
    ((await core.status()).things[THING]?.components[SCRAPER] as { pid?: number } | undefined)?.pid;

  beforeAll(async () => {
    version = /ComponentVersion:\s*"([^"]+)"/.exec(
      readFileSync(join(ROOT, 'recipes', `${SCRAPER}.yaml`), 'utf8'),
    )![1]!;
    const built = join(ROOT, 'build', 'artifacts', SCRAPER, version);
    if (!existsSync(join(built, 'scraper.zip')))
      throw new Error(`${built}/scraper.zip is missing: run \`npm run build\``);
    folder = mkdtempSync(join(tmpdir(), 'scraper-stack-'));
    const recipesDir = join(folder, 'recipes');
    const artifactsDir = join(folder, 'artifacts');
    mkdirSync(recipesDir, { recursive: true });
    cpSync(join(ROOT, 'recipes', `${SCRAPER}.yaml`), join(recipesDir, `${SCRAPER}.yaml`));
    cpSync(join(FIXTURES, 'local-core', 'recipes'), recipesDir, { recursive: true });
    cpSync(join(ROOT, 'build', 'artifacts', SCRAPER), join(artifactsDir, SCRAPER), { recursive: true });
    cpSync(join(FIXTURES, 'local-core', 'artifacts'), artifactsDir, { recursive: true });
    const root = join(folder, 'root');
    scraperWork = join(root, 'things', THING, 'work', SCRAPER);
    probeWork = join(root, 'things', THING, 'work', PROBE);
    mkdirSync(join(scraperWork, 'feeds'), { recursive: true });
    writeFileSync(join(scraperWork, 'feeds', 'kalender.html'), PAGE);
    core = await startLocalCore({
      recipesDir,
      artifactsDir,
      root,
      deployment: deployment({ sources: [SITE] }),
    });
    await core.waitFor((s) => {
      const c = s.things[THING]?.components ?? {};
      return c[SCRAPER]?.state === 'RUNNING' && c[PROBE]?.state === 'RUNNING';
    }, 60_000);
    await waitFor(() => (existsSync(join(probeWork, 'probe-port')) ? true : undefined), 'probe port');
    // RUNNING in local-core's status means the process runs; the core has subscribed once it logged this.
    const log = join(root, 'things', THING, 'logs', `${SCRAPER}.log`);
    await waitFor(
      () =>
        existsSync(log) && readFileSync(log, 'utf8').includes('"event":"component.started"')
          ? true
          : undefined,
      'Scraper started',
    );
  }, 120_000);

  afterAll(async () => {
    await core?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('publishes a snapshot on start', async () => {
    // The start-up scrape may run before the probe subscribes: read it from the Scraper's log.
    const log = join(folder, 'root', 'things', THING, 'logs', `${SCRAPER}.log`);
    const line = await waitFor(
      () =>
        existsSync(log)
          ? readFileSync(log, 'utf8')
              .split('\n')
              .find((l) => l.includes('"event":"scraper.snapshot.published"'))
          : undefined,
      'the start-up snapshot in the log',
    );
    expect(line).toContain('"ok":true');
    expect(line).toContain('"fixtures":8');
  });

  it('answers matchday/scraper/run with a fresh snapshot and an ok result', async () => {
    const before = snapshots().length;
    await publish('matchday/scraper/run', { id: 'run-1' });
    const result = await waitFor(() => results().find((r) => r.id === 'run-1'), 'result of run-1');
    expect(result).toEqual({ id: 'run-1', ok: true });
    const latest = snapshots().at(-1)!;
    expect(snapshots().length).toBeGreaterThan(before);
    expect(latest).toMatchObject({ ok: true, replayed: false, sources: [{ id: 'site', ok: true }] });
    expect(latest.fixtures.map((f) => f.key)).toContain('2026-27:jpl:kaa-gent:krc-genk#1');
    expect(latest.fixtures).toHaveLength(8);
  }, 60_000);

  it('answers an invalid run request with INVALID_ARGS', async () => {
    await publish('matchday/scraper/run', { id: 'run-bad', extra: 1 });
    const result = await waitFor(() => results().find((r) => r.id === 'run-bad'), 'result of run-bad');
    expect(result).toMatchObject({ id: 'run-bad', ok: false, error: { code: 'INVALID_ARGS' } });
  }, 60_000);

  it('takes a configuration-only profile fix after a redesign without a restart', async () => {
    writeFileSync(join(scraperWork, 'feeds', 'kalender.html'), REDESIGNED);
    await publish('matchday/scraper/run', { id: 'run-2' });
    const failed = await waitFor(() => results().find((r) => r.id === 'run-2'), 'result of run-2');
    expect(failed).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(snapshots().at(-1)).toMatchObject({
      ok: false,
      failureReason: 'source failed: site: parsed 0 rows, expected at least 1',
    });
    const pid = await scraperPid();
    const count = snapshots().length;
    await core.deploy(
      deployment({ sources: [SITE], profiles: { 'maker-match-card': { rowSelector: '.MkMatchTile' } } }),
    );
    const fixed = await waitFor(
      () =>
        snapshots()
          .slice(count)
          .find((s) => s.ok),
      'an ok snapshot after the configuration deploy',
    );
    expect(fixed.fixtures).toHaveLength(8);
    expect(await scraperPid()).toBe(pid);
  }, 90_000);
});
