/** Configuration: the recipe's defaults parse; bad values fail naming the field, the expectation and the value. */
import { describe, expect, it } from 'vitest';
import { parseScraperConfig } from '../../components/scraper/src/config.ts';
import { ConfigError } from '../../components/shared/errors.ts';
import { recipeDefaults } from './helpers.ts';

const errorOf = (raw: unknown): ConfigError => {
  try {
    parseScraperConfig(raw);
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('parseScraperConfig', () => {
  it("accepts the recipe's DefaultConfiguration and freezes it", () => {
    const config = parseScraperConfig(recipeDefaults());
    expect(config.timeZone).toBe('Europe/Brussels');
    expect(Object.isFrozen(config.sources[0])).toBe(true);
  });

  it('names the field, the expectation and the value of a bad time zone', () => {
    const error = errorOf({ ...recipeDefaults(), timeZone: 'Mars/Olympus' });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.field).toBe('timeZone');
    expect(error.message).toBe(
      'Invalid configuration `timeZone`: must be an IANA time zone such as `Europe/Brussels` (got `"Mars/Olympus"`)',
    );
  });

  it('rejects a source naming a profile that does not exist', () => {
    const raw = recipeDefaults() as { sources: Record<string, unknown>[] };
    raw.sources[0]!.profile = 'nope';
    expect(errorOf(raw).field).toBe('sources.0.profile');
  });

  it('rejects a source for a team that is not one of ours', () => {
    const raw = recipeDefaults() as { sources: Record<string, unknown>[] };
    raw.sources[0]!.teams = ['club-brugge'];
    expect(errorOf(raw).message).toMatch(/`sources.0.teams.0`: must be one of home.teams/);
  });

  it('rejects duplicate source ids', () => {
    const raw = recipeDefaults() as { sources: Record<string, unknown>[] };
    raw.sources[1]!.id = raw.sources[0]!.id;
    expect(errorOf(raw).field).toBe('sources.1.id');
  });

  it('rejects a URL that is neither http(s) nor file:', () => {
    const raw = recipeDefaults() as { sources: Record<string, unknown>[] };
    raw.sources[0]!.url = 'ftp://example.org/x.ics';
    expect(errorOf(raw).message).toMatch(/must be an `http\(s\):\/\/` or `file:` URL \(got `"ftp/);
  });

  it('rejects a time format with an unclosed quote', () => {
    const raw = recipeDefaults() as { profiles: Record<string, { timeFormats: string[] }> };
    raw.profiles['kaagent-2012-table']!.timeFormats = ["H'u"];
    expect(errorOf(raw).field).toBe('profiles.kaagent-2012-table.timeFormats.0');
  });

  it('rejects unknown keys (no silent typos)', () => {
    expect(errorOf({ ...recipeDefaults(), scrapeIntervalMinute: 5 }).field).toBe('(root)');
  });

  it('rejects a missing key instead of assuming a default', () => {
    const { http: _http, ...rest } = recipeDefaults();
    expect(errorOf(rest).message).toMatch(/^Invalid configuration `http`: .*\(got nothing\)$/);
  });
});
