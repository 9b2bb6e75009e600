/** The Pro League source on JSON written by us in the shapes fixture-sources.md describes (labelled as ours). */
import { describe, expect, it } from 'vitest';
import { parseProLeague } from '../../components/scraper/src/pro-league.ts';
import { configWith, fixtureText, serveFile, wiredScraper } from './helpers.ts';

const source = (url: string) => ({
  id: 'proleague',
  kind: 'proleague',
  url,
  enabled: true,
  teams: ['kaa-gent'],
  minRows: 1,
});

async function scrape(file: string) {
  const { scraper, fs } = wiredScraper(configWith([source(`file:pl/${file}`)]), '2026-09-01T08:00:00Z');
  serveFile(fs, `pl/${file}`, fixtureText(`json/${file}`));
  return scraper.scrapeNow();
}

describe('__NEXT_DATA__ in a proleague.be page', () => {
  it('reads home games with UTC kick-offs and the JPL competition from its id', async () => {
    const snapshot = await scrape('proleague-jpl-kalender.html');
    expect(snapshot.ok).toBe(true);
    expect(snapshot.fixtures[0]).toEqual({
      key: '2026-27:jpl:kaa-gent:krc-genk#1',
      competition: 'jpl',
      home: 'KAA Gent',
      away: 'KRC Genk',
      kickoffDate: '2026-09-19',
      kickoff: '2026-09-19T18:45:00.000Z',
      kickoffConfirmed: true,
      status: 'scheduled',
      source: 'proleague',
    });
  });

  it('leaves out away games', async () => {
    const snapshot = await scrape('proleague-jpl-kalender.html');
    expect(snapshot.fixtures.map((f) => f.away)).toEqual(['KRC Genk', 'Club Brugge', 'Cercle Brugge']);
  });

  it('makes a match without a time a date-only, unconfirmed fixture', async () => {
    const snapshot = await scrape('proleague-jpl-kalender.html');
    const game = snapshot.fixtures.find((f) => f.away === 'Club Brugge')!;
    expect([game.kickoffDate, game.kickoff, game.kickoffConfirmed]).toEqual(['2026-10-03', undefined, false]);
  });

  it('reads a postponed status', async () => {
    const snapshot = await scrape('proleague-jpl-kalender.html');
    expect(snapshot.fixtures.find((f) => f.away === 'Cercle Brugge')?.status).toBe('postponed');
  });

  it('reports a match without a home team name as an unreadable row', () => {
    const result = parseProLeague(fixtureText('json/proleague-jpl-kalender.html'), 'Europe/Brussels', {});
    expect(result.rows).toHaveLength(4);
    expect(result.issues).toEqual([
      { row: 4, message: '`homeTeam.name`: Invalid input: expected string, received undefined' },
    ]);
  });

  it('fails a page without __NEXT_DATA__', () => {
    expect(() => parseProLeague('<html><body>Maintenance</body></html>', 'Europe/Brussels', {})).toThrow(
      /__NEXT_DATA__/,
    );
  });
});

describe('the variant_b fixtures endpoint', () => {
  it('reads {total, data} with statuses', async () => {
    const snapshot = await scrape('proleague-variant-b.json');
    expect(snapshot.fixtures.map((f) => [f.key, f.kickoff, f.status])).toEqual([
      ['2026-27:jpl:kaa-gent:rsc-anderlecht#1', '2026-11-01T12:30:00.000Z', 'scheduled'],
      ['2026-27:jpl:kaa-gent:kvc-westerlo#1', '2026-11-22T14:00:00.000Z', 'cancelled'],
    ]);
  });
});
