/** Builds the configured `FixtureSource`s: fetch a document, parse it with the source kind's parser. */
import { DateTime } from 'luxon';
import type { Clock } from '../../shared/ports/index.ts';
import type { ScraperConfig, SourceConfig } from './config.ts';
import type { CompiledProfile } from './html-profile.ts';
import type { DocumentFetcher, FetchPolicy } from './http-fetch.ts';
import type { FixtureSource, ParseResult, SourceReading } from './types.ts';

// Parsers load on first use, so a device pays memory only for the source kinds it is configured with.
const loadHtml = () => import('./html-profile.ts');
const loadIcs = () => import('./ics.ts');
const loadProLeague = () => import('./pro-league.ts');

/** The fetch policy of a source kind under `config`. */
export function fetchPolicy(config: ScraperConfig, kind: SourceConfig['kind']): FetchPolicy {
  return { ...config.http, userAgent: config.userAgent, contentTypes: config.contentTypes[kind] };
}

/** Parses a fetched document the way `source` says. `now` resolves year-less dates. */
export function createParser(
  source: SourceConfig,
  config: ScraperConfig,
): (body: string, now: number) => Promise<ParseResult> {
  const zone = config.timeZone;
  switch (source.kind) {
    case 'html': {
      const profile = config.profiles[source.profile]!;
      let compiled: CompiledProfile | undefined;
      return async (body, now) => {
        const { compileProfile, parseHtmlProfile } = await loadHtml();
        compiled ??= compileProfile(profile);
        return parseHtmlProfile(body, compiled, zone, DateTime.fromMillis(now, { zone }));
      };
    }
    case 'ics': {
      const options = {
        timeZone: zone,
        floatingTimeZone: source.floatingTimeZone ?? zone,
        titleFormat: source.titleFormat,
        statusMarkers: config.statusMarkers,
        placeholder: source.placeholder,
      };
      return async (body) => {
        const result = (await loadIcs()).parseIcs(body, options);
        if (source.locationIsVenue) return result;
        return { ...result, rows: result.rows.map(({ venue: _venue, ...row }) => row) };
      };
    }
    case 'proleague':
      return async (body) => (await loadProLeague()).parseProLeague(body, zone, config.proLeagueCompetitions);
  }
}

/** A configured source reading through `fetcher`. */
export function createSource(
  source: SourceConfig,
  config: ScraperConfig,
  fetcher: DocumentFetcher,
  clock: Clock,
): FixtureSource {
  const parseBody = createParser(source, config);
  const policy = fetchPolicy(config, source.kind);
  return {
    id: source.id,
    async read(): Promise<SourceReading> {
      const fetched = await fetcher.fetch(source.url, policy);
      return { ...(await parseBody(fetched.body, clock.now())), notModified: fetched.notModified };
    },
  };
}
