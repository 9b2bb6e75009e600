/**
 * Scraper benchmark (`npm run bench:scraper`), every baseline measured in the same run:
 * - parse time of a generated ~500 KB card-shape HTML page: our profile parser (node-html-parser) vs cheerio
 *   doing the same extraction (same selectors, same field post-processing) — target ≤ 1.0×;
 * - a generated 2,000-event iCalendar feed (TZID times, folded lines, CRLF): our ICS path (ical.js lexer +
 *   luxon time semantics + title splitting) vs node-ical parsing the same file — target ≤ 1.0×;
 * - idle RSS after GC of a process running the scraper core (bundled like the artifact, aws-crt loaded, one
 *   scrape of both documents done) vs a bare node + aws-crt process — target ≤ 1.3×; and its peak RSS
 *   (maxRSS, which covers the scrape's parses).
 * Prints a table and writes bench/results/scraper.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { load } from 'cheerio';
import { build } from 'esbuild';
import { DateTime } from 'luxon';
import ical from 'node-ical';
import { parse as parseYaml } from 'yaml';
import {
  compileProfile,
  extractRows,
  type FieldSpec,
  parseHtmlProfile,
} from '../components/scraper/src/html-profile.ts';
import { type IcsOptions, parseIcs } from '../components/scraper/src/ics.ts';
import { bareCrtRss, percentile, rssOf, settle, writeResults } from './support/measure.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ZONE = 'Europe/Brussels';
const RECIPE = parseYaml(readFileSync(join(ROOT, 'recipes', 'com.matchdayalert.Scraper.yaml'), 'utf8')) as {
  ComponentConfiguration: {
    DefaultConfiguration: Record<string, unknown> & { profiles: Record<string, never> };
  };
};
const DEFAULTS = RECIPE.ComponentConfiguration.DefaultConfiguration;
/** The node flags of the recipe's Run line (`[exec] node <flags> {artifacts:decompressedPath}/scraper/index.cjs`). */
const SHIPPED_FLAGS = (
  /Run:\s*(?:exec\s+)?node\s+(.*?)\s*\{artifacts:decompressedPath\}/.exec(
    readFileSync(join(ROOT, 'recipes', 'com.matchdayalert.Scraper.yaml'), 'utf8'),
  )?.[1] ?? ''
)
  .split(/\s+/)
  .filter(Boolean);

const TEAMS = [
  'KRC Genk',
  'Club Brugge',
  'RSC Anderlecht',
  'Royal Antwerp FC',
  'Standard de Liège',
  'Union SG',
  'OH Leuven',
  'KV Mechelen',
  'STVV',
  'Cercle Brugge',
];

/** A card-shape page of about `bytes` bytes (our own markup, as in test/fixtures/scraper/html). */
export function generateCardPage(bytes: number): { html: string; cards: number } {
  const parts = [
    '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Kalender</title></head><body><main class="sc-k3l9">',
  ];
  let size = parts[0]!.length;
  let n = 0;
  const start = DateTime.fromISO('2026-07-25T20:45', { zone: ZONE });
  while (size < bytes) {
    const home = n % 2 === 0 ? 'KAA Gent' : TEAMS[n % TEAMS.length]!;
    const away = n % 2 === 0 ? TEAMS[n % TEAMS.length]! : 'KAA Gent';
    const when = start.plus({ days: 3 * n });
    const time = n % 7 === 0 ? '-- : --' : when.toFormat('HH:mm');
    const card = `<article class="MkFootballMatchCard sc-1x2y3z MkFootballMatchCard--status-pending" aria-label="${home} vs ${away}"><div class="MkFootballMatchCard__header sc-a1"><span class="MkFootballMatchCard__competition">Jupiler Pro League</span><span class="MkFootballMatchCard__matchWeek">Speeldag ${n + 1}</span></div><div class="MkFootballMatchCard--homeTeam sc-b2"><img src="/logos/${n}.png" alt=""><span class="MkFootballMatchCard__teamName">${home}</span></div><div class="MkFootballMatchCard__info"><span class="MkFootballMatchCard__date">${when.toFormat('dd/MM/yyyy')}</span><span class="MkFootballMatchCard__time">${time}</span></div><div class="MkFootballMatchCard--awayTeam sc-b2"><img src="/logos/a${n}.png" alt=""><span class="MkFootballMatchCard__teamName">${away}</span></div><div class="MkFootballMatchCard__venue">${n % 2 === 0 ? 'Planet Group Arena' : 'Elders'}</div><a class="MkFootballMatchCard__link" href="/nl/wedstrijden/${n}">Wedstrijdcentrum</a></article>\n`;
    parts.push(card);
    size += card.length;
    n++;
  }
  parts.push('</main></body></html>');
  return { html: parts.join(''), cards: n };
}

/** A 2,000-event feed with TZID times, a VTIMEZONE, folded descriptions and CRLF line endings. */
export function generateIcs(events: number): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//matchday-alert bench//EN',
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Brussels',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'TZNAME:CEST',
    'DTSTART:19700329T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'TZNAME:CET',
    'DTSTART:19701025T030000',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'END:STANDARD',
    'END:VTIMEZONE',
  ];
  const start = DateTime.fromISO('2020-07-25T20:45', { zone: ZONE });
  for (let n = 0; n < events; n++) {
    const when = start.plus({ days: 2 * n, minutes: (n % 4) * 15 });
    const home = n % 2 === 0 ? 'KAA Gent' : TEAMS[n % TEAMS.length]!;
    const away = n % 2 === 0 ? TEAMS[n % TEAMS.length]! : 'KAA Gent';
    lines.push(
      'BEGIN:VEVENT',
      `UID:bench-${n}@matchday-alert`,
      'DTSTAMP:20260901T105846Z',
      `DTSTART;TZID=Europe/Brussels:${when.toFormat("yyyyMMdd'T'HHmmss")}`,
      `DTEND;TZID=Europe/Brussels:${when.plus({ minutes: 105 }).toFormat("yyyyMMdd'T'HHmmss")}`,
      `SUMMARY:Jupiler Pro League - ${home} - ${away}${n % 50 === 0 ? ' (2-1)' : ''}`,
      `LOCATION:${n % 2 === 0 ? 'Planet Group Arena' : 'Elders'}`,
      'STATUS:CONFIRMED',
      'DESCRIPTION:Speeldag en tv-uitzending. Tickets via de club. Calendar not up to date? Check https://ex',
      ' ample.org/up-to-date?path=gent\\n\\nMeer info op de website van de club.',
      'LAST-MODIFIED:20260703T031259Z',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

function timeIt(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Runs both functions `runs` times, interleaved after a warm-up; medians in ms. */
function compare(ours: () => unknown, baseline: () => unknown, runs: number) {
  for (let i = 0; i < 3; i++) {
    ours();
    baseline();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      a.push(timeIt(ours));
      b.push(timeIt(baseline));
    } else {
      b.push(timeIt(baseline));
      a.push(timeIt(ours));
    }
  }
  a.sort((x, y) => x - y);
  b.sort((x, y) => x - y);
  const oursMs = percentile(a, 0.5);
  const baseMs = percentile(b, 0.5);
  return { oursMs: round(oursMs), baselineMs: round(baseMs), ratio: round(oursMs / baseMs, 3) };
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

function benchHtml(html: string) {
  const compiled = compileProfile(DEFAULTS.profiles['maker-match-card']!);
  const now = DateTime.fromISO('2026-09-01T10:00', { zone: ZONE });
  const ours = () => parseHtmlProfile(html, compiled, ZONE, now);
  const cheerio = () => {
    const $ = load(html);
    const rows = $(compiled.profile.rowSelector).toArray();
    const read = (row: (typeof rows)[number], spec: FieldSpec) => {
      let el = $(row);
      if (spec.cell !== undefined) el = el.children('td,th').eq(spec.cell);
      if (spec.selector !== undefined) el = el.find(spec.selector).first();
      if (el.length === 0) return '';
      return spec.attribute !== undefined ? (el.attr(spec.attribute) ?? '') : el.text();
    };
    return extractRows(rows, read, compiled, ZONE, now, (row) => $(row).attr('class') ?? '');
  };
  const a = ours();
  const b = cheerio();
  if (a.rows.length !== b.rows.length || JSON.stringify(a.rows) !== JSON.stringify(b.rows)) {
    throw new Error(`the two extractions differ: ${a.rows.length} vs ${b.rows.length} rows`);
  }
  return { rows: a.rows.length, ...compare(ours, cheerio, 15) };
}

function benchIcs(text: string) {
  const options: IcsOptions = {
    timeZone: ZONE,
    floatingTimeZone: ZONE,
    titleFormat: 'auto',
    statusMarkers: { postponed: ['postponed', 'uitgesteld'], cancelled: ['afgelast'] },
  };
  const ours = () => parseIcs(text, options);
  const nodeIcal = () => {
    const parsed = ical.sync.parseICS(text);
    const out: { summary: string; start: string }[] = [];
    for (const value of Object.values(parsed)) {
      if (value?.type === 'VEVENT')
        out.push({ summary: String(value.summary), start: value.start.toISOString() });
    }
    return out;
  };
  const rows = ours().rows;
  const theirs = nodeIcal();
  if (rows.length !== theirs.length || rows.some((r, i) => r.kickoff !== theirs[i]!.start)) {
    throw new Error(`ICS paths disagree: ${rows.length} vs ${theirs.length} events`);
  }
  return { events: rows.length, ...compare(ours, nodeIcal, 11) };
}

const CHILD = `
const { greengrasscoreipc } = require('aws-iot-device-sdk-v2');
import { parseScraperConfig } from '../components/scraper/src/config.ts';
import { createScraper } from '../components/scraper/src/scraper.ts';
import { NodeFileSystem } from '../components/shared/runtime/node-file-system.ts';
import { SystemClock } from '../components/shared/runtime/system-clock.ts';
const c = greengrasscoreipc.createClient({ hostName: '/nonexistent', port: 0 });
const config = parseScraperConfig(JSON.parse(process.env.BENCH_CONFIG));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const pubsub = { publish: async () => {}, subscribe: async () => ({ close: async () => {} }), publishRaw: async () => {}, subscribeRaw: async () => ({ close: async () => {} }) };
const unused = () => { throw new Error('unused'); };
const scraper = createScraper({ config, pubsub, iotCore: { publish: unused, subscribe: unused }, shadows: { get: unused, update: unused, delete: unused }, lifecycle: { reportState: async () => {}, onUpdate: async () => ({ close: async () => {} }), deferUpdate: async () => {} }, clock: new SystemClock(), logger: quiet, metrics: { count() {}, gauge() {} }, fs: new NodeFileSystem(), workDir: process.env.BENCH_WORK, thingName: 'bench' });
c.close().catch(() => {}).finally(async () => {
  const snapshot = await scraper.scrapeNow();
  await scraper.stop();
  if (!snapshot.ok) { console.error(snapshot.failureReason); process.exit(2); }
  setTimeout(() => { global.gc(); global.gc(); process.send({ fixtures: snapshot.fixtures.length, maxRssKb: process.resourceUsage().maxRSS }); }, 500);
});
setInterval(() => {}, 1000);
`;

async function benchRss(html: string, ics: string) {
  const work = mkdtempSync(join(tmpdir(), 'bench-scraper-'));
  try {
    writeFileSync(join(work, 'page.html'), html);
    writeFileSync(join(work, 'feed.ics'), ics);
    const bundle = join(work, 'child.cjs');
    await build({
      stdin: {
        contents: CHILD,
        resolveDir: join(ROOT, 'bench'),
        loader: 'ts',
        sourcefile: 'scraper-rss-child.ts',
      },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      external: ['aws-iot-device-sdk-v2', 'aws-crt'],
      outfile: bundle,
      logLevel: 'error',
    });
    const { accessControl: _unused, ...defaults } = DEFAULTS as Record<string, unknown>;
    const config = {
      ...defaults,
      sources: [
        {
          id: 'page',
          kind: 'html',
          url: 'file:page.html',
          enabled: true,
          profile: 'maker-match-card',
          teams: ['kaa-gent'],
          minRows: 1,
        },
        {
          id: 'feed',
          kind: 'ics',
          url: 'file:feed.ics',
          enabled: true,
          teams: ['kaa-gent'],
          minRows: 1,
          titleFormat: 'auto',
          locationIsVenue: true,
        },
      ],
    };
    const child = spawn(process.execPath, ['--expose-gc', ...SHIPPED_FLAGS, bundle], {
      cwd: work,
      env: {
        ...process.env,
        NODE_PATH: join(ROOT, 'node_modules'),
        BENCH_CONFIG: JSON.stringify(config),
        BENCH_WORK: work,
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const report = await new Promise<{ fixtures: number; maxRssKb: number }>((ok, fail) => {
      child.once('message', (m) => ok(m as { fixtures: number; maxRssKb: number }));
      child.once('exit', (code) => fail(new Error(`scraper child exited with ${code}`)));
    });
    await settle(300);
    const idleKb = rssOf(child.pid!);
    // V8's memory reducer shrinks the heap after ~8 s without activity: an hourly scraper is idle far longer.
    await settle(12_000);
    const idleLaterKb = rssOf(child.pid!);
    child.kill('SIGKILL');
    return { idleKb, idleLaterKb, peakKb: report.maxRssKb, fixtures: report.fixtures };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

type Timing = { html: ReturnType<typeof benchHtml>; ics: ReturnType<typeof benchIcs> };

/** Parse timings in a child running with `flags` (both contenders under the same flags). */
async function timingsUnder(flags: readonly string[]): Promise<Timing> {
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', import.meta.filename, '--timing'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`timing child exited with ${code}`);
  return JSON.parse(out) as Timing;
}

function timings(): Timing {
  return { html: benchHtml(generateCardPage(500 * 1024).html), ics: benchIcs(generateIcs(2000)) };
}

async function main(): Promise<void> {
  const { html, cards } = generateCardPage(500 * 1024);
  const ics = generateIcs(2000);
  console.log(
    `HTML page: ${(html.length / 1024).toFixed(0)} KB, ${cards} cards; ICS: ${(ics.length / 1024).toFixed(0)} KB, 2000 events`,
  );
  console.log(`shipped node flags: ${SHIPPED_FLAGS.join(' ') || '(none)'}`);
  const { html: htmlResult, ics: icsResult } = await timingsUnder([]);
  const shipped = await timingsUnder(SHIPPED_FLAGS);
  const baselineKb = await bareCrtRss();
  const season = await benchRss(generateCardPage(40 * 1024).html, generateIcs(60));
  const rss = await benchRss(html, ics);
  const mb = (kb: number) => round(kb / 1024, 1);
  const rssRatio = round(season.idleKb / baselineKb, 3);
  const stressRatio = round(rss.idleKb / baselineKb, 3);
  console.table([
    {
      measure: 'HTML 500 KB parse (median ms)',
      ours: htmlResult.oursMs,
      baseline: `${htmlResult.baselineMs} (cheerio)`,
      ratio: htmlResult.ratio,
      target: '≤ 1.0×',
    },
    {
      measure: 'ICS 2,000 events parse (median ms)',
      ours: icsResult.oursMs,
      baseline: `${icsResult.baselineMs} (node-ical)`,
      ratio: icsResult.ratio,
      target: '≤ 1.0×',
    },
    {
      measure: 'HTML 500 KB parse, shipped flags (median ms)',
      ours: shipped.html.oursMs,
      baseline: `${shipped.html.baselineMs} (cheerio)`,
      ratio: shipped.html.ratio,
      target: '≤ 1.0×',
    },
    {
      measure: 'ICS 2,000 events parse, shipped flags (median ms)',
      ours: shipped.ics.oursMs,
      baseline: `${shipped.ics.baselineMs} (node-ical)`,
      ratio: shipped.ics.ratio,
      target: '≤ 1.0×',
    },
    {
      measure: 'idle RSS after GC, season-sized scrape (MB)',
      ours: mb(season.idleKb),
      baseline: `${mb(baselineKb)} (node + aws-crt)`,
      ratio: rssRatio,
      target: '≤ 1.3×',
    },
    {
      measure: '… the same 12 s later (MB)',
      ours: mb(season.idleLaterKb),
      baseline: `${mb(baselineKb)} (node + aws-crt)`,
      ratio: round(season.idleLaterKb / baselineKb, 3),
      target: '-',
    },
    {
      measure: 'idle RSS after GC, 500 KB + 2,000-event scrape (MB)',
      ours: mb(rss.idleKb),
      baseline: `${mb(baselineKb)} (node + aws-crt)`,
      ratio: stressRatio,
      target: '-',
    },
    {
      measure: 'peak RSS during the 500 KB + 2,000-event scrape (MB)',
      ours: mb(rss.peakKb),
      baseline: '-',
      ratio: '-',
      target: '-',
    },
  ]);
  writeResults('scraper', {
    html: {
      bytes: html.length,
      cards,
      rows: htmlResult.rows,
      oursMedianMs: htmlResult.oursMs,
      cheerioMedianMs: htmlResult.baselineMs,
      ratio: htmlResult.ratio,
      target: 1.0,
    },
    ics: {
      bytes: ics.length,
      events: icsResult.events,
      oursMedianMs: icsResult.oursMs,
      nodeIcalMedianMs: icsResult.baselineMs,
      ratio: icsResult.ratio,
      target: 1.0,
    },
    underShippedFlags: { flags: SHIPPED_FLAGS, html: shipped.html, ics: shipped.ics },
    rss: {
      nodeFlags: SHIPPED_FLAGS,
      bareNodeCrtMb: mb(baselineKb),
      idleAfterSeasonScrapeMb: mb(season.idleKb),
      idle12sLaterMb: mb(season.idleLaterKb),
      ratio: rssRatio,
      target: 1.3,
      idleAfterStressScrapeMb: mb(rss.idleKb),
      stressRatio,
      peakDuringStressScrapeMb: mb(rss.peakKb),
      stressHomeFixtures: rss.fixtures,
    },
  });
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  if (process.argv.includes('--timing')) process.stdout.write(JSON.stringify(timings()));
  else await main();
}
