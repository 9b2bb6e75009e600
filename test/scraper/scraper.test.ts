/** The scraper core on fakes: snapshots, safety rules, persistence, the run command, timing and merging. */
import { describe, expect, it } from 'vitest';
import { type FixturesSnapshot, TOPICS } from '../../components/shared/contracts/index.ts';
import { MemoryFileSystem } from '../fakes/index.ts';
import {
  configWith,
  fixtureText,
  icsSource,
  recipeDefaults,
  serveFile,
  WORK,
  wiredScraper,
} from './helpers.ts';

/** An iCalendar feed written by us: one VEVENT per [summary, dtstart, extra lines]. */
function feed(events: [string, string, ...string[]][]): string {
  const body = events.flatMap(([summary, start, ...extra]) => [
    'BEGIN:VEVENT',
    `DTSTART:${start}`,
    `SUMMARY:${summary}`,
    ...extra,
    'END:VEVENT',
  ]);
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//matchday-alert tests//EN',
    ...body,
    'END:VCALENDAR',
  ].join('\r\n');
}

const GENK = feed([['Jupiler Pro League - KAA Gent - KRC Genk', '20261003T184500Z']]);
const oneSource = () => configWith([icsSource('club', 'file:club.ics')]);
const results = (bus: { messages<T>(t: string): T[] }) => bus.messages(TOPICS.scraperRunResult.name);

describe('snapshots', () => {
  it('publishes an ok snapshot with source health and the home games', async () => {
    const { scraper, fs, snapshots } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(fs, 'club.ics', GENK);
    await scraper.scrapeNow();
    expect(snapshots()).toHaveLength(1);
    expect(snapshots()[0]).toMatchObject({
      takenAt: '2026-09-01T08:00:00.000Z',
      ok: true,
      replayed: false,
      sources: [{ id: 'club', ok: true, lastSuccess: '2026-09-01T08:00:00.000Z', consecutiveFailures: 0 }],
      fixtures: [{ key: '2026-27:jpl:kaa-gent:krc-genk#1', kickoff: '2026-10-03T18:45:00.000Z' }],
    });
  });

  it('fails the snapshot when a source fails, keeping its last success and counting failures', async () => {
    const { scraper, fs, clock, metrics } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(fs, 'club.ics', GENK);
    await scraper.scrapeNow();
    fs.files.clear();
    await clock.advance(3_600_000);
    const failed = await scraper.scrapeNow();
    const again = await scraper.scrapeNow();
    expect(failed).toMatchObject({
      ok: false,
      failureReason: expect.stringMatching(/^source failed: club: File not found/),
    });
    expect(again.sources).toEqual([
      {
        id: 'club',
        ok: false,
        lastSuccess: '2026-09-01T08:00:00.000Z',
        lastError: expect.stringMatching(/File not found/),
        consecutiveFailures: 2,
      },
    ]);
    expect(metrics.total('ScrapeFailures')).toBe(2);
  });

  it('fails the snapshot when a page parses nothing (a redesign), not as "no games"', async () => {
    const config = configWith([
      {
        id: 'site',
        kind: 'html',
        url: 'file:site.html',
        enabled: true,
        profile: 'maker-match-card',
        teams: ['kaa-gent'],
        minRows: 1,
      },
    ]);
    const { scraper, fs } = wiredScraper(config, '2026-09-01T08:00:00Z');
    serveFile(fs, 'site.html', '<html><body><div class="NewMatchTile">KAA Gent - Genk</div></body></html>');
    expect(await scraper.scrapeNow()).toMatchObject({
      ok: false,
      failureReason: 'source failed: site: parsed 0 rows, expected at least 1',
      fixtures: [],
    });
  });

  it('keeps a snapshot ok when rows were parsed but none is a home game (off-season, away games only)', async () => {
    const { scraper, fs } = wiredScraper(oneSource(), '2026-06-01T08:00:00Z');
    serveFile(fs, 'club.ics', feed([['KRC Genk - KAA Gent', '20260801T184500Z']]));
    expect(await scraper.scrapeNow()).toMatchObject({ ok: true, fixtures: [] });
  });

  it('fails the snapshot when unreadable rows pass the threshold', async () => {
    const { scraper, fs } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(
      fs,
      'club.ics',
      feed([
        ['KAA Gent - KRC Genk', '20261003T184500Z'],
        ['Training', '20261004T080000Z'],
        ['Open day', '20261005T080000Z'],
      ]),
    );
    const snapshot = await scraper.scrapeNow();
    expect(snapshot.ok).toBe(false);
    expect(snapshot.failureReason).toMatch(/2 of 3 rows unreadable, more than 20%/);
  });

  it('fails the snapshot when the feed is not iCalendar at all', async () => {
    const { scraper, fs } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(fs, 'club.ics', '<html>maintenance</html>');
    expect((await scraper.scrapeNow()).failureReason).toMatch(/Expected an iCalendar document/);
  });
});

describe('the last good snapshot on disk', () => {
  it('is written durably after an ok snapshot (temp file, rename, folder sync)', async () => {
    const { scraper, fs } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(fs, 'club.ics', GENK);
    await scraper.scrapeNow();
    expect(fs.calls.filter((c) => c.op !== 'mkdirp')).toEqual([
      { op: 'write', path: `${WORK}/scraper-state.json.tmp` },
      { op: 'rename', from: `${WORK}/scraper-state.json.tmp`, to: `${WORK}/scraper-state.json` },
      { op: 'syncDir', path: WORK },
    ]);
  });

  it('is on disk before the snapshot is published, so a later replay is never older than it', async () => {
    const { scraper, fs, bus } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(fs, 'club.ics', GENK);
    const onDiskWhenPublished: unknown[] = [];
    await bus.endpoint('scheduler').subscribeRaw(TOPICS.fixtures.name, () => {
      const bytes = fs.files.get(`${WORK}/scraper-state.json`);
      onDiskWhenPublished.push(bytes && JSON.parse(new TextDecoder().decode(bytes)).snapshot.snapshotId);
    });
    const good = await scraper.scrapeNow();
    await bus.settle();
    expect(onDiskWhenPublished).toEqual([good.snapshotId]);
  });

  it('is not replaced by a failed snapshot', async () => {
    const { scraper, fs } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(fs, 'club.ics', GENK);
    const good = await scraper.scrapeNow();
    serveFile(fs, 'club.ics', 'garbage');
    await scraper.scrapeNow();
    const stored = JSON.parse(new TextDecoder().decode(fs.files.get(`${WORK}/scraper-state.json`)));
    expect(stored.snapshot.snapshotId).toBe(good.snapshotId);
  });

  it('is republished at start with replayed: true before a fresh scrape', async () => {
    const fs = new MemoryFileSystem();
    const first = wiredScraper(oneSource(), '2026-09-01T08:00:00Z', fs);
    serveFile(fs, 'club.ics', GENK);
    const good = await first.scraper.scrapeNow();
    fs.files.delete(`${WORK}/club.ics`); // offline after the restart
    const second = wiredScraper(oneSource(), '2026-09-01T09:00:00Z', fs);
    await second.scraper.start();
    await second.bus.settle();
    const [replayed, fresh] = second.snapshots();
    expect(replayed).toEqual({ ...good, replayed: true });
    expect(fresh).toMatchObject({ ok: false, replayed: false });
    await second.scraper.stop();
  });

  it('is ignored with a warning when unreadable', async () => {
    const fs = new MemoryFileSystem();
    fs.files.set(`${WORK}/scraper-state.json`, new TextEncoder().encode('{"version":1,'));
    const { scraper, snapshots, logger, bus } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z', fs);
    serveFile(fs, 'club.ics', GENK);
    await scraper.start();
    await bus.settle();
    expect(snapshots().map((s) => s.replayed)).toEqual([false]);
    expect(logger.events()).toContain('scraper.state.unreadable');
    await scraper.stop();
  });
});

describe('when it scrapes', () => {
  it('scrapes on start and then every configured interval', async () => {
    const config = configWith([icsSource('club', 'file:club.ics')], { scrapeIntervalMinutes: 30 });
    const { scraper, fs, clock, snapshots, bus } = wiredScraper(config, '2026-09-01T08:00:00Z');
    serveFile(fs, 'club.ics', GENK);
    await scraper.start();
    await bus.settle();
    await clock.advance(29 * 60_000);
    expect(snapshots()).toHaveLength(1);
    await clock.advance(60_000);
    await bus.settle();
    await clock.advance(30 * 60_000);
    await bus.settle();
    expect(snapshots().map((s) => s.takenAt)).toEqual([
      '2026-09-01T08:00:00.000Z',
      '2026-09-01T08:30:00.000Z',
      '2026-09-01T09:00:00.000Z',
    ]);
    await scraper.stop();
    await clock.advance(60 * 60_000);
    expect(snapshots()).toHaveLength(3);
  });

  it('answers matchday/scraper/run with a snapshot and an ok result', async () => {
    const { scraper, fs, bus, snapshots } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(fs, 'club.ics', GENK);
    await scraper.start();
    await bus.settle();
    await bus.endpoint('jobHandler').publish(TOPICS.scraperRun, { id: 'job-1' });
    await bus.settle();
    expect(snapshots()).toHaveLength(2);
    expect(results(bus)).toEqual([{ id: 'job-1', ok: true }]);
    await scraper.stop();
  });

  it('answers a run whose scrape failed with ok: false and the reason', async () => {
    const { scraper, bus } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    await scraper.start();
    await bus.endpoint('jobHandler').publish(TOPICS.scraperRun, { id: 'job-2' });
    await bus.settle();
    expect(results(bus)).toEqual([
      {
        id: 'job-2',
        ok: false,
        error: { code: 'INTERNAL', message: expect.stringMatching(/^scrape failed: source failed: club/) },
      },
    ]);
    await scraper.stop();
  });

  it('answers an invalid run request with INVALID_ARGS and does not scrape for it', async () => {
    const { scraper, fs, bus, snapshots } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(fs, 'club.ics', GENK);
    await scraper.start();
    await bus.settle();
    await bus
      .endpoint('jobHandler')
      .publishRaw(TOPICS.scraperRun.name, { json: { id: 'job-3', force: true } });
    await bus.settle();
    expect(results(bus)).toEqual([
      {
        id: 'job-3',
        ok: false,
        error: { code: 'INVALID_ARGS', message: expect.stringContaining('force'), path: '(root)' },
      },
    ]);
    expect(snapshots()).toHaveLength(1);
    await scraper.stop();
  });

  it('applies a configuration-only profile fix in place and scrapes at once', async () => {
    const raw = recipeDefaults() as { profiles: Record<string, { rowSelector: string }> };
    const source = {
      id: 'site',
      kind: 'html',
      url: 'file:site.html',
      enabled: true,
      profile: 'maker-match-card',
      teams: ['kaa-gent'],
      minRows: 1,
    };
    const { scraper, fs, bus, snapshots } = wiredScraper(configWith([source]), '2026-09-01T08:00:00Z');
    serveFile(
      fs,
      'site.html',
      fixtureText('html/maker-match-card.html').replaceAll('MkFootballMatchCard ', 'MkMatchTile '),
    );
    await scraper.start();
    await bus.settle();
    const fixed = structuredClone(raw.profiles);
    fixed['maker-match-card']!.rowSelector = '.MkMatchTile';
    await scraper.reconfigure!(configWith([source], { profiles: fixed }));
    await bus.settle();
    expect(snapshots().map((s) => [s.ok, s.fixtures.length])).toEqual([
      [false, 0],
      [true, 8],
    ]);
    await scraper.stop();
  });
});

describe('merging sources and keeping keys', () => {
  it('merges the same game from two sources into one fixture: first source wins, gaps filled', async () => {
    const html = {
      id: 'site',
      kind: 'html',
      url: 'file:site.html',
      enabled: true,
      profile: 'kaagent-2012-table',
      teams: ['kaa-gent'],
      minRows: 1,
    };
    const config = configWith([html, icsSource('tv', 'file:tv.ics')]);
    const { scraper, fs } = wiredScraper(config, '2026-09-01T08:00:00Z');
    serveFile(
      fs,
      'site.html',
      '<div class="datatable"><ul><li><table><tr><td></td><td>KAA Gent</td><td>-</td><td>Betis</td><td></td><td>10/12/2026 -- : --</td></tr></table></li></ul></div>',
    );
    serveFile(
      fs,
      'tv.ics',
      feed([['Conference League - Gent - Real Betis', '20261210T174500Z', 'LOCATION:Planet Group Arena']]),
    );
    const snapshot = await scraper.scrapeNow();
    expect(snapshot.fixtures).toEqual([
      {
        key: '2026-27:uecl:kaa-gent:real-betis#1',
        competition: 'uecl',
        home: 'KAA Gent',
        away: 'Betis',
        venue: 'Planet Group Arena',
        kickoffDate: '2026-12-10',
        kickoff: '2026-12-10T17:45:00.000Z',
        kickoffConfirmed: true,
        status: 'scheduled',
        source: 'site',
      },
    ]);
  });

  it('keeps each ordinal with its game when the first meeting moves, matched by nearest date', async () => {
    const { scraper, fs, clock } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(
      fs,
      'club.ics',
      feed([
        ['Gent - Genk', '20261003T184500Z'],
        ['Gent - Genk', '20261212T194500Z'],
      ]),
    );
    const before = await scraper.scrapeNow();
    await clock.advance(86_400_000);
    serveFile(
      fs,
      'club.ics',
      feed([
        ['Gent - Genk', '20261212T194500Z'],
        ['Gent - Genk', '20261017T184500Z'],
      ]),
    );
    const after = await scraper.scrapeNow();
    const pairs = (s: FixturesSnapshot) => s.fixtures.map((f) => [f.key, f.kickoffDate]);
    expect(pairs(before)).toEqual([
      ['2026-27:unknown:kaa-gent:krc-genk#1', '2026-10-03'],
      ['2026-27:unknown:kaa-gent:krc-genk#2', '2026-12-12'],
    ]);
    expect(pairs(after)).toEqual([
      ['2026-27:unknown:kaa-gent:krc-genk#1', '2026-10-17'],
      ['2026-27:unknown:kaa-gent:krc-genk#2', '2026-12-12'],
    ]);
  });

  it('does not hand a played game’s ordinal to the other meeting when the played one vanishes', async () => {
    const { scraper, fs, clock } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(
      fs,
      'club.ics',
      feed([
        ['Gent - Genk', '20261003T184500Z'],
        ['Gent - Genk', '20261212T194500Z'],
      ]),
    );
    await scraper.scrapeNow();
    await clock.advanceTo('2026-10-05T08:00:00Z');
    serveFile(fs, 'club.ics', feed([['Gent - Genk', '20261212T194500Z']]));
    await scraper.scrapeNow();
    await clock.advance(86_400_000);
    serveFile(
      fs,
      'club.ics',
      feed([
        ['Gent - Genk', '20261212T194500Z'],
        ['Gent - Genk', '20270305T194500Z'],
      ]),
    );
    const later = await scraper.scrapeNow();
    expect(later.fixtures.map((f) => f.key)).toEqual([
      '2026-27:unknown:kaa-gent:krc-genk#2',
      '2026-27:unknown:kaa-gent:krc-genk#3',
    ]);
  });

  it('does not hand a played game’s ordinal to a new meeting that appears in the scrape it vanishes from', async () => {
    const { scraper, fs, clock } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(fs, 'club.ics', feed([['Gent - Genk', '20261003T184500Z']]));
    await scraper.scrapeNow();
    // Two days after the game (or after a stretch of failed scrapes) the list holds only a new meeting.
    await clock.advanceTo('2026-10-05T08:00:00Z');
    serveFile(fs, 'club.ics', feed([['Gent - Genk', '20270305T194500Z']]));
    const later = await scraper.scrapeNow();
    expect(later.fixtures.map((f) => [f.key, f.kickoffDate])).toEqual([
      ['2026-27:unknown:kaa-gent:krc-genk#2', '2027-03-05'],
    ]);
  });

  it('keeps the key of a postponed game whose old date has passed when it is given a new date', async () => {
    const { scraper, fs, clock } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(fs, 'club.ics', feed([['Gent - Genk (uitgesteld)', '20261003T184500Z']]));
    await scraper.scrapeNow();
    await clock.advanceTo('2026-10-05T08:00:00Z');
    serveFile(fs, 'club.ics', feed([['Gent - Genk', '20261028T194500Z']]));
    const later = await scraper.scrapeNow();
    expect(later.fixtures.map((f) => f.key)).toEqual(['2026-27:unknown:kaa-gent:krc-genk#1']);
  });

  it("gives a team's own calendar its own team id (Jong KAA Gent called plainly KAA Gent)", async () => {
    const config = configWith([
      icsSource('jong', 'file:jong.ics', { teams: ['jong-kaa-gent'], calendarOf: 'jong-kaa-gent' }),
    ]);
    const { scraper, fs } = wiredScraper(config, '2026-09-01T08:00:00Z');
    serveFile(fs, 'jong.ics', feed([['Challenger Pro League - KAA Gent - Lommel SK', '20261004T120000Z']]));
    const snapshot = await scraper.scrapeNow();
    expect(snapshot.fixtures.map((f) => f.key)).toEqual([
      '2026-27:challenger-pro-league:jong-kaa-gent:lommel-sk#1',
    ]);
  });

  it('does not count first-team games in a Jong KAA Gent source without calendarOf', async () => {
    const config = configWith([icsSource('jong', 'file:jong.ics', { teams: ['jong-kaa-gent'] })]);
    const { scraper, fs } = wiredScraper(config, '2026-09-01T08:00:00Z');
    serveFile(
      fs,
      'jong.ics',
      feed([
        ['KAA Gent - KRC Genk', '20261004T120000Z'],
        ['Jong KAA Gent - Lommel', '20261005T120000Z'],
      ]),
    );
    const snapshot = await scraper.scrapeNow();
    expect(snapshot.fixtures.map((f) => f.key)).toEqual(['2026-27:unknown:jong-kaa-gent:lommel-sk#1']);
  });
});

describe('source options', () => {
  it("ignores an ics LOCATION that is no venue when the source says so (the home team's name there)", async () => {
    const config = configWith([icsSource('club', 'file:club.ics', { locationIsVenue: false })]);
    const { scraper, fs } = wiredScraper(config, '2026-09-01T08:00:00Z');
    serveFile(fs, 'club.ics', feed([['KAA Gent - KRC Genk', '20261003T184500Z', 'LOCATION:KAA Gent']]));
    const snapshot = await scraper.scrapeNow();
    expect(snapshot.fixtures).toHaveLength(1);
    expect(snapshot.fixtures[0]!.venue).toBeUndefined();
  });

  it('leaves out an ics game whose LOCATION is a venue other than ours', async () => {
    const { scraper, fs } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(
      fs,
      'club.ics',
      feed([
        ['Beker van België - KAA Gent - Club Brugge', '20270501T160000Z', 'LOCATION:Koning Boudewijnstadion'],
      ]),
    );
    expect(await scraper.scrapeNow()).toMatchObject({ ok: true, fixtures: [] });
  });

  it("keeps a profile's default time as an unconfirmed kick-off", async () => {
    const raw = recipeDefaults() as { profiles: Record<string, { unconfirmedTimes: string[] }> };
    const profiles = structuredClone(raw.profiles);
    profiles['kaagent-2012-table']!.unconfirmedTimes = ['20:00'];
    const html = {
      id: 'site',
      kind: 'html',
      url: 'file:site.html',
      enabled: true,
      profile: 'kaagent-2012-table',
      teams: ['kaa-gent'],
      minRows: 1,
    };
    const { scraper, fs } = wiredScraper(configWith([html], { profiles }), '2012-07-15T10:00:00Z');
    serveFile(fs, 'site.html', fixtureText('html/kaagent-2012-table.html'));
    const snapshot = await scraper.scrapeNow();
    expect(snapshot.fixtures.slice(0, 2).map((f) => [f.away, f.kickoff, f.kickoffConfirmed])).toEqual([
      ['Bergen', '2012-07-28T18:00:00.000Z', false],
      ['Standard de Liège', '2012-08-18T12:30:00.000Z', true],
    ]);
  });
});

describe('hostile rows', () => {
  it('keeps keys short enough to be event ids when an opponent or competition name is absurdly long', async () => {
    const { scraper, fs } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    const long = 'Koninklijke Sportvereniging Zeer Lange Naam Die Nooit Eindigt Van Hier Tot Ginder';
    serveFile(fs, 'club.ics', feed([[`${long} Cup - KAA Gent - ${long}`, '20261003T184500Z']]));
    const snapshot = await scraper.scrapeNow();
    expect(snapshot.ok).toBe(true);
    expect(snapshot.fixtures[0]!.key.length).toBeLessThanOrEqual(100);
  });

  it('treats a title with a score but no team as an unreadable row, not as a fixture', async () => {
    const { scraper, fs } = wiredScraper(oneSource(), '2026-09-01T08:00:00Z');
    serveFile(
      fs,
      'club.ics',
      feed([
        ['KAA Gent - (2-1)', '20261003T184500Z'],
        ['KAA Gent - KRC Genk', '20261010T184500Z'],
        ['KAA Gent - Antwerp', '20261017T184500Z'],
        ['KAA Gent - Standard', '20261024T184500Z'],
        ['KAA Gent - Westerlo', '20261031T184500Z'],
      ]),
    );
    const snapshot = await scraper.scrapeNow();
    expect(snapshot.ok).toBe(true);
    expect(snapshot.fixtures.map((f) => f.away)).toEqual(['KRC Genk', 'Antwerp', 'Standard', 'Westerlo']);
  });
});
