import { describe, expect, it } from 'vitest';
import {
  AlertId,
  alertId,
  EventId,
  FixtureKey,
  fixtureKey,
  parseAlertId,
  parseFixtureKey,
  seasonOf,
} from '../../../components/shared/contracts/index.ts';

const KEY = '2024-25:uecl:kaa-gent:real-betis#1';

describe('seasonOf', () => {
  it.each([
    ['2025-06-30', '2024-25'],
    ['2025-07-01', '2025-26'],
    ['2025-02-13', '2024-25'],
    ['2025-12-31', '2025-26'],
    ['2026-01-01', '2025-26'],
    ['1999-07-01', '1999-00'],
    ['2000-06-30', '1999-00'],
  ])('puts %s in season %s', (date, season) => {
    expect(seasonOf(date)).toBe(season);
  });
});

describe('fixture keys', () => {
  const parts = { season: '2024-25', competition: 'uecl', home: 'kaa-gent', away: 'real-betis', ordinal: 1 };

  it('builds a key from its parts and parses it back', () => {
    expect(fixtureKey(parts)).toBe(KEY);
    expect(parseFixtureKey(KEY)).toEqual(parts);
  });

  it('tells apart the second meeting of a pairing in one season by its ordinal', () => {
    const second = fixtureKey({ ...parts, ordinal: 2 });
    expect(second).toBe('2024-25:uecl:kaa-gent:real-betis#2');
    expect(parseFixtureKey(second)?.ordinal).toBe(2);
  });

  it('refuses a team that is not a canonical slug', () => {
    expect(() => fixtureKey({ ...parts, away: 'Real Betis' })).toThrow(/slug/);
  });

  it('refuses an ordinal below 1', () => {
    expect(() => fixtureKey({ ...parts, ordinal: 0 })).toThrow(
      'Expected `ordinal` to be a positive integer, got `0`',
    );
  });

  it.each([
    'uid-8c1f2e@club.example',
    '2024-25:uecl:kaa-gent:real-betis',
    '2024-25:uecl:kaa-gent:real-betis#0',
    '2024:uecl:kaa-gent:real-betis#1',
    '2024-25:UECL:kaa-gent:real-betis#1',
  ])('does not take %s for a fixture key', (text) => {
    expect(parseFixtureKey(text)).toBeUndefined();
    expect(FixtureKey.safeParse(text).success).toBe(false);
  });
});

describe('alert ids', () => {
  it('joins an event id containing `:` and `#` with a window id and splits it back at the last `:`', () => {
    const id = alertId(KEY, 'final');
    expect(id).toBe(`${KEY}:final`);
    expect(parseAlertId(id)).toEqual({ eventId: KEY, windowId: 'final' });
    expect(AlertId.safeParse(id).success).toBe(true);
  });

  it('splits the id of an alert of one occurrence of a recurring custom event', () => {
    expect(parseAlertId('seminar@20260329T2000:early')).toEqual({
      eventId: 'seminar@20260329T2000',
      windowId: 'early',
    });
  });

  it.each([
    ['no separator', 'concert'],
    ['an empty event id', ':final'],
    ['an empty window id', `${KEY}:`],
    ['a window id that is not a slug', `${KEY}:Final`],
    ['an event id with a space', 'my concert:final'],
  ])('rejects %s', (_description, id) => {
    expect(parseAlertId(id)).toBeUndefined();
    expect(AlertId.safeParse(id).success).toBe(false);
  });

  it('accepts as event and alert ids every fixture key the builder makes, even from the longest slugs', () => {
    const longest = 'a'.repeat(64);
    const key = fixtureKey({
      season: '2024-25',
      competition: longest,
      home: longest,
      away: longest,
      ordinal: 12,
    });
    expect(FixtureKey.safeParse(key).success).toBe(true);
    expect(EventId.safeParse(key).success).toBe(true);
    expect(AlertId.safeParse(alertId(key, longest)).success).toBe(true);
  });

  it('accepts fixture keys and custom ids as event ids', () => {
    expect(EventId.safeParse(KEY).success).toBe(true);
    expect(EventId.safeParse('concert-2026.05_a').success).toBe(true);
  });
});
