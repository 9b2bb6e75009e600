/**
 * Writes the demo fixtures feed for `npm start`: an iCalendar file with a KAA Gent home game about forty
 * minutes from now (rounded up to the next 5 minutes), plus an away game and a later home game, so the
 * demo stack's scraper has something to publish and the scheduler something to plan.
 *
 *   tsx scripts/demo-feed.ts <folder> [--minutes 40] [--file demo-feed.ics]
 *
 * The scraper reads it with a relative `file:` URL, which resolves against its work folder (its CWD under
 * Greengrass and local-core): write into that folder and configure `url: file:demo-feed.ics`.
 * The file is replaced atomically (temp file + rename), so a scrape never reads half a feed.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * The Scraper's configuration merge for the `npm start` deployment (local-core/deployments/laptop.json):
 * read the demo feed from the work folder, rescrape every 5 minutes.
 */
export const DEMO_SCRAPER_CONFIG = {
  scrapeIntervalMinutes: 5,
  sources: [
    {
      id: 'demo',
      kind: 'ics',
      url: 'file:demo-feed.ics',
      enabled: true,
      teams: ['kaa-gent'],
      minRows: 1,
      titleFormat: 'auto',
      locationIsVenue: true,
    },
  ],
} as const;

/** The demo feed for a home kick-off `minutes` after `now` (ms), as iCalendar text with CRLF lines. */
export function demoFeed(now: number, minutes: number, stepMinutes = 5): { text: string; kickoff: Date } {
  const step = stepMinutes * 60_000;
  const kickoff = new Date(Math.ceil((now + minutes * 60_000) / step) * step);
  const at = (d: Date) =>
    d
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  const plusDays = (days: number) => new Date(kickoff.getTime() + days * 86_400_000);
  const event = (uid: string, start: Date, summary: string, location: string) => [
    'BEGIN:VEVENT',
    `UID:${uid}@demo.matchday-alert`,
    `DTSTAMP:${at(new Date(now))}`,
    `LAST-MODIFIED:${at(new Date(now))}`,
    `DTSTART:${at(start)}`,
    `DTEND:${at(new Date(start.getTime() + 105 * 60_000))}`,
    `SUMMARY:${summary}`,
    `LOCATION:${location}`,
    'STATUS:CONFIRMED',
    'END:VEVENT',
  ];
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//matchday-alert//demo feed//EN',
    'X-WR-CALNAME:KAA Gent (demo)',
    ...event('home-soon', kickoff, 'Jupiler Pro League - KAA Gent - KRC Genk', 'Planet Group Arena'),
    ...event('away', plusDays(4), 'Jupiler Pro League - Club Brugge - KAA Gent', 'Jan Breydelstadion'),
    ...event(
      'home-later',
      plusDays(8),
      'Jupiler Pro League - KAA Gent - RSC Anderlecht',
      'Planet Group Arena',
    ),
    'END:VCALENDAR',
  ];
  return { text: `${lines.join('\r\n')}\r\n`, kickoff };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      minutes: { type: 'string', default: '40' },
      file: { type: 'string', default: 'demo-feed.ics' },
    },
  });
  const folder = positionals[0];
  const minutes = Number(values.minutes);
  if (!folder || !Number.isFinite(minutes) || minutes < 0) {
    console.error('usage: tsx scripts/demo-feed.ts <folder> [--minutes 40] [--file demo-feed.ics]');
    process.exit(64);
  }
  const dir = resolve(folder);
  mkdirSync(dir, { recursive: true });
  const { text, kickoff } = demoFeed(Date.now(), minutes);
  const target = join(dir, values.file);
  writeFileSync(`${target}.tmp`, text);
  renameSync(`${target}.tmp`, target);
  console.log(
    JSON.stringify({ event: 'demo.feed.written', path: target, homeKickoff: kickoff.toISOString() }),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) main();
