/** The `npm start` demo feed, read by the scraper with the laptop configuration (relative file: URL). */
import { describe, expect, it } from 'vitest';
import { demoFeed } from '../../scripts/demo-feed.ts';
import { configWith, icsSource, serveFile, wiredScraper } from './helpers.ts';

describe('the demo feed', () => {
  it('gives one home game about forty minutes ahead, rounded up to five minutes', async () => {
    const now = Date.parse('2026-12-04T16:42:10Z');
    const { text } = demoFeed(now, 40);
    const config = configWith([icsSource('demo', 'file:demo-feed.ics', { minRows: 1 })], {
      scrapeIntervalMinutes: 5,
    });
    const { scraper, fs } = wiredScraper(config, '2026-12-04T16:42:10Z');
    serveFile(fs, 'demo-feed.ics', text);
    const snapshot = await scraper.scrapeNow();
    expect(snapshot.ok).toBe(true);
    expect(snapshot.fixtures.map((f) => [f.key, f.kickoff, f.kickoffConfirmed])).toEqual([
      ['2026-27:jpl:kaa-gent:krc-genk#1', '2026-12-04T17:25:00.000Z', true],
      ['2026-27:jpl:kaa-gent:rsc-anderlecht#1', '2026-12-12T17:25:00.000Z', true],
    ]);
  });
});
