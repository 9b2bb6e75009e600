import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEDGER_FILE } from '../../components/shadow-sync/src/shadow-sync.ts';
import { Command } from '../../components/shared/contracts/index.ts';
import { GreengrassError } from '../../components/shared/errors.ts';
import { ALERT, createHarness, GAME, SHADOW, stateSnapshot, THING, upcomingGame } from './support.ts';

const SNOOZE = { snoozedUntil: '2026-09-12T15:30:00.000Z' };

describe('ShadowSync applying desired edits', () => {
  it('applies a snooze once, keeps the applied value in reported and removes the desired key', async () => {
    const h = await createHarness();
    await h.startSync();
    h.store.userUpdate(THING, SHADOW, { state: { desired: { alerts: { [ALERT]: SNOOZE } } } });
    await h.settle();

    expect(h.scheduler.applied).toEqual([
      {
        id: expect.stringMatching(/^shadow:alerts\/.+@\d+\.[0-9a-f]{8}\.1$/),
        type: 'snoozeAlert',
        args: { alertId: ALERT, until: SNOOZE.snoozedUntil },
        origin: { via: 'shadow', ref: `alerts/${ALERT}` },
      },
    ]);
    expect(h.desired()).toBeUndefined();
    expect(h.reported()?.alerts).toEqual({ [ALERT]: SNOOZE });
    expect(h.metrics.total('ShadowEditsApplied')).toBe(1);
  });

  it('derives the command id from the shadow key and its metadata timestamp', async () => {
    const h = await createHarness();
    await h.startSync();
    h.store.userUpdate(THING, SHADOW, { state: { desired: { alerts: { [ALERT]: SNOOZE } } } });
    await h.settle();
    const seconds = Math.floor(Date.parse('2026-09-01T10:00:00Z') / 1000);
    expect(h.scheduler.applied[0]?.id).toMatch(
      new RegExp(`^shadow:alerts/${escapeRegExp(ALERT)}@${seconds}\\.`),
    );
  });

  it('does not apply an edit again after a restart that happened before the shadow was updated', async () => {
    const h = await createHarness();
    await h.startSync();
    h.store.beforeNextUpdate(() => {
      throw new GreengrassError('ServiceError', 'ShadowManager unavailable');
    });
    h.store.userUpdate(THING, SHADOW, { state: { desired: { alerts: { [ALERT]: SNOOZE } } } });
    await h.settle();
    expect(h.scheduler.applied).toHaveLength(1);
    expect(h.desired()).toEqual({ alerts: { [ALERT]: SNOOZE } });

    await h.startSync();
    expect(h.scheduler.received).toHaveLength(1);
    expect(h.desired()).toBeUndefined();
    expect(h.reported()?.alerts).toEqual({ [ALERT]: SNOOZE });
  });

  it('never lets an older desired value overwrite a newer applied one', async () => {
    const h = await createHarness();
    await h.startSync();
    h.store.userUpdate(THING, SHADOW, { state: { desired: { alerts: { [ALERT]: SNOOZE } } } });
    await h.settle();
    // an edit made earlier elsewhere arrives late (its metadata timestamp is older)
    h.clock.jumpWall(-3_600_000);
    h.store.userUpdate(THING, SHADOW, {
      state: { desired: { alerts: { [ALERT]: { snoozedUntil: '2026-09-12T14:00:00.000Z' } } } },
    });
    await h.settle();
    expect(h.scheduler.applied).toHaveLength(1);
    expect(h.desired()).toBeUndefined();
    expect(h.reported()?.alerts).toEqual({ [ALERT]: SNOOZE });
    expect(h.logger.events()).toContain('shadowsync.edit.stale');
  });

  it('applies two different edits of one key made within the same second, in order', async () => {
    const h = await createHarness();
    await h.startSync();
    h.scheduler.answering = false;
    h.store.userUpdate(THING, SHADOW, { state: { desired: { alerts: { [ALERT]: SNOOZE } } } });
    await h.settle();
    h.scheduler.answering = true;
    h.store.userUpdate(THING, SHADOW, {
      state: { desired: { alerts: { [ALERT]: { snoozedUntil: null, disabled: true } } } },
    });
    await h.clock.advance(h.config.commandTimeoutS * 1000);
    await h.settle();
    expect(h.scheduler.applied.map((c) => c.type)).toEqual(['snoozeAlert', 'disableAlert']);
    expect(h.reported()?.alerts).toEqual({ [ALERT]: { disabled: true } });
  });

  it('applies a value again when it comes back within the same second (A, B, A)', async () => {
    const h = await createHarness();
    await h.startSync();
    for (const disabled of [true, false, true]) {
      h.store.userUpdate(THING, SHADOW, { state: { desired: { alerts: { [ALERT]: { disabled } } } } });
      await h.settle();
    }
    expect(h.scheduler.applied.map((c) => c.type)).toEqual(['disableAlert', 'enableAlert', 'disableAlert']);
    expect(new Set(h.scheduler.applied.map((c) => c.id)).size).toBe(3);
  });

  it('keeps an unanswered edit pending and retries it with the same command id', async () => {
    const h = await createHarness();
    await h.startSync();
    h.scheduler.answering = false;
    h.store.userUpdate(THING, SHADOW, { state: { desired: { alerts: { [ALERT]: SNOOZE } } } });
    await h.settle();
    await h.clock.advance(h.config.commandTimeoutS * 1000);
    await h.settle();
    expect(h.desired()).toEqual({ alerts: { [ALERT]: SNOOZE } });
    h.scheduler.answering = true;
    await h.clock.advance(h.config.commandTimeoutS * 1000);
    await h.settle();
    const ids = h.scheduler.received.map((c) => (c as { id: string }).id);
    expect(ids.length).toBeGreaterThan(1);
    expect(new Set(ids).size).toBe(1);
    expect(h.desired()).toBeUndefined();
    expect(h.scheduler.applied).toHaveLength(1);
  });

  it('tries again shortly when a shadow write fails, without applying the edit twice', async () => {
    const h = await createHarness();
    await h.startSync();
    h.store.beforeNextUpdate(() => {
      throw new GreengrassError('ServiceError', 'Too many requests');
    });
    h.store.userUpdate(THING, SHADOW, { state: { desired: { alerts: { [ALERT]: SNOOZE } } } });
    await h.settle();
    expect(h.desired()).toEqual({ alerts: { [ALERT]: SNOOZE } });
    await h.clock.advance(2000);
    await h.settle();
    expect(h.desired()).toBeUndefined();
    expect(h.reported()?.alerts).toEqual({ [ALERT]: SNOOZE });
    expect(h.scheduler.applied).toHaveLength(1);
  });

  it('persists the ledger durably before answering the shadow', async () => {
    const h = await createHarness();
    await h.startSync();
    h.store.userUpdate(THING, SHADOW, { state: { desired: { alerts: { [ALERT]: SNOOZE } } } });
    await h.settle();
    const path = `/greengrass/work/com.matchdayalert.ShadowSync/${LEDGER_FILE}`;
    expect(h.fs.calls).toEqual(
      expect.arrayContaining([
        { op: 'write', path: `${path}.tmp` },
        { op: 'rename', from: `${path}.tmp`, to: path },
      ]),
    );
  });
});

describe('ShadowSync waiting for the scheduler', () => {
  it('sends no command before the scheduler has published its state', async () => {
    const h = await createHarness();
    h.scheduler.answering = false;
    h.scheduler.state = undefined;
    h.store.userUpdate(THING, SHADOW, { state: { desired: { alerts: { [ALERT]: SNOOZE } } } });
    await h.startSync();
    expect(h.scheduler.received).toEqual([]);
    h.scheduler.answering = true;
    await h.publishState(stateSnapshot('2026-09-01T10:00:00.000Z'));
    expect(h.scheduler.applied.map((c) => c.type)).toEqual(['snoozeAlert']);
    expect(h.desired()).toBeUndefined();
  });
});

describe('ShadowSync rejecting edits', () => {
  async function rejectedAfter(desired: Record<string, unknown>) {
    const h = await createHarness();
    await h.startSync();
    h.store.userUpdate(THING, SHADOW, { state: { desired } });
    await h.settle();
    return h;
  }

  it('reports an edit of an unknown alert with the scheduler code and removes it from desired', async () => {
    const unknown = `${GAME}:early`;
    const h = await rejectedAfter({ alerts: { [unknown]: SNOOZE } });
    expect(h.desired()).toBeUndefined();
    expect(h.reported()?.rejected).toEqual({
      [`alerts/${unknown}`]: {
        code: 'NOT_FOUND',
        message: `unknown alert \`${unknown}\``,
        at: expect.any(String),
      },
    });
    expect(h.reported()?.alerts).toBeUndefined();
    expect(h.metrics.total('ShadowEditsRejected')).toBe(1);
  });

  it('rejects a move whose end is before its start without sending a command', async () => {
    const h = await rejectedAfter({
      alerts: { [ALERT]: { start: '2026-09-12T15:00:00.000Z', end: '2026-09-12T14:00:00.000Z' } },
    });
    expect(h.scheduler.received).toEqual([]);
    expect(h.reported()?.rejected).toMatchObject({
      [`alerts/${ALERT}`]: {
        code: 'INVALID_ARGS',
        path: `alerts.${ALERT}.end`,
        message: expect.stringContaining('end must be after start'),
      },
    });
  });

  it('rejects a custom event with a bad RRULE', async () => {
    const h = await rejectedAfter({
      events: {
        concert: { title: 'Concert', start: '2026-10-01T18:00:00.000Z', recurrence: 'EVERY MONDAY' },
      },
    });
    expect(h.scheduler.received).toEqual([]);
    expect(h.reported()?.rejected).toMatchObject({
      'events/concert': { code: 'INVALID_ARGS', path: 'events.concert.recurrence' },
    });
  });

  it('rejects values of the wrong type, naming the field and the value', async () => {
    const h = await rejectedAfter({
      alerts: { [ALERT]: { snoozedUntil: 42 } },
      events: { concert: 'tonight' },
    });
    const rejected = h.reported()?.rejected as Record<string, { message: string; path: string }>;
    expect(rejected[`alerts/${ALERT}`]?.path).toBe(`alerts.${ALERT}.snoozedUntil`);
    expect(rejected['events/concert']?.message).toContain('"tonight"');
    expect(h.scheduler.received).toEqual([]);
    expect(h.desired()).toBeUndefined();
  });

  it('rejects a desired section that is not an object and keys outside alerts and events', async () => {
    const h = await rejectedAfter({ alerts: [1, 2], light: { on: true } });
    expect(Object.keys(h.reported()?.rejected as object).sort()).toEqual(['alerts', 'light']);
    expect(h.desired()).toBeUndefined();
  });

  it('refuses to define or delete a game as a custom event', async () => {
    const h = await rejectedAfter({ events: { [GAME]: { deleted: true } } });
    expect(h.scheduler.received).toEqual([]);
    expect(h.reported()?.rejected).toMatchObject({ [`events/${GAME}`]: { code: 'INVALID_ARGS' } });
  });
});

describe('ShadowSync and concurrent writers', () => {
  it('retries on a version conflict and loses neither edit', async () => {
    const h = await createHarness();
    await h.startSync();
    const concert = { title: 'Concert', start: '2026-10-01T18:00:00.000Z' };
    h.store.beforeNextUpdate(() => {
      h.store.userUpdate(THING, SHADOW, { state: { desired: { events: { concert } } } });
    });
    h.store.userUpdate(THING, SHADOW, { state: { desired: { alerts: { [ALERT]: SNOOZE } } } });
    await h.settle();
    expect(h.store.conflicts).toBeGreaterThan(0);
    expect(h.scheduler.applied.map((c) => c.type).sort()).toEqual(['snoozeAlert', 'upsertCustomEvent']);
    expect(h.desired()).toBeUndefined();
    expect(h.reported()).toMatchObject({ alerts: { [ALERT]: SNOOZE }, events: { concert } });
  });

  it('does not react to its own shadow writes', async () => {
    const h = await createHarness();
    await h.startSync();
    await h.publishState(stateSnapshot('2026-09-01T10:00:00.000Z'));
    const writes = h.store.requests.length;
    await h.clock.advance(h.config.reportMinIntervalMs * 3);
    await h.settle();
    expect(h.store.requests.length).toBe(writes);
    expect(writes).toBe(1);
  });
});

describe('ShadowSync reported state', () => {
  it('reports light, clock trust, scraper health and the upcoming events', async () => {
    const h = await createHarness();
    await h.startSync();
    await h.publishState(stateSnapshot('2026-09-01T10:00:00.000Z'));
    expect(h.reported()).toMatchObject({
      light: { on: false, planned: false, healthy: true, driver: 'simulated' },
      clock: { trusted: true, source: 'timesyncd' },
      scraper: { ok: true },
      upcoming: [{ id: GAME, alerts: [{ window: 'final', state: 'scheduled' }] }],
      upcomingOmitted: 0,
    });
  });

  it('writes reported only when its content changes', async () => {
    const h = await createHarness();
    await h.startSync();
    const first = stateSnapshot('2026-09-01T10:00:00.000Z');
    await h.publishState(first);
    await h.clock.advance(h.config.reportMinIntervalMs);
    await h.publishState({ ...first, at: '2026-09-01T10:00:05.000Z' });
    await h.clock.advance(h.config.reportMinIntervalMs);
    await h.settle();
    expect(h.store.requests).toHaveLength(1);
  });

  it('rate-limits status writes and sends the latest state when the interval ends', async () => {
    const h = await createHarness();
    await h.startSync();
    await h.publishState(stateSnapshot('2026-09-01T10:00:00.000Z'));
    const trusted = stateSnapshot('2026-09-01T10:00:01.000Z');
    await h.publishState({ ...trusted, clock: { trusted: false, source: 'none' } });
    expect(h.store.requests).toHaveLength(1);
    await h.clock.advance(h.config.reportMinIntervalMs);
    await h.settle();
    expect(h.store.requests).toHaveLength(2);
    expect(h.reported()?.clock).toEqual({ trusted: false, source: 'none' });
  });

  it('trims the upcoming events to what the document limit leaves, earliest first', async () => {
    const h = await createHarness();
    await h.startSync();
    const games = Array.from({ length: 120 }, (_, i) =>
      upcomingGame(
        `2026-27:jpl:kaa-gent:team-${i}#1`,
        new Date(Date.parse('2026-09-12T18:00:00Z') + i * 7 * 86_400_000).toISOString(),
      ),
    );
    await h.publishState(stateSnapshot('2026-09-01T10:00:00.000Z', games));
    await h.clock.advance(h.config.reportMinIntervalMs);
    await h.settle();
    const doc = h.store.document(THING, SHADOW)!;
    const size = JSON.stringify(doc.state.desired ?? {}).length + JSON.stringify(doc.state.reported).length;
    const upcoming = doc.state.reported?.upcoming as { id: string }[];
    expect(size).toBeLessThanOrEqual(h.config.documentLimitBytes - h.config.reserveBytes);
    expect(upcoming.length).toBeGreaterThan(5);
    expect(upcoming.map((e) => e.id)).toEqual(games.slice(0, upcoming.length).map((g) => g.id));
    expect(doc.state.reported?.upcomingOmitted).toBe(games.length - upcoming.length);
  });

  it('shrinks reported until it fits when ShadowManager is configured with a smaller limit', async () => {
    const h = await createHarness({}, '2026-09-01T10:00:00Z', 4096);
    const games = Array.from({ length: 60 }, (_, i) =>
      upcomingGame(
        `2026-27:jpl:kaa-gent:team-${i}#1`,
        new Date(Date.parse('2026-09-12T18:00:00Z') + i * 7 * 86_400_000).toISOString(),
      ),
    );
    h.scheduler.state = stateSnapshot('2026-09-01T10:00:00.000Z', games);
    await h.startSync();
    const doc = h.store.document(THING, SHADOW)!;
    expect(JSON.stringify(doc.state.reported).length).toBeLessThanOrEqual(4096);
    expect((doc.state.reported?.upcoming as unknown[] | undefined)?.length).toBeGreaterThan(0);
    expect(h.logger.events()).toContain('shadowsync.shadow.too-large');
  });

  it('drops applied edits of events that are past once the retention has passed', async () => {
    const h = await createHarness();
    await h.startSync();
    await h.publishState(stateSnapshot('2026-09-01T10:00:00.000Z'));
    h.store.userUpdate(THING, SHADOW, { state: { desired: { alerts: { [ALERT]: SNOOZE } } } });
    await h.settle();
    expect(h.reported()?.alerts).toEqual({ [ALERT]: SNOOZE });
    await h.clock.advance(h.config.retentionHours * 3_600_000 + 1000);
    await h.publishState(stateSnapshot('2026-09-02T11:00:00.000Z', []));
    await h.clock.advance(h.config.reportMinIntervalMs);
    await h.settle();
    expect(h.reported()?.alerts).toBeUndefined();
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\#]/g, '\\$&');
}

describe('ShadowSync with random desired documents', () => {
  it('never fails, sends only valid commands and leaves nothing pending', async () => {
    const instant = fc
      .integer({ min: -48, max: 24 * 60 })
      .map((h) => new Date(Date.parse('2026-09-01T10:00:00Z') + h * 3_600_000).toISOString());
    const key = fc.oneof(
      fc.constantFrom(ALERT, GAME, 'concert', `${GAME}:early`, ''),
      fc.string({ maxLength: 30 }),
    );
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ snoozedUntil: fc.oneof(instant, fc.jsonValue({ maxDepth: 0 })) }),
      fc.record({ start: instant, end: fc.oneof(instant, fc.string()) }),
      fc.record({ disabled: fc.jsonValue({ maxDepth: 0 }) }),
      fc.record(
        {
          title: fc.string({ maxLength: 50 }),
          start: instant,
          end: instant,
          recurrence: fc.oneof(fc.constant('FREQ=WEEKLY;COUNT=3'), fc.string()),
        },
        { requiredKeys: ['title'] },
      ),
      fc.record({ deleted: fc.jsonValue({ maxDepth: 0 }) }),
      fc.record({ ignored: fc.jsonValue({ maxDepth: 0 }) }),
    );
    const desired = fc.dictionary(
      fc.oneof(fc.constantFrom('alerts', 'events'), fc.string({ maxLength: 8 })),
      fc.oneof(fc.dictionary(key, value, { maxKeys: 5 }), fc.jsonValue({ maxDepth: 1 })),
      { maxKeys: 4 },
    );
    const h = await createHarness();
    await h.startSync();
    await fc.assert(
      fc.asyncProperty(desired, async (doc) => {
        try {
          h.store.userUpdate(THING, SHADOW, { state: { desired: doc } });
        } catch {
          return; // refused by the shadow itself (size or nesting)
        }
        await h.settle();
        await h.clock.advance(h.config.reportMinIntervalMs);
        await h.settle();
        expect(h.desired()).toBeUndefined();
        const current = h.store.document(THING, SHADOW)!;
        expect(JSON.stringify(current.state.reported ?? {}).length).toBeLessThanOrEqual(
          h.config.documentLimitBytes,
        );
      }),
      { numRuns: 150, seed: 7 },
    );
    for (const command of h.scheduler.received) expect(Command.safeParse(command).success).toBe(true);
    expect(h.logger.events()).not.toContain('shadowsync.reconcile.failed');
  });
});
