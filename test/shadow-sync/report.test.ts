import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../components/shadow-sync/src/ledger.ts';
import { buildReported, bytesOf, type ReportInput } from '../../components/shadow-sync/src/report.ts';
import { stateSnapshot, upcomingGame } from './support.ts';

const NOW = Date.parse('2026-09-01T10:00:00Z');
const games = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    upcomingGame(`2026-27:jpl:kaa-gent:team-${i}#1`, new Date(NOW + (i + 1) * 7 * 86_400_000).toISOString()),
  );
const applied = (i: number, at = NOW): [string, LedgerEntry] => [
  `events/custom-${i}`,
  {
    ts: 1,
    hash: 'abcd1234',
    outcome: 'applied',
    at: at + i,
    value: { title: `Custom event ${i} ${'x'.repeat(80)}`, start: '2026-10-01T18:00:00.000Z' },
  },
];

function input(overrides: Partial<ReportInput>): ReportInput {
  return {
    state: stateSnapshot('2026-09-01T10:00:00.000Z', games(30)),
    relay: undefined,
    entries: [],
    desiredBytes: 0,
    limitBytes: 8192,
    reserveBytes: 1024,
    maxRejected: 20,
    minUpcoming: 5,
    appliedSince: NOW - 86_400_000,
    ...overrides,
  };
}

describe('reported document budget', () => {
  it('keeps the earliest upcoming events that fit and counts the rest', () => {
    const reported = buildReported(input({}));
    const upcoming = reported.upcoming as { id: string }[];
    expect(bytesOf(reported)).toBeLessThanOrEqual(8192 - 1024);
    expect(upcoming.map((e) => e.id)).toEqual(
      games(30)
        .slice(0, upcoming.length)
        .map((g) => g.id),
    );
    expect(reported.upcomingOmitted).toBe(30 - upcoming.length);
  });

  it('leaves room for what desired already uses', () => {
    const roomy = buildReported(input({})).upcoming as unknown[];
    const tight = buildReported(input({ desiredBytes: 3000 })).upcoming as unknown[];
    expect(tight.length).toBeLessThan(roomy.length);
    expect(bytesOf(buildReported(input({ desiredBytes: 3000 })))).toBeLessThanOrEqual(8192 - 1024 - 3000);
  });

  it('lets older applied edits give way to the next upcoming events', () => {
    const entries = Array.from({ length: 60 }, (_, i) => applied(i));
    const reported = buildReported(input({ entries }));
    expect((reported.upcoming as unknown[]).length).toBeGreaterThanOrEqual(5);
    const shown = Object.keys(reported.events as object);
    expect(shown).toContain('custom-59');
    expect(shown).not.toContain('custom-0');
  });

  it('shows only edits applied within the retention', () => {
    const reported = buildReported(input({ entries: [applied(1, NOW - 2 * 86_400_000), applied(2)] }));
    expect(Object.keys(reported.events as object)).toEqual(['custom-2']);
  });

  it('shows no rejected edit when maxRejected is 0', () => {
    const entries: [string, LedgerEntry][] = Array.from({ length: 3 }, (_, i) => [
      `events/bad-${i}`,
      {
        ts: 1,
        hash: 'abcd1234',
        outcome: 'rejected',
        at: NOW + i,
        error: { code: 'INVALID_ARGS', message: 'bad' },
      },
    ]);
    expect(buildReported(input({ entries, maxRejected: 0 })).rejected).toBeUndefined();
    expect(Object.keys(buildReported(input({ entries, maxRejected: 2 })).rejected as object)).toEqual([
      'events/bad-1',
      'events/bad-2',
    ]);
  });

  it('gives the same document for the same input', () => {
    const entries = Array.from({ length: 10 }, (_, i) => applied(i));
    expect(JSON.stringify(buildReported(input({ entries })))).toBe(
      JSON.stringify(buildReported(input({ entries }))),
    );
  });
});
