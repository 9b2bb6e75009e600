/** Builds the configured `FixtureSource`s: fetch a document, parse it with the source kind's parser. */
import { DateTime } from 'luxon';
import type { Clock } from '../../shared/ports/index.ts';
import type { ScraperConfig, SourceConfig } from './config.ts';
import { type CompiledProfile, compileProfile, parseHtmlProfile } from './html-profile.ts';
import type { DocumentFetcher, FetchPolicy } from './http-fetch.ts';
import { parseIcs } from './ics.ts';
import { parseProLeague } from './pro-league.ts';
import type { FixtureSource, ParseResult, SourceReading } from './types.ts';

/** The fetch policy of a source kind under `config`. */
export function fetchPolicy(config: ScraperConfig, kind: SourceConfig['kind']): FetchPolicy {
  return { ...config.http, userAgent: config.userAgent, contentTypes: config.contentTypes[kind] };
}

/** Parses a fetched document the way `source` says. `now` resolves year-less dates. */
export function createParser(
  source: SourceConfig,
  config: ScraperConfig,
): (body: string, now: number) => ParseResult {
  const zone = config.timeZone;
  switch (source.kind) {
    case 'html': {
      const compiled: CompiledProfile = compileProfile(config.profiles[source.profile]!);
      return (body, now) => parseHtmlProfile(body, compiled, zone, DateTime.fromMillis(now, { zone }));
    }
    case 'ics': {
      const options = {
        timeZone: zone,
        floatingTimeZone: source.floatingTimeZone ?? zone,
        titleFormat: source.titleFormat,
        statusMarkers: config.statusMarkers,
        placeholder: source.placeholder,
      };
      return (body) => {
        const result = parseIcs(body, options);
        if (source.locationIsVenue) return result;
        return { ...result, rows: result.rows.map(({ venue: _venue, ...row }) => row) };
      };
    }
    case 'proleague':
      return (body) => parseProLeague(body, zone, config.proLeagueCompetitions);
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
      return { ...parseBody(fetched.body, clock.now()), notModified: fetched.notModified };
    },
  };
}
