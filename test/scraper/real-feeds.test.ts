/**
 * The real feeds in test/fixtures/scraper/ics (see its PROVENANCE.md), each scraped through the core with
 * the clock set to the moment the snapshot was taken.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { FixturesSnapshot } from '../../components/shared/contracts/index.ts';
import { configWith, fixtureText, icsSource, serveFile, wiredScraper } from './helpers.ts';

const GENT = [
  ['odoral-sportscalendars_gent_20250204T0138_386fb1c.ics', '2025-02-04T00:38:00Z'],
  ['odoral-sportscalendars_gent_20250205T0912_ad08a87.ics', '2025-02-05T08:12:00Z'],
  ['odoral-sportscalendars_gent_20250211T0511_76d996d.ics', '2025-02-11T04:11:00Z'],
  ['odoral-sportscalendars_gent_20250214T0511_f120bd6.ics', '2025-02-14T04:11:00Z'],
  ['odoral-sportscalendars_gent_20250218T0912_2ca901a.ics', '2025-02-18T08:12:00Z'],
] as const;

const BRUGGE = [
  ['odoral-sportscalendars_club_brugge_20260208T0619_f7cc17a.ics', '2026-02-08T05:19:00Z'],
  ['odoral-sportscalendars_club_brugge_20260209T0205_07c7f94.ics', '2026-02-09T01:05:00Z'],
] as const;

const gentConfig = () => configWith([icsSource('odoral-gent', 'file:feeds/team.ics')]);

/** Scrapes each snapshot in order with one core (so each sees the previous one), clock at its time. */
async function scrapeSeries(
  files: readonly (readonly [string, string])[],
  config = gentConfig(),
): Promise<FixturesSnapshot[]> {
  const { scraper, clock, fs } = wiredScraper(config, files[0]![1]);
  const out: FixturesSnapshot[] = [];
  for (const [file, at] of files) {
    await clock.advanceTo(at);
    serveFile(fs, 'feeds/team.ics', fixtureText(`ics/${file}`));
    out.push(await scraper.scrapeNow());
  }
  return out;
}

describe('the Gent 2025 snapshots (odoral, UEFA games on Spanish TV)', () => {
  it('give exactly one home game, Gent v Betis at 20:00Z, although the feed names no venue', async () => {
    const [first] = await scrapeSeries(GENT.slice(0, 1));
    expect(first!.ok).toBe(true);
    expect(first!.fixtures).toEqual([
      {
        key: '2024-25:uecl:kaa-gent:real-betis#1',
        competition: 'uecl',
        home: 'Gent',
        away: 'Betis',
        kickoffDate: '2025-02-13',
        kickoff: '2025-02-13T20:00:00.000Z',
        kickoffConfirmed: true,
        status: 'scheduled',
        source: 'odoral-gent',
      },
    ]);
  });

  it('puts the kick-off at 21:00 in Brussels (CET)', async () => {
    const [first] = await scrapeSeries(GENT.slice(0, 1));
    const local = DateTime.fromISO(first!.fixtures[0]!.kickoff!).setZone('Europe/Brussels');
    expect(local.toFormat('yyyy-MM-dd HH:mm')).toBe('2025-02-13 21:00');
  });

  it('keeps the same key in every snapshot that lists the game, despite new UIDs', async () => {
    const snapshots = await scrapeSeries(GENT.slice(0, 3));
    expect(snapshots.map((s) => s.fixtures.map((f) => f.key))).toEqual([
      ['2024-25:uecl:kaa-gent:real-betis#1'],
      ['2024-25:uecl:kaa-gent:real-betis#1'],
      ['2024-25:uecl:kaa-gent:real-betis#1'],
    ]);
  });

  it('gives the same key when each snapshot is read by a fresh core', async () => {
    const keys: string[] = [];
    for (const entry of GENT.slice(0, 3)) {
      const [snapshot] = await scrapeSeries([entry]);
      keys.push(snapshot!.fixtures[0]!.key);
    }
    expect(new Set(keys)).toEqual(new Set(['2024-25:uecl:kaa-gent:real-betis#1']));
  });

  it('leaves out the away leg at Betis', async () => {
    const snapshots = await scrapeSeries(GENT.slice(2, 3));
    expect(snapshots[0]!.fixtures.map((f) => f.away)).toEqual(['Betis']);
  });

  it('treats the game vanishing after it was played as an ok snapshot without it, not a cancellation', async () => {
    const snapshots = await scrapeSeries(GENT);
    const after = snapshots.slice(3);
    for (const s of after) {
      expect(s.ok).toBe(true);
      expect(s.fixtures).toEqual([]);
      expect(s.sources).toEqual([
        { id: 'odoral-gent', ok: true, lastSuccess: s.takenAt, consecutiveFailures: 0 },
      ]);
    }
  });
});

describe('the Club Brugge snapshots', () => {
  it('give no KAA Gent home game, in an ok snapshot (rows parsed, none ours)', async () => {
    const snapshots = await scrapeSeries(BRUGGE);
    for (const s of snapshots) {
      expect(s.ok).toBe(true);
      expect(s.fixtures).toEqual([]);
    }
  });

  it('with a Club Brugge profile, show one game that moved a day: same key, new date, same local time', async () => {
    const config = configWith(
      [icsSource('odoral-brugge', 'file:feeds/team.ics', { teams: ['club-brugge'] })],
      {
        home: { teams: { 'club-brugge': ['Club Brugge', 'Club Brugge KV'] }, venues: ['Jan Breydelstadion'] },
      },
    );
    const snapshots = await scrapeSeries(BRUGGE, config);
    const [before, after] = snapshots.map((s) => s.fixtures);
    expect(before).toHaveLength(1);
    expect(after).toHaveLength(1);
    expect(after![0]!.key).toBe(before![0]!.key);
    expect(before![0]!.key).toBe('2025-26:ucl:club-brugge:atletico-madrid#1');
    expect([before![0]!.kickoffDate, after![0]!.kickoffDate]).toEqual(['2026-02-17', '2026-02-18']);
    const local = (iso: string) => DateTime.fromISO(iso).setZone('Europe/Brussels').toFormat('HH:mm');
    expect([local(before![0]!.kickoff!), local(after![0]!.kickoff!)]).toEqual(['21:00', '21:00']);
  });
});

describe('the Málaga excerpt (fixtur.es) with a Málaga profile', () => {
  const malagaConfig = () =>
    configWith(
      [
        icsSource('fixtures-malaga', 'file:feeds/team.ics', {
          teams: ['malaga'],
          titleFormat: 'home-away',
          placeholder: { times: ['18:00', '20:00'], weekdays: [7], timeZone: 'UTC', batchToleranceHours: 48 },
        }),
      ],
      {
        timeZone: 'Europe/Madrid',
        home: {
          teams: { malaga: ['Malaga', 'Málaga', 'Málaga CF'] },
          venues: ['La Rosaleda', 'Estadio La Rosaleda'],
        },
      },
    );
  const takenAt = '2026-09-01T10:58:46Z';

  it('makes only the games at La Rosaleda home games', async () => {
    const [snapshot] = await scrapeSeries(
      [['fixtures-ics_malaga_20260901_EXCERPT.ics', takenAt]],
      malagaConfig(),
    );
    expect(snapshot!.ok).toBe(true);
    expect(snapshot!.fixtures.map((f) => [f.kickoffDate, f.away, f.venue])).toEqual([
      ['2026-09-06', 'Levante', 'La Rosaleda'],
      ['2026-09-17', 'Villarreal', 'La Rosaleda'],
      ['2026-10-11', 'Espanyol', 'La Rosaleda'],
      ['2026-10-18', 'Real Sociedad', 'La Rosaleda'],
      ['2026-11-08', 'Racing de Santander', 'La Rosaleda'],
    ]);
  });

  it('marks the home games from 2026-10-11 on as unconfirmed placeholders and the earlier ones as confirmed', async () => {
    const [snapshot] = await scrapeSeries(
      [['fixtures-ics_malaga_20260901_EXCERPT.ics', takenAt]],
      malagaConfig(),
    );
    expect(snapshot!.fixtures.map((f) => [f.kickoffDate, f.kickoffConfirmed])).toEqual([
      ['2026-09-06', true],
      ['2026-09-17', true],
      ['2026-10-11', false],
      ['2026-10-18', false],
      ['2026-11-08', false],
    ]);
  });
});
