/**
 * The scraper's configuration: a strict zod schema with no defaults (they live in the recipe's
 * DefaultConfiguration) and `parseScraperConfig(raw)` → a frozen, fully checked value.
 */
import { z } from 'zod';
import { Slug } from '../../shared/contracts/index.ts';
import { parseComponentConfig } from '../../shared/runtime/parse-config.ts';
import { compileFormat, isValidZone } from './local-time.ts';

const Zone = z.string().refine(isValidZone, 'must be an IANA time zone such as `Europe/Brussels`');
const Text = z.string().min(1).max(200);
const Aliases = z.array(Text).max(50);
const AliasMap = z.record(Slug, Aliases);
const Format = z
  .string()
  .min(1)
  .max(60)
  .refine((f) => {
    try {
      compileFormat(f);
      return true;
    } catch {
      return false;
    }
  }, "must be a format such as `dd/MM/yyyy` or `H'u'mm` (quotes closed)");
const Url = z
  .string()
  .max(2000)
  .refine((u) => /^(https?:\/\/[^\s]+|file:[^\s]+)$/.test(u), 'must be an `http(s)://` or `file:` URL');
const Markers = z.strictObject({ postponed: z.array(Text).max(30), cancelled: z.array(Text).max(30) });

/** Where a field sits in a row: a CSS selector inside the row and/or the n-th cell; optionally an attribute. */
const FieldSpec = z
  .strictObject({
    selector: z.string().min(1).max(300).optional(),
    cell: z.number().int().min(0).max(50).optional(),
    attribute: z.string().min(1).max(60).optional(),
  })
  .refine((f) => f.selector !== undefined || f.cell !== undefined, 'must give a `selector` or a `cell`');

/** A declarative HTML site profile (README: "Writing a site profile"). */
const SiteProfile = z.strictObject({
  /** CSS selector matching one element per fixture. */
  rowSelector: z.string().min(1).max(300),
  fields: z.strictObject({
    home: FieldSpec,
    away: FieldSpec,
    /** The date (and, when `time` is absent, the time too). */
    date: FieldSpec,
    time: FieldSpec.optional(),
    venue: FieldSpec.optional(),
    competition: FieldSpec.optional(),
    status: FieldSpec.optional(),
  }),
  dateFormats: z.array(Format).min(1).max(10),
  timeFormats: z.array(Format).min(1).max(10),
  placeholderMarkers: z.array(Text).max(20),
  unconfirmedTimes: z.array(z.string().regex(/^\d{2}:\d{2}$/, 'must be `HH:mm`')).max(10),
  locationIsVenue: z.boolean(),
  statusMarkers: Markers,
});

/** The regular-slot placeholder rule of an iCalendar source. */
const PlaceholderRule = z.strictObject({
  /** Slot wall times `HH:mm` in `timeZone`. */
  times: z
    .array(z.string().regex(/^\d{2}:\d{2}$/, 'must be `HH:mm`'))
    .min(1)
    .max(10),
  /** ISO weekdays (1 = Monday … 7 = Sunday); empty means any day. */
  weekdays: z.array(z.number().int().min(1).max(7)).max(7),
  timeZone: Zone,
  /** Hours before the newest LAST-MODIFIED that still count as the last update batch. */
  batchToleranceHours: z
    .number()
    .min(0)
    .max(24 * 60),
});

const SourceCommon = {
  /** Stable id, shown in snapshot health and `Fixture.source`. */
  id: Slug,
  /** `https://…`, `http://…` or `file:` (absolute `file:///…` or relative `file:feeds/x.ics`, resolved against the work folder). */
  url: Url,
  enabled: z.boolean(),
  /** Which of `home.teams` are home sides in this source's calendar. */
  teams: z.array(Slug).min(1).max(10),
  /**
   * A team's own calendar often calls it plainly `KAA Gent`: when set, every alias of any of our teams in
   * this source means this team (e.g. `jong-kaa-gent` on the Jong KAA Gent calendar page).
   */
  calendarOf: Slug.optional(),
  /** Fewer parsed rows than this fails the source ("parsed nothing" — e.g. a redesign). */
  minRows: z.number().int().min(0).max(10_000),
};

const Source = z.discriminatedUnion('kind', [
  z.strictObject({ ...SourceCommon, kind: z.literal('html'), profile: Slug }),
  z.strictObject({
    ...SourceCommon,
    kind: z.literal('ics'),
    titleFormat: z.enum(['auto', 'home-away', 'competition-home-away']),
    /** False when the feed's LOCATION is not a venue (some feeds put the home team's name there). */
    locationIsVenue: z.boolean(),
    /** Zone of floating times when the feed has no X-WR-TIMEZONE; absent means `timeZone`. */
    floatingTimeZone: Zone.optional(),
    placeholder: PlaceholderRule.optional(),
  }),
  z.strictObject({ ...SourceCommon, kind: z.literal('proleague') }),
]);

export const ScraperConfigSchema = z
  .strictObject({
    /** Zone of local wall times and dates. @default Europe/Brussels */
    timeZone: Zone,
    /** Minutes between scheduled scrapes. @default 60 */
    scrapeIntervalMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    /** File (in the work folder) holding the last good snapshot and issued keys. @default scraper-state.json */
    stateFile: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'must be a plain file name in the work folder')
      .max(100),
    /** User-Agent of every request. @default `matchday-alert-scraper/1.0 (home-game alert light …)` */
    userAgent: z.string().min(1).max(300),
    http: z.strictObject({
      /** Deadline of one attempt, headers and body together (ms). @default 15000 */
      timeoutMs: z.number().int().min(100).max(300_000),
      /** Extra attempts after a transient failure. @default 2 */
      retries: z.number().int().min(0).max(10),
      /** First backoff (ms), doubled per attempt, with 50–100 % jitter. @default 2000 */
      backoffBaseMs: z.number().int().min(0).max(600_000),
      /** Backoff cap (ms). @default 30000 */
      backoffMaxMs: z.number().int().min(0).max(3_600_000),
      /** Largest accepted body (bytes). @default 5242880 */
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .max(100 * 1024 * 1024),
      /** Redirects followed per fetch. @default 3 */
      maxRedirects: z.number().int().min(0).max(10),
    }),
    /** Accepted media types per source kind. @default html: text/html, application/xhtml+xml; ics: text/calendar, text/plain, application/octet-stream; proleague: text/html, application/json */
    contentTypes: z.strictObject({
      html: z.array(Text).min(1).max(10),
      ics: z.array(Text).min(1).max(10),
      proleague: z.array(Text).min(1).max(10),
    }),
    /** A source whose unreadable rows exceed this share of its rows fails. @default 0.2 */
    maxParseErrorRatio: z.number().min(0).max(1),
    /** Rows of the same pairing from two sources at most this many days apart are one game. @default 3 */
    mergeWindowDays: z.number().int().min(0).max(14),
    /** Title/status words that mark postponed or cancelled games in feeds. @default see the recipe (nl, fr, en, es, de) */
    statusMarkers: Markers,
    home: z.strictObject({
      /** Our teams (canonical id → aliases). @default kaa-gent, jong-kaa-gent, kaa-gent-ladies with their aliases */
      teams: z.record(Slug, Aliases.min(1)),
      /** Our stadium's names over the years. @default Jules Ottenstadion … Planet Group Arena, KAA Gent Stadium, Arteveldestadion */
      venues: z.array(Text).min(1).max(50),
    }),
    /** Opponents' aliases (canonical id → names); unknown opponents are slugified. @default Belgian clubs and recent European opponents */
    teamAliases: AliasMap,
    /** Competition aliases (canonical slug → names). @default jpl, challenger-pro-league, belgian-cup, belgian-supercup, ucl, uel, uecl, super-league-women, friendly */
    competitionAliases: AliasMap,
    /** Pro League competition UUID → competition name or slug. @default the JPL and Challenger Pro League ids */
    proLeagueCompetitions: z.record(z.string().min(1).max(100), Text),
    /** Named HTML site profiles. @default kaagent-2012-table, maker-match-card */
    profiles: z.record(Slug, SiteProfile),
    /** Sources in precedence order (first wins a merge). @default kaagent (enabled), proleague-jpl, jong-kaa-gent (disabled) */
    sources: z.array(Source).min(1).max(20),
  })
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.sources.forEach((s, i) => {
      if (ids.has(s.id))
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i, 'id'],
          message: `duplicate source id \`${s.id}\``,
        });
      ids.add(s.id);
      s.teams.forEach((t, j) => {
        if (!(t in c.home.teams)) {
          ctx.addIssue({
            code: 'custom',
            path: ['sources', i, 'teams', j],
            message: `must be one of home.teams, got \`${t}\``,
          });
        }
      });
      if (s.calendarOf !== undefined && !s.teams.includes(s.calendarOf)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i, 'calendarOf'],
          message: `must be one of the source's teams, got \`${s.calendarOf}\``,
        });
      }
      if (s.kind === 'html' && !(s.profile in c.profiles)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i, 'profile'],
          message: `must name a profile in \`profiles\`, got \`${s.profile}\``,
        });
      }
    });
  });

export type ScraperConfig = Readonly<z.infer<typeof ScraperConfigSchema>>;
export type SourceConfig = ScraperConfig['sources'][number];
export type SiteProfileConfig = z.infer<typeof SiteProfile>;

/** Validates the raw component configuration; throws a `ConfigError` naming the first failing field. */
export function parseScraperConfig(raw: unknown): ScraperConfig {
  return parseComponentConfig(ScraperConfigSchema, raw);
}
