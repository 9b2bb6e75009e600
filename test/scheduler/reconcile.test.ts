import { afterEach, describe, expect, it } from 'vitest';
import type { Fixture } from '../../components/shared/contracts/index.ts';
import { command, fixture, Harness, key, snapshot } from './support.ts';

let h: Harness;
afterEach(async () => {
  await h?.scheduler.stop();
});

const games = (n: number, from = '2026-09-12'): Fixture[] =>
  Array.from({ length: n }, (_, i) => {
    const day = new Date(Date.parse(`${from}T18:00:00.000Z`) + i * 7 * 86_400_000).toISOString();
    return fixture({ key: key(`team-${i}`), kickoff: day, away: `Team ${i}` });
  });

const event = (id: string) => h.scheduler.plan().events.find((e) => e.id === id);

describe('reconciling fixtures snapshots', () => {
  it('adds new games, keyed by their fixture key', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot(games(3)));
    expect(h.scheduler.plan().events.map((e) => e.id)).toEqual([key('team-0'), key('team-1'), key('team-2')]);
    expect(h.metrics.total('EventsAdded')).toBe(3);
  });

  it('keeps a user edit when the kick-off moves, moving the edited alert with it', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot(games(1)));
    const alertId = `${key('team-0')}:final`;
    await h.send(command('disableAlert', { alertId }));
    await h.send(
      command('snoozeAlert', { alertId: `${key('team-0')}:early`, until: '2026-09-12T12:30:00.000Z' }),
    );
    await h.send(
      command('updateAlert', {
        alertId: `${key('team-0')}:day-before`,
        start: '2026-09-11T08:00:00.000Z',
        end: '2026-09-11T09:00:00.000Z',
      }),
    );
    const moved = fixture({ key: key('team-0'), away: 'Team 0', kickoff: '2026-09-13T14:30:00.000Z' });
    await h.fixtures(snapshot([moved]));
    const e = event(key('team-0'));
    expect(new Date(e!.start).toISOString()).toBe('2026-09-13T14:30:00.000Z');
    const byWindow = Object.fromEntries(e!.alerts.map((a) => [a.windowId, a]));
    expect(byWindow.final?.disabled).toBe(true);
    expect(byWindow.final?.id).toBe(alertId);
    expect(byWindow.early?.snoozedUntil).toBe(Date.parse('2026-09-12T12:30:00.000Z'));
    // Moved by the same 20.5 h as the game.
    expect(new Date(byWindow['day-before']!.start).toISOString()).toBe('2026-09-12T04:30:00.000Z');
    expect(h.metrics.total('EventsUpdated')).toBe(1);
  });

  it('marks a game postponed when the source says so, and back to scheduled with a new date', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot(games(1)));
    await h.fixtures(snapshot([{ ...games(1)[0]!, status: 'postponed' }]));
    expect(event(key('team-0'))?.status).toBe('postponed');
    expect(h.scheduler.plan().entries).toHaveLength(0);
    await h.fixtures(
      snapshot([{ ...games(1)[0]!, kickoff: '2026-10-01T18:30:00.000Z', kickoffDate: '2026-10-01' }]),
    );
    expect(event(key('team-0'))?.status).toBe('scheduled');
    expect(h.scheduler.plan().entries).toHaveLength(3);
  });

  it('cancels a game only when the source says so, counting it', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot(games(1)));
    await h.fixtures(snapshot([{ ...games(1)[0]!, status: 'cancelled' }]));
    expect(event(key('team-0'))?.status).toBe('cancelled');
    expect(h.metrics.total('EventsCancelled')).toBe(1);
  });

  it('marks a future game missing only after three consecutive ok snapshots without it', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot(games(3)));
    const without = games(3).slice(0, 2);
    await h.fixtures(snapshot(without));
    await h.fixtures(snapshot(without));
    expect(event(key('team-2'))?.status).toBe('scheduled');
    await h.fixtures(snapshot(without));
    expect(event(key('team-2'))?.status).toBe('missing');
    await h.fixtures(snapshot(games(3)));
    expect(event(key('team-2'))?.status).toBe('scheduled');
  });

  it('restarts the absence count when the game comes back in between', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot(games(3)));
    const without = games(3).slice(0, 2);
    await h.fixtures(snapshot(without));
    await h.fixtures(snapshot(without));
    await h.fixtures(snapshot(games(3)));
    await h.fixtures(snapshot(without));
    expect(event(key('team-2'))?.status).toBe('scheduled');
  });

  it('never counts a replayed snapshot as an absence', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot(games(3)));
    const without = games(3).slice(0, 2);
    for (let i = 0; i < 5; i++) await h.fixtures(snapshot(without, { replayed: true }));
    expect(event(key('team-2'))?.status).toBe('scheduled');
  });

  it('changes nothing when the scraper replays the snapshot it last published', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot(games(3)));
    const writes = h.fs.calls.filter((c) => c.op === 'write').length;
    await h.fixtures(snapshot(games(3), { replayed: true }));
    expect(h.metrics.total('EventsAdded')).toBe(3);
    expect(h.metrics.total('EventsUpdated')).toBe(0);
    expect(h.scheduler.plan().events.map((e) => [e.id, e.status])).toEqual(
      games(3).map((g) => [g.key, 'scheduled']),
    );
    // At most the one save that records the snapshot's health.
    expect(h.fs.calls.filter((c) => c.op === 'write').length - writes).toBeLessThanOrEqual(1);
  });

  it('does not let a replay older than the last applied snapshot undo it, also after failed scrapes', async () => {
    h = await new Harness().start();
    const old = snapshot([fixture({ key: key('team-0'), kickoff: '2026-09-12T18:00:00.000Z' })], {
      takenAt: '2026-09-01T07:00:00.000Z',
    });
    await h.fixtures(old);
    // The kick-off moves; the scraper publishes it but its state file keeps the older snapshot.
    const moved = [fixture({ key: key('team-0'), kickoff: '2026-09-12T13:00:00.000Z' })];
    await h.fixtures(snapshot(moved, { takenAt: '2026-09-01T08:00:00.000Z' }));
    await h.fixtures(
      snapshot([], { takenAt: '2026-09-01T09:00:00.000Z', ok: false, failureReason: 'offline' }),
    );
    await h.restart();
    await h.fixtures({ ...old, replayed: true });
    expect(event(key('team-0'))?.start).toBe(Date.parse('2026-09-12T13:00:00.000Z'));
    expect(h.scheduler.plan().events).toHaveLength(1);
  });

  it('never marks a past game missing', async () => {
    h = await new Harness({ now: '2026-09-20T00:00:00Z' }).start();
    await h.fixtures(snapshot(games(3)));
    const future = games(3).slice(1);
    for (let i = 0; i < 4; i++) await h.fixtures(snapshot(future));
    expect(event(key('team-0'))?.status).toBe('scheduled');
  });

  it('changes nothing on a failed snapshot, but shows it in the state', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot(games(3)));
    await h.fixtures(snapshot([], { ok: false, failureReason: 'club site returned 503' }));
    expect(h.scheduler.plan().events.filter((e) => e.status === 'scheduled')).toHaveLength(3);
    await h.advance(h.config.state.debounceMs);
    expect(h.states().at(-1)?.lastFixtures).toMatchObject({
      ok: false,
      failureReason: 'club site returned 503',
    });
  });

  it('changes nothing on an implausible snapshot that drops more than half of four known future games', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot(games(4)));
    for (let i = 0; i < 4; i++) await h.fixtures(snapshot(games(4).slice(0, 1)));
    expect(h.scheduler.plan().events.filter((e) => e.status === 'scheduled')).toHaveLength(4);
    expect(h.logger.entries.filter((e) => e.fields.reason === 'implausible')).toHaveLength(4);
  });

  it('accepts a snapshot that drops exactly half of the known future games', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot(games(4)));
    await h.fixtures(snapshot(games(4).slice(0, 2)));
    expect(h.logger.entries.some((e) => e.fields.reason === 'implausible')).toBe(false);
  });

  it('ignores a snapshot it has already applied', async () => {
    h = await new Harness().start();
    const s = snapshot(games(2));
    await h.fixtures(s);
    await h.fixtures(s);
    expect(h.metrics.total('EventsAdded')).toBe(2);
    expect(h.logger.entries.some((e) => e.fields.reason === 'duplicate')).toBe(true);
  });

  it('keeps the same pairing twice in a season as two events', async () => {
    h = await new Harness().start();
    await h.fixtures(
      snapshot([
        fixture({ key: key('club-brugge', 1), kickoff: '2026-09-12T18:00:00.000Z' }),
        fixture({ key: key('club-brugge', 2), kickoff: '2027-02-20T19:00:00.000Z' }),
      ]),
    );
    expect(h.scheduler.plan().events.map((e) => e.id)).toEqual([
      key('club-brugge', 1),
      key('club-brugge', 2),
    ]);
  });

  it('plans an unconfirmed kick-off conservatively and counts it once when less than 7 days away', async () => {
    h = await new Harness({ now: '2026-09-01T08:00:00Z' }).start();
    await h.fixtures(
      snapshot([
        fixture({ key: key('kv-mechelen'), kickoffDate: '2026-09-06', kickoffConfirmed: false }),
        fixture({ key: key('standard'), kickoffDate: '2026-09-26', kickoffConfirmed: false }),
      ]),
    );
    expect(new Date(event(key('kv-mechelen'))!.start).toISOString()).toBe('2026-09-06T10:00:00.000Z');
    expect(h.metrics.total('UnconfirmedKickoffSoon')).toBe(1);
    await h.fixtures(
      snapshot([fixture({ key: key('kv-mechelen'), kickoffDate: '2026-09-06', kickoffConfirmed: false })]),
    );
    expect(h.metrics.total('UnconfirmedKickoffSoon')).toBe(1);
  });

  it('keeps an ignored game ignored across rescrapes', async () => {
    h = await new Harness().start();
    await h.fixtures(snapshot(games(1)));
    await h.send(command('ignoreEvent', { eventId: key('team-0') }));
    await h.fixtures(snapshot([{ ...games(1)[0]!, kickoff: '2026-09-12T19:00:00.000Z' }]));
    expect(event(key('team-0'))?.status).toBe('ignored');
  });

  it('does not count absences while the clock is untrusted', async () => {
    h = await new Harness({ trusted: false }).start();
    await h.fixtures(snapshot(games(3)));
    for (let i = 0; i < 4; i++) await h.fixtures(snapshot(games(3).slice(0, 2)));
    expect(event(key('team-2'))?.status).toBe('scheduled');
  });
});
