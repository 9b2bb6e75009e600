/**
 * HTML site profiles on pages written by us in the 2012 kaagent.be table shape and the current card shape
 * (test/fixtures/scraper/html, each says so at its top), with the profiles shipped in the recipe.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { compileProfile, parseHtmlProfile } from '../../components/scraper/src/html-profile.ts';
import type { Fixture } from '../../components/shared/contracts/index.ts';
import { configWith, fixtureText, recipeDefaults, serveFile, wiredScraper } from './helpers.ts';

const siteSource = (profile: string) => ({
  id: 'kaagent',
  kind: 'html',
  url: 'file:pages/kalender.html',
  enabled: true,
  profile,
  teams: ['kaa-gent'],
  minRows: 1,
});

async function scrapePage(file: string, profile: string, at: string) {
  const { scraper, fs, logger } = wiredScraper(configWith([siteSource(profile)]), at);
  serveFile(fs, 'pages/kalender.html', fixtureText(`html/${file}`));
  return { snapshot: await scraper.scrapeNow(), logger };
}

const byAway = (fixtures: Fixture[], away: string) => fixtures.find((f) => f.away === away);
const local = (iso: string | undefined) =>
  DateTime.fromISO(iso!).setZone('Europe/Brussels').toFormat('HH:mm');

describe('the 2012 kaagent.be table shape', () => {
  const scrape = () => scrapePage('kaagent-2012-table.html', 'kaagent-2012-table', '2012-07-15T10:00:00Z');

  it('reads the home games and leaves out the away game', async () => {
    const { snapshot } = await scrape();
    expect(snapshot.ok).toBe(true);
    expect(snapshot.fixtures.map((f) => f.away)).toEqual([
      'Bergen',
      'Standard de Liège',
      'Moeskroen',
      'Lierse',
      '<script>alert(1)</script>Waasland',
      'Cercle Brugge',
      'Club Brugge',
      'Club Brugge',
    ]);
  });

  it('reads "20u00", "18u00" and "14:30" as Brussels wall times', async () => {
    const { snapshot } = await scrape();
    const f = snapshot.fixtures;
    expect([f[0]!.kickoff, f[1]!.kickoff, f[6]!.kickoff]).toEqual([
      '2012-07-28T18:00:00.000Z',
      '2012-08-18T12:30:00.000Z',
      '2012-11-04T17:00:00.000Z',
    ]);
  });

  it('keeps a "-- : --" kick-off as a date without a confirmed time', async () => {
    const { snapshot } = await scrape();
    const game = byAway(snapshot.fixtures, 'Moeskroen')!;
    expect(game).toMatchObject({ kickoffDate: '2012-09-22', kickoffConfirmed: false, home: 'AA Gent' });
    expect(game.kickoff).toBeUndefined();
  });

  it('maps Dutch exonyms and entities to canonical opponents', async () => {
    const { snapshot } = await scrape();
    expect(snapshot.fixtures.slice(0, 3).map((f) => f.key)).toEqual([
      '2012-13:unknown:kaa-gent:raec-mons#1',
      '2012-13:unknown:kaa-gent:standard-liege#1',
      '2012-13:unknown:kaa-gent:royal-excel-mouscron#1',
    ]);
  });

  it('drops script contents and keeps escaped markup as plain text', async () => {
    const { snapshot } = await scrape();
    expect(byAway(snapshot.fixtures, 'Lierse')).toBeDefined();
    expect(snapshot.fixtures.some((f) => f.away.includes('Hacked'))).toBe(false);
    expect(byAway(snapshot.fixtures, '<script>alert(1)</script>Waasland')?.key).toBe(
      '2012-13:unknown:kaa-gent:script-alert-1-script-waasland#1',
    );
  });

  it('reads a row with unclosed cells', async () => {
    const { snapshot } = await scrape();
    expect(byAway(snapshot.fixtures, 'Cercle Brugge')?.kickoff).toBe('2012-10-27T18:30:00.000Z');
  });

  it('gives the same pairing twice in a season two ordinals, in date order', async () => {
    const { snapshot } = await scrape();
    expect(
      snapshot.fixtures.filter((f) => f.away === 'Club Brugge').map((f) => [f.key, f.kickoffDate]),
    ).toEqual([
      ['2012-13:unknown:kaa-gent:club-brugge#1', '2012-11-04'],
      ['2012-13:unknown:kaa-gent:club-brugge#2', '2012-12-12'],
    ]);
  });

  it('logs the row without a date and stays under the error threshold', async () => {
    const { snapshot, logger } = await scrape();
    expect(snapshot.ok).toBe(true);
    expect(logger.entries.find((e) => e.event === 'scraper.source.issues')?.fields).toMatchObject({
      issues: 1,
      first: 'Expected a date like `dd/MM/yyyy` or `dd/MM/yy`, got `binnenkort`',
    });
  });
});

describe('the current card shape (MkFootballMatchCard)', () => {
  const scrape = () => scrapePage('maker-match-card.html', 'maker-match-card', '2026-09-01T08:00:00Z');

  it('reads home games at our venue with competition and venue', async () => {
    const { snapshot } = await scrape();
    expect(snapshot.ok).toBe(true);
    expect(snapshot.fixtures[0]).toEqual({
      key: '2026-27:jpl:kaa-gent:krc-genk#1',
      competition: 'jpl',
      home: 'KAA Gent',
      away: 'KRC Genk',
      venue: 'Planet Group Arena',
      kickoffDate: '2026-09-19',
      kickoff: '2026-09-19T18:45:00.000Z',
      kickoffConfirmed: true,
      status: 'scheduled',
      source: 'kaagent',
    });
  });

  it('leaves out the away game and the "home" cup final on neutral ground', async () => {
    const { snapshot } = await scrape();
    expect(snapshot.fixtures.map((f) => f.venue)).not.toContain('Koning Boudewijnstadion');
    expect(snapshot.fixtures.map((f) => f.venue)).not.toContain('Jan Breydelstadion');
    expect(snapshot.fixtures).toHaveLength(8);
  });

  it('counts the UEFA name "KAA Gent Stadium" as our venue', async () => {
    const { snapshot } = await scrape();
    expect(byAway(snapshot.fixtures, 'Real Betis')).toMatchObject({
      key: '2026-27:uecl:kaa-gent:real-betis#1',
      venue: 'KAA Gent Stadium',
    });
  });

  it('keeps "-- : --" as an unconfirmed kick-off', async () => {
    const { snapshot } = await scrape();
    const game = byAway(snapshot.fixtures, 'Royal Antwerp FC')!;
    expect([game.kickoffDate, game.kickoffConfirmed, game.kickoff]).toEqual(['2026-10-04', false, undefined]);
  });

  it('keeps 18:30 local on the autumn DST day and 14:30 local on the spring one', async () => {
    const { snapshot } = await scrape();
    const union = byAway(snapshot.fixtures, 'Union SG')!;
    const stvv = byAway(snapshot.fixtures, 'STVV')!;
    expect([union.kickoff, local(union.kickoff)]).toEqual(['2026-10-25T17:30:00.000Z', '18:30']);
    expect([stvv.kickoff, local(stvv.kickoff)]).toEqual(['2027-03-28T12:30:00.000Z', '14:30']);
  });

  it('marks a --status-warning card as postponed', async () => {
    const { snapshot } = await scrape();
    expect(byAway(snapshot.fixtures, 'OH Leuven')?.status).toBe('postponed');
  });

  it('keeps markup inside a team name as text and drops its script', async () => {
    const { snapshot } = await scrape();
    expect(byAway(snapshot.fixtures, 'KV Mechelen')).toMatchObject({
      key: '2026-27:jpl:kaa-gent:kv-mechelen#1',
      kickoff: '2026-11-21T19:45:00.000Z',
      venue: 'Planet Group Arena',
    });
  });

  it('reads a card with broken markup and decodes its entities to plain text', async () => {
    const { snapshot } = await scrape();
    expect(byAway(snapshot.fixtures, 'Standard de Liège & <b>co</b>')).toMatchObject({
      kickoff: '2026-12-05T17:15:00.000Z',
      venue: 'Planet Group Arena',
    });
  });
});

describe('profiles', () => {
  const raw = recipeDefaults() as { profiles: Record<string, Parameters<typeof compileProfile>[0]> };
  const card = compileProfile(raw.profiles['maker-match-card']!);
  const now = DateTime.fromISO('2026-12-20T12:00:00', { zone: 'Europe/Brussels' });

  it('takes the nearest year for a date written without one', () => {
    const html = `<article class="MkFootballMatchCard"><div class="MkFootballMatchCard--homeTeam"><span class="MkFootballMatchCard__teamName">KAA Gent</span></div><div class="MkFootballMatchCard--awayTeam"><span class="MkFootballMatchCard__teamName">Genk</span></div><span class="MkFootballMatchCard__date">zo 10 jan.</span><span class="MkFootballMatchCard__time">18u</span></article>`;
    const { rows } = parseHtmlProfile(html, card, 'Europe/Brussels', now);
    expect(rows[0]).toMatchObject({ kickoffDate: '2027-01-10', kickoff: '2027-01-10T17:00:00.000Z' });
  });

  it('fails the page when the row selector is not valid CSS', () => {
    const broken = compileProfile({ ...raw.profiles['maker-match-card']!, rowSelector: 'article[[' });
    expect(() => parseHtmlProfile('<article></article>', broken, 'Europe/Brussels', now)).toThrow(
      /rowSelector/,
    );
  });
});
