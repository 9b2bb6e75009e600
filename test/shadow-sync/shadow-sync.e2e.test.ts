import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MatchdayStack, startMatchdayStack } from './matchday-stack.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

let stack: MatchdayStack;
beforeAll(async () => {
  stack = await startMatchdayStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** A custom event whose `final` alert (4 h → 3 h before the start) is active now. */
function eventActiveNow(title: string) {
  return { title, start: iso(Date.now() + 3.5 * HOUR) };
}

async function pending(): Promise<Record<string, unknown>> {
  const desired = (await stack.cloud())?.state.desired ?? {};
  const flat: Record<string, unknown> = {};
  for (const [section, entries] of Object.entries(desired)) {
    for (const [key, value] of Object.entries((entries ?? {}) as Record<string, unknown>))
      flat[`${section}/${key}`] = value;
  }
  return flat;
}

async function reported(): Promise<Record<string, unknown>> {
  return (await stack.cloud())?.state.reported ?? {};
}

describe('ShadowSync through local-core and the IoT data-plane API', { timeout: 90_000 }, () => {
  it('switches the light with a snooze written through the data-plane API and reports it', async () => {
    await stack.update({ state: { desired: { events: { 'e2e-snooze': eventActiveNow('Concert') } } } });
    await stack.waitFor(
      () => stack.relaySets().some((s) => s.message.on && s.message.alertId === 'e2e-snooze:final'),
      20_000,
      'light on for the new event',
    );
    const snooze = { snoozedUntil: iso(Date.now() + 2 * HOUR) };
    await stack.update({ state: { desired: { alerts: { 'e2e-snooze:final': snooze } } } });
    await stack.waitFor(
      () => stack.relaySets().at(-1)?.message.on === false,
      20_000,
      'light off after the snooze',
    );
    await stack.waitFor(
      async () => JSON.stringify((await reported()).alerts ?? {}).includes('e2e-snooze:final'),
      20_000,
      'snooze in reported',
    );
    expect(((await reported()).alerts as Record<string, unknown>)['e2e-snooze:final']).toEqual(snooze);
    expect(((await reported()).events as Record<string, unknown>)['e2e-snooze']).toMatchObject({
      title: 'Concert',
    });
    expect(await pending()).toEqual({});
  });
});

describe('ShadowSync across connectivity changes and restarts', { timeout: 90_000 }, () => {
  it('applies an edit made while the thing is offline once, on reconnect, after ShadowSync restarted', async () => {
    await stack.update({ state: { desired: { events: { 'e2e-offline': eventActiveNow('Seminar') } } } });
    await stack.waitFor(
      () => stack.relaySets().some((s) => s.message.on && s.message.alertId === 'e2e-offline:final'),
      20_000,
      'light on for the seminar',
    );
    await stack.setOnline(false);
    const snooze = { snoozedUntil: iso(Date.now() + HOUR) };
    await stack.update({ state: { desired: { alerts: { 'e2e-offline:final': snooze } } } });
    await stack.restartShadowSync();
    const setsBefore = stack.relaySets().length;
    await new Promise((r) => setTimeout(r, 500));
    expect(
      stack
        .relaySets()
        .slice(setsBefore)
        .some((s) => s.message.on === false),
    ).toBe(false);
    expect(await pending()).toEqual({ 'alerts/e2e-offline:final': snooze });

    await stack.setOnline(true);
    await stack.waitFor(
      async () => Object.keys(await pending()).length === 0,
      20_000,
      'edit applied and cleared',
    );
    expect(stack.relaySets().at(-1)?.message.on).toBe(false);
    expect(((await reported()).alerts as Record<string, unknown>)['e2e-offline:final']).toEqual(snooze);
    // applied once: a second restart does not send it again
    const offAt = stack.relaySets().length;
    await stack.restartShadowSync();
    await new Promise((r) => setTimeout(r, 1000));
    expect(
      stack
        .relaySets()
        .slice(offAt)
        .every((s) => s.message.on === false),
    ).toBe(true);
  });
});

describe('ShadowSync with concurrent and invalid edits', { timeout: 90_000 }, () => {
  it('keeps both of two edits written on the same version: one wins, the other retries and lands', async () => {
    const doc = await stack.cloud();
    const version = doc?.version ?? 0;
    const first = { start: iso(Date.now() + 30 * 24 * HOUR), title: 'Race A' };
    const second = { start: iso(Date.now() + 31 * 24 * HOUR), title: 'Race B' };
    const results = await Promise.allSettled([
      stack.update({ state: { desired: { events: { 'race-a': first } } }, version }),
      stack.update({ state: { desired: { events: { 'race-b': second } } }, version }),
    ]);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason.name).toBe('ConflictException');
    const loser = results[0]?.status === 'rejected' ? { 'race-a': first } : { 'race-b': second };
    // the client retries on fresh state, as AWS advises
    const fresh = await stack.cloud();
    await stack.update({ state: { desired: { events: loser } }, version: fresh?.version });
    await stack.waitFor(
      async () => {
        const events = ((await reported()).events ?? {}) as Record<string, unknown>;
        return 'race-a' in events && 'race-b' in events;
      },
      20_000,
      'both races applied',
    );
    expect(await pending()).toEqual({});
  });

  it('rejects invalid edits with a reason and changes nothing', async () => {
    const plan = async () =>
      JSON.stringify(
        (
          (await reported()).upcoming as {
            id: string;
            start: string;
            alerts: { window: string; start: string; end: string }[];
          }[]
        ).map((e) => [e.id, e.start, e.alerts.map((a) => [a.window, a.start, a.end])]),
      );
    await new Promise((r) => setTimeout(r, 1000));
    const before = stack.relaySets().length;
    const upcomingBefore = await plan();
    await stack.update({
      state: {
        desired: {
          alerts: {
            'no-such-event:final': { snoozedUntil: iso(Date.now() + HOUR) },
            'e2e-snooze:final': { start: iso(Date.now() + 2 * HOUR), end: iso(Date.now() + HOUR) },
          },
          events: {
            'bad-rrule': {
              title: 'Weekly',
              start: iso(Date.now() + 48 * HOUR),
              recurrence: 'FREQ=SOMETIMES',
            },
            'wrong-types': { title: 42, start: 'tomorrow' },
          },
        },
      },
    });
    await stack.waitFor(
      async () => Object.keys(await pending()).length === 0,
      20_000,
      'invalid edits cleared',
    );
    await stack.waitFor(
      async () => Object.keys(((await reported()).rejected ?? {}) as object).length >= 4,
      20_000,
      'rejections reported',
    );
    const rejected = (await reported()).rejected as Record<string, { code: string; message: string }>;
    expect(rejected['alerts/no-such-event:final']?.code).toBe('NOT_FOUND');
    expect(rejected['alerts/e2e-snooze:final']).toMatchObject({
      code: 'INVALID_ARGS',
      message: expect.stringContaining('end must be after start'),
    });
    expect(rejected['events/bad-rrule']?.code).toBe('INVALID_ARGS');
    expect(rejected['events/wrong-types']?.code).toBe('INVALID_ARGS');
    expect(await plan()).toBe(upcomingBefore);
    expect(
      stack
        .relaySets()
        .slice(before)
        .filter((s) => s.message.on),
    ).toEqual([]);
  });
});

describe('ShadowSync over a season', () => {
  it('keeps the whole document under 8 KB through a season of edits', async () => {
    const sizes: number[] = [];
    const measure = async () => {
      const doc = await stack.cloud();
      sizes.push(
        JSON.stringify(doc?.state.desired ?? {}).length + JSON.stringify(doc?.state.reported ?? {}).length,
      );
    };
    const season = Date.now() + 24 * HOUR;
    // one edit per update, as the dashboard sends them; a batch of them before the device catches up
    const settle = async (what: string) => {
      await stack.waitFor(async () => Object.keys(await pending()).length === 0, 30_000, what);
      await measure();
    };
    for (let n = 0; n < 40; n++) {
      await stack.update({
        state: {
          desired: {
            events: {
              [`season-${n}`]: {
                title: `Season event number ${n} with a fairly long descriptive title`,
                start: iso(season + n * 7 * 24 * HOUR),
                venue: 'Planet Group Arena',
              },
            },
          },
        },
      });
      if (n % 4 === 3) await settle(`season events up to ${n}`);
    }
    for (let n = 0; n < 40; n++) {
      await stack.update({
        state: {
          desired: {
            alerts: { [`season-${n}:final`]: { snoozedUntil: iso(season + n * 7 * 24 * HOUR - 3.5 * HOUR) } },
          },
        },
      });
      if (n % 4 === 3) await settle(`season snoozes up to ${n}`);
    }
    const final = await reported();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8192);
    expect((final.upcoming as unknown[]).length).toBeGreaterThanOrEqual(5);
    expect(final.upcomingOmitted).toBeGreaterThan(0);
  }, 180_000);
});

describe('ShadowSync with hostile desired documents', () => {
  it('never crashes and never corrupts the scheduler, whatever desired holds', async () => {
    const before = await stack.componentStates();
    const instant = fc.integer({ min: 0, max: 60 * 24 }).map((h) => iso(Date.now() + h * HOUR));
    const key = fc.oneof(
      fc.constantFrom('e2e-snooze:final', 'e2e-snooze', 'season-3:final', 'season-3', 'x:y', ''),
      fc.string({ maxLength: 24 }),
    );
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.record({ snoozedUntil: fc.oneof(instant, fc.string()) }),
      fc.record({ start: instant, end: instant }),
      fc.record({ disabled: fc.oneof(fc.boolean(), fc.string()) }),
      fc.record(
        { title: fc.string({ maxLength: 40 }), start: instant, recurrence: fc.string({ maxLength: 30 }) },
        { requiredKeys: ['title'] },
      ),
      fc.record({ deleted: fc.jsonValue({ maxDepth: 0 }) }),
      fc.record({ ignored: fc.jsonValue({ maxDepth: 0 }) }),
    );
    const desired = fc.record(
      {
        alerts: fc.oneof(fc.dictionary(key, value, { maxKeys: 4 }), fc.jsonValue({ maxDepth: 1 })),
        events: fc.dictionary(key, value, { maxKeys: 4 }),
        other: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(desired, async (doc) => {
        try {
          await stack.update({ state: { desired: doc } });
        } catch (error) {
          // the shadow service itself refused it (size, nesting): nothing reached the device
          expect((error as Error).name).toMatch(/InvalidRequestException|RequestEntityTooLargeException/);
          return;
        }
        await stack.waitFor(
          async () => Object.keys(await pending()).length === 0,
          30_000,
          'desired processed',
        );
      }),
      { numRuns: 12, seed: 20261204 },
    );
    const after = await stack.componentStates();
    for (const component of ['com.matchdayalert.Scheduler', 'com.matchdayalert.ShadowSync']) {
      expect(after[component]?.state).toBe('RUNNING');
      expect(after[component]?.restarts).toBe(before[component]?.restarts);
    }
    // the scheduler's store still takes a valid edit and reports it
    await stack.update({
      state: {
        desired: { events: { 'after-fuzz': { title: 'Still fine', start: iso(Date.now() + 50 * HOUR) } } },
      },
    });
    await stack.waitFor(
      async () => 'after-fuzz' in (((await reported()).events ?? {}) as object),
      20_000,
      'valid edit after fuzzing',
    );
  }, 240_000);
});
