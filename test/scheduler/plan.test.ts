import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyData, type GameRecord, type SchedulerData } from '../../components/scheduler/src/model.ts';
import {
  buildPlan,
  nextBoundary,
  type PlannedAlert,
  type RelayPlan,
  relayOn,
} from '../../components/scheduler/src/plan.ts';
import { plannedStart } from '../../components/scheduler/src/reconcile.ts';
import { configWith, fixture } from './support.ts';

const config = configWith();
const ZONE = 'Europe/Brussels';
const HOUR = 3_600_000;

function game(id: string, start: string, patch: Partial<GameRecord> = {}): GameRecord {
  return {
    kind: 'game',
    id,
    title: 'KAA Gent – Club Brugge',
    start: Date.parse(start),
    sourceStatus: 'scheduled',
    kickoffConfirmed: true,
    kickoffDate: start.slice(0, 10),
    missingCount: 0,
    source: 'club-site',
    ...patch,
  };
}

function planOf(data: SchedulerData, now: string) {
  return buildPlan(data, Date.parse(now), {
    policy: config.alertPolicy,
    zone: ZONE,
    horizonDays: 400,
    maxOccurrences: 400,
    followClock: true,
  });
}

function alertsOf(start: string) {
  const data = emptyData();
  data.events.set('g', game('g', start));
  const plan = planOf(data, '2026-01-01T00:00:00Z');
  return Object.fromEntries(
    plan.entries.map((a) => [a.windowId, [new Date(a.start).toISOString(), new Date(a.end).toISOString()]]),
  );
}

describe('planning across the DST changes of 2026 and 2027 in Europe/Brussels', () => {
  // Each row: the game's kick-off instant, and the default windows as real elapsed offsets before it.
  it.each([
    // Spring 2026 (29 March, 02:00 CET → 03:00 CEST): the final window 00:30Z–01:30Z spans the gap.
    [
      '2026-03-29T04:30:00.000Z',
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T00:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
    ],
    // Autumn 2026 (25 October, 03:00 CEST → 02:00 CET): the final window 01:00Z–02:00Z is the repeated hour.
    [
      '2026-10-25T05:00:00.000Z',
      '2026-10-24T02:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ],
    // A game at 02:30 CEST (first pass) on the autumn day of 2026.
    [
      '2026-10-25T00:30:00.000Z',
      '2026-10-23T21:30:00.000Z',
      '2026-10-24T20:30:00.000Z',
      '2026-10-24T21:30:00.000Z',
    ],
    // Spring 2027 (28 March).
    [
      '2027-03-28T04:30:00.000Z',
      '2027-03-27T01:30:00.000Z',
      '2027-03-28T00:30:00.000Z',
      '2027-03-28T01:30:00.000Z',
    ],
    // Autumn 2027 (31 October).
    [
      '2027-10-31T05:00:00.000Z',
      '2027-10-30T02:00:00.000Z',
      '2027-10-31T01:00:00.000Z',
      '2027-10-31T02:00:00.000Z',
    ],
    // A game at 02:30 CET (second pass) on the autumn day of 2027.
    [
      '2027-10-31T01:30:00.000Z',
      '2027-10-29T22:30:00.000Z',
      '2027-10-30T21:30:00.000Z',
      '2027-10-30T22:30:00.000Z',
    ],
  ])(
    'plans a game at %s with elapsed offsets (day-before from %s, final %s–%s)',
    (kickoff, dayBefore, finalStart, finalEnd) => {
      const alerts = alertsOf(kickoff);
      expect(alerts['day-before']?.[0]).toBe(dayBefore);
      expect(alerts.final).toEqual([finalStart, finalEnd]);
      const k = Date.parse(kickoff);
      expect(Date.parse(alerts.final![1]!)).toBe(k - 3 * HOUR);
    },
  );

  it.each([
    // Sunday defaults to 12:00 local: CEST before the autumn change, CET after it.
    ['2026-03-29', '2026-03-29T10:00:00.000Z'],
    ['2026-10-25', '2026-10-25T11:00:00.000Z'],
    ['2027-03-28', '2027-03-28T10:00:00.000Z'],
    ['2027-10-31', '2027-10-31T11:00:00.000Z'],
    // A Friday in winter: 18:00 CET.
    ['2027-01-15', '2027-01-15T17:00:00.000Z'],
  ])('plans an unconfirmed game on %s at the conservative earliest kick-off %s', (date, expected) => {
    const f = fixture({
      key: '2026-27:jpl:kaa-gent:kv-mechelen#1',
      kickoffDate: date,
      kickoffConfirmed: false,
    });
    const start = plannedStart(f, { zone: ZONE, unconfirmedKickoff: config.fixtures.unconfirmedKickoff });
    expect(new Date(start).toISOString()).toBe(expected);
  });

  it('plans an unconfirmed game on its placeholder time when that is earlier than the conservative one', () => {
    const f = fixture({
      key: '2026-27:jpl:kaa-gent:kv-mechelen#1',
      kickoffDate: '2026-10-25',
      kickoff: '2026-10-25T09:00:00.000Z',
      kickoffConfirmed: false,
    });
    const start = plannedStart(f, { zone: ZONE, unconfirmedKickoff: config.fixtures.unconfirmedKickoff });
    expect(new Date(start).toISOString()).toBe('2026-10-25T09:00:00.000Z');
  });

  it('repeats a recurring event at its local wall time across both changes, the repeated 02:30 on its earlier pass', () => {
    const data = emptyData();
    data.events.set('night', {
      kind: 'custom',
      id: 'night',
      title: 'Night market',
      // Saturday 24 October 2026, 02:30 CEST.
      start: Date.parse('2026-10-24T00:30:00Z'),
      recurrence: 'FREQ=DAILY;COUNT=3',
      origin: { via: 'local', ref: 't' },
    });
    data.events.set('spring', {
      kind: 'custom',
      id: 'spring',
      title: 'Spring gap',
      // Saturday 27 March 2027, 02:30 CET; the 28th has no 02:30.
      start: Date.parse('2027-03-27T01:30:00Z'),
      recurrence: 'FREQ=DAILY;COUNT=3',
      origin: { via: 'local', ref: 't' },
    });
    const plan = planOf(data, '2026-10-20T00:00:00Z');
    const starts = (prefix: string) =>
      plan.events.filter((e) => e.id.startsWith(prefix)).map((e) => [e.id, new Date(e.start).toISOString()]);
    expect(starts('night@')).toEqual([
      ['night@20261024T0230', '2026-10-24T00:30:00.000Z'],
      ['night@20261025T0230', '2026-10-25T00:30:00.000Z'],
      ['night@20261026T0230', '2026-10-26T01:30:00.000Z'],
    ]);
    const spring = planOf(data, '2027-03-20T00:00:00Z');
    expect(
      spring.events
        .filter((e) => e.id.startsWith('spring@'))
        .map((e) => [e.id, new Date(e.start).toISOString()]),
    ).toEqual([
      ['spring@20270327T0230', '2027-03-27T01:30:00.000Z'],
      ['spring@20270328T0230', '2027-03-28T01:30:00.000Z'],
      ['spring@20270329T0230', '2027-03-29T00:30:00.000Z'],
    ]);
  });

  it('keeps a weekly 09:00 event at 09:00 local across the spring change', () => {
    const data = emptyData();
    data.events.set('market', {
      kind: 'custom',
      id: 'market',
      title: 'Market',
      start: Date.parse('2027-03-20T08:00:00Z'),
      recurrence: 'RRULE:FREQ=WEEKLY;BYDAY=SA;COUNT=3',
      origin: { via: 'local', ref: 't' },
    });
    const plan = planOf(data, '2027-03-19T00:00:00Z');
    expect(plan.events.map((e) => new Date(e.start).toISOString())).toEqual([
      '2027-03-20T08:00:00.000Z',
      '2027-03-27T08:00:00.000Z',
      '2027-04-03T07:00:00.000Z',
    ]);
  });
});

describe('relayOn', () => {
  const entry = (start: number, end: number, patch: Partial<PlannedAlert> = {}): PlannedAlert => ({
    id: `e${start}-${end}:w`,
    eventId: `e${start}-${end}`,
    windowId: 'w',
    start,
    end,
    disabled: false,
    pattern: 'steady',
    ...patch,
  });

  it('is on from the start of an alert up to, but not including, its end', () => {
    const plan: RelayPlan = { entries: [entry(100, 200)], followClock: true };
    expect([99, 100, 199, 200].map((t) => relayOn(plan, t).on)).toEqual([false, true, true, false]);
  });

  it('stays off while the clock may not be followed', () => {
    expect(relayOn({ entries: [entry(100, 200)], followClock: false }, 150)).toEqual({
      on: false,
      reason: 'clock untrusted',
    });
  });

  it('gives the end of the continuous lit stretch as `until` when alerts overlap', () => {
    const plan: RelayPlan = {
      entries: [entry(100, 200), entry(150, 300), entry(300, 400)],
      followClock: true,
    };
    expect(relayOn(plan, 120).until).toBe(400);
  });

  // The brute-force oracle: the definition, per alert, with nothing shared with the implementation.
  const oracle = (plan: RelayPlan, t: number) =>
    plan.followClock &&
    plan.entries.some(
      (e) =>
        !e.disabled && t >= e.start && t < e.end && !(e.snoozedUntil !== undefined && t < e.snoozedUntil),
    );

  const entryArb = fc
    .record({
      start: fc.integer({ min: 0, max: 1000 }),
      length: fc.integer({ min: 1, max: 300 }),
      disabled: fc.boolean(),
      snooze: fc.option(fc.integer({ min: 0, max: 1300 }), { nil: undefined }),
    })
    .map(({ start, length, disabled, snooze }) =>
      entry(start, start + length, { disabled, ...(snooze === undefined ? {} : { snoozedUntil: snooze }) }),
    );
  const planArb = fc.record({
    entries: fc.array(entryArb, { maxLength: 12 }),
    followClock: fc.boolean(),
  });

  it('equals a brute-force oracle for random plans and instants', () => {
    fc.assert(
      fc.property(planArb, fc.integer({ min: -10, max: 1400 }), (plan, t) => {
        expect(relayOn(plan, t).on).toBe(oracle(plan, t));
      }),
      { numRuns: 2000 },
    );
  });

  // The oracle is constant between the instants where some alert starts, ends or its snooze ends, so
  // checking every such instant (and the one just before it) in a range checks the whole range.
  const checkpoints = (plan: RelayPlan, from: number, to: number) =>
    [
      from,
      ...plan.entries.flatMap((e) => [
        e.start,
        e.end,
        ...(e.snoozedUntil === undefined ? [] : [e.snoozedUntil]),
      ]),
    ]
      .flatMap((b) => [b - 1, b])
      .filter((u) => u >= from && u < to);

  it('keeps the light on until `until` and off at `until`, per the oracle', () => {
    fc.assert(
      fc.property(planArb, fc.integer({ min: -10, max: 1400 }), (plan, t) => {
        const decision = relayOn(plan, t);
        if (!decision.on) return;
        for (const u of checkpoints(plan, t, decision.until!)) expect(oracle(plan, u)).toBe(true);
        expect(oracle(plan, decision.until!)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('never changes between now and the next boundary, per the oracle', () => {
    fc.assert(
      fc.property(planArb, fc.integer({ min: -10, max: 1400 }), (raw, t) => {
        const plan = { ...raw, followClock: true };
        const next = nextBoundary(plan, t) ?? 1500;
        const now = oracle(plan, t);
        for (const u of checkpoints(plan, t, next)) expect(oracle(plan, u)).toBe(now);
      }),
      { numRuns: 1000 },
    );
  });
});
