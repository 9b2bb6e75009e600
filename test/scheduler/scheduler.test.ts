import { afterEach, describe, expect, it } from 'vitest';
import { TOPICS } from '../../components/shared/contracts/index.ts';
import { command, fixture, Harness, key, snapshot } from './support.ts';

const HOUR = 3_600_000;
let h: Harness;

afterEach(async () => {
  await h?.scheduler.stop();
});

/** A harness with one home game on 12 September 2026 at 20:00 local (18:00Z). */
async function withGame(options: ConstructorParameters<typeof Harness>[0] = {}): Promise<Harness> {
  h = await new Harness(options).start();
  await h.fixtures(snapshot([fixture({ key: key('club-brugge'), kickoff: '2026-09-12T18:00:00.000Z' })]));
  return h;
}
const FINAL = `${key('club-brugge')}:final`;

describe('the light', () => {
  it('switches on at the start of an alert and off at its end, with the boundary timer alone', async () => {
    await withGame({ now: '2026-09-12T13:30:00Z' });
    expect(h.light()).toBe(false);
    await h.advanceTo('2026-09-12T14:00:00.000Z');
    expect(h.relaySets().at(-1)).toMatchObject({
      on: true,
      reason: 'alert',
      alertId: FINAL,
      pattern: 'blink',
    });
    expect(h.relaySets().at(-1)?.until).toBe('2026-09-12T15:00:00.000Z');
    await h.advanceTo('2026-09-12T15:00:00.000Z');
    expect(h.light()).toBe(false);
    expect(h.metrics.total('AlertsStarted')).toBe(1);
    expect(h.metrics.total('AlertsStopped')).toBe(1);
  });

  it('is right again at start after a restart in the middle of an alert', async () => {
    await withGame({ now: '2026-09-12T13:50:00Z' });
    await h.advanceTo('2026-09-12T14:30:00.000Z');
    await h.restart();
    const sinceRestart = h.relaySets().at(-1);
    expect(sinceRestart).toMatchObject({ on: true, alertId: FINAL });
  });

  it('re-asserts the relay set every re-assert period even when nothing changes', async () => {
    await withGame();
    const before = h.relaySets().length;
    await h.advance(h.config.relay.reassertIntervalS * 1000 * 3);
    expect(h.relaySets().length - before).toBeGreaterThanOrEqual(3);
  });

  it('re-sends the plan when the relay reports a state that disagrees with it', async () => {
    await withGame();
    const before = h.relaySets().length;
    await h.peer.publish(TOPICS.relayState, {
      on: true,
      since: '2026-09-01T08:00:00.000Z',
      driver: 'simulated',
      healthy: true,
    });
    await h.settle();
    expect(h.relaySets().length).toBe(before + 1);
    expect(h.relaySets().at(-1)?.on).toBe(false);
  });

  it('does not re-send when the relay agrees with the plan', async () => {
    await withGame();
    const before = h.relaySets().length;
    await h.peer.publish(TOPICS.relayState, {
      on: false,
      since: '2026-09-01T08:00:00.000Z',
      driver: 'simulated',
      healthy: true,
    });
    await h.settle();
    expect(h.relaySets().length).toBe(before);
  });

  it('counts a relay switch each time the published light changes', async () => {
    await withGame({
      now: '2026-09-11T14:00:00Z',
      config: { safetyTickS: 300, relay: { reassertIntervalS: 3600 } },
    });
    await h.advanceTo('2026-09-12T16:00:00.000Z');
    // day-before, early and final: three on/off pairs.
    expect(h.metrics.total('RelaySwitches')).toBe(6);
  });
});

describe('clock trust', () => {
  const MARKER = '/run/systemd/timesync/synchronized';

  it('keeps the light off while the clock is untrusted, counts it and shows it in the state', async () => {
    await withGame({ trusted: false, now: '2026-09-12T14:10:00Z' });
    await h.advance(HOUR);
    expect(h.relaySets().every((s) => s.on === false)).toBe(true);
    expect(h.relaySets().at(-1)?.reason).toBe('clock untrusted');
    expect(h.metrics.total('ClockUntrusted')).toBeGreaterThanOrEqual(1);
    await h.peer.publish(TOPICS.stateRequest, {});
    await h.settle();
    expect(h.states().at(-1)?.clock).toEqual({ trusted: false, source: 'none' });
  });

  it('switches on within one tick when trust is gained in the middle of an alert', async () => {
    await withGame({ trusted: false, now: '2026-09-12T14:10:00Z' });
    expect(h.light()).toBe(false);
    h.fs.files.set(MARKER, new Uint8Array());
    await h.advance(h.config.safetyTickS * 1000);
    expect(h.light()).toBe(true);
    expect(h.scheduler.clockTrust()).toEqual({ trusted: true, source: 'timesyncd' });
  });

  it('trusts a battery-backed RTC when its device exists', async () => {
    h = new Harness({
      trusted: false,
      config: { clockTrust: { rtcBatteryBacked: true, rtcDevicePath: '/sys/class/rtc/rtc0' } },
    });
    h.fs.files.set('/sys/class/rtc/rtc0', new Uint8Array());
    await h.start();
    expect(h.scheduler.clockTrust()).toEqual({ trusted: true, source: 'rtc' });
  });

  it('does not trust an RTC that is not declared battery-backed', async () => {
    h = new Harness({ trusted: false });
    h.fs.files.set('/sys/class/rtc/rtc0', new Uint8Array());
    await h.start();
    expect(h.scheduler.clockTrust().trusted).toBe(false);
  });

  it('follows the wall clock while untrusted when the policy says so', async () => {
    await withGame({
      trusted: false,
      now: '2026-09-12T14:10:00Z',
      config: { clockTrust: { untrustedPolicy: 'followWallClock' } },
    });
    expect(h.light()).toBe(true);
  });

  it('lets the operator override distrust every source', async () => {
    h = new Harness({ trusted: false, config: { clockTrust: { override: 'untrusted' } } });
    h.fs.files.set(MARKER, new Uint8Array());
    await h.start();
    expect(h.scheduler.clockTrust()).toEqual({ trusted: false, source: 'override' });
  });

  it('replans within one tick after the wall clock jumps forward into an alert', async () => {
    await withGame({ now: '2026-09-12T10:00:00Z' });
    h.clock.jumpWall(Date.parse('2026-09-12T14:05:00Z') - h.clock.now());
    expect(h.light()).toBe(false);
    await h.advance(h.config.safetyTickS * 1000);
    expect(h.light()).toBe(true);
    expect(h.logger.events()).toContain('scheduler.clock.jumped');
  });

  it('replans within one tick after the wall clock jumps back out of an alert', async () => {
    await withGame({ now: '2026-09-12T14:05:00Z' });
    expect(h.light()).toBe(true);
    h.clock.jumpWall(-HOUR);
    await h.advance(h.config.safetyTickS * 1000);
    expect(h.light()).toBe(false);
    // And the boundary timer was re-armed on the new wall time: on again at 14:00Z.
    await h.advanceTo('2026-09-12T14:00:00.000Z');
    expect(h.light()).toBe(true);
  });
});

describe('commands', () => {
  it('answers every command exactly once, after the change is durable', async () => {
    await withGame();
    const writesBefore = h.fs.calls.filter((c) => c.op === 'syncDir').length;
    const result = await h.send(command('disableAlert', { alertId: FINAL }, 'c1'));
    expect(result).toEqual({ id: 'c1', ok: true });
    expect(h.results().filter((r) => r.id === 'c1')).toHaveLength(1);
    expect(h.fs.calls.filter((c) => c.op === 'syncDir').length).toBeGreaterThan(writesBefore);
  });

  it('returns the stored result for a repeated id without a second effect', async () => {
    await withGame({ now: '2026-09-12T13:30:00Z' });
    await h.send(command('snoozeAlert', { alertId: FINAL, until: '2026-09-12T14:30:00.000Z' }, 'same'));
    await h.send(command('snoozeAlert', { alertId: FINAL, until: '2026-09-12T14:50:00.000Z' }, 'same'));
    expect(h.results().filter((r) => r.id === 'same')).toEqual([
      { id: 'same', ok: true },
      { id: 'same', ok: true },
    ]);
    expect(h.metrics.total('AlertsSnoozed')).toBe(1);
    await h.advanceTo('2026-09-12T14:35:00.000Z');
    expect(h.light()).toBe(true);
  });

  it('keeps an alert dark while snoozed and lights it again when the snooze ends inside its window', async () => {
    await withGame({ now: '2026-09-12T14:05:00Z' });
    expect(h.light()).toBe(true);
    await h.send(command('snoozeAlert', { alertId: FINAL, until: '2026-09-12T14:20:00.000Z' }));
    expect(h.light()).toBe(false);
    await h.advanceTo('2026-09-12T14:20:00.000Z');
    expect(h.light()).toBe(true);
  });

  it('moves an alert with updateAlert', async () => {
    await withGame({ now: '2026-09-12T11:30:00Z' });
    await h.send(
      command('updateAlert', {
        alertId: FINAL,
        start: '2026-09-12T11:40:00.000Z',
        end: '2026-09-12T11:50:00.000Z',
      }),
    );
    await h.advanceTo('2026-09-12T11:45:00.000Z');
    expect(h.light()).toBe(true);
    await h.advanceTo('2026-09-12T14:05:00.000Z');
    expect(h.light()).toBe(false);
  });

  it('rejects moving an alert to a window longer than 24 hours, changing nothing', async () => {
    await withGame();
    const r = await h.send(
      command('updateAlert', {
        alertId: FINAL,
        start: '2026-09-10T12:00:00.000Z',
        end: '2026-09-12T12:00:00.000Z',
      }),
    );
    expect(r?.error).toMatchObject({ code: 'INVALID_ARGS', path: 'args.end' });
    expect(h.scheduler.plan().entries.find((a) => a.id === FINAL)?.start).toBe(
      Date.parse('2026-09-12T14:00:00.000Z'),
    );
  });

  it('disables and enables an alert', async () => {
    await withGame({ now: '2026-09-12T14:05:00Z' });
    await h.send(command('disableAlert', { alertId: FINAL }));
    expect(h.light()).toBe(false);
    await h.send(command('enableAlert', { alertId: FINAL }));
    expect(h.light()).toBe(true);
  });

  it('snoozes every alert of an event with snoozeEvent', async () => {
    await withGame({ now: '2026-09-11T14:00:00Z' });
    await h.send(command('snoozeEvent', { eventId: key('club-brugge'), until: '2026-09-12T14:30:00.000Z' }));
    await h.advanceTo('2026-09-11T15:30:00.000Z');
    expect(h.light()).toBe(false);
    await h.advanceTo('2026-09-12T14:31:00.000Z');
    expect(h.light()).toBe(true);
    expect(h.metrics.total('AlertsSnoozed')).toBe(3);
  });

  it('ignores an event and un-ignores it', async () => {
    await withGame({ now: '2026-09-12T14:05:00Z' });
    await h.send(command('ignoreEvent', { eventId: key('club-brugge') }));
    expect(h.light()).toBe(false);
    await h.send(command('ignoreEvent', { eventId: key('club-brugge'), ignored: false }));
    expect(h.light()).toBe(true);
  });

  it('adds a custom event, lights its alerts, and deletes it', async () => {
    h = await new Harness({ now: '2026-09-20T10:00:00Z' }).start();
    const ok = await h.send(
      command('upsertCustomEvent', {
        eventId: 'concert',
        title: 'Concert',
        start: '2026-09-20T18:00:00.000Z',
      }),
    );
    expect(ok?.ok).toBe(true);
    expect(h.metrics.total('EventsAdded')).toBe(1);
    await h.advanceTo('2026-09-20T14:00:00.000Z');
    expect(h.relaySets().at(-1)).toMatchObject({ on: true, alertId: 'concert:final' });
    await h.send(command('deleteEvent', { eventId: 'concert' }));
    expect(h.light()).toBe(false);
  });

  it('lights the alerts of each occurrence of a recurring custom event', async () => {
    h = await new Harness({ now: '2026-09-28T12:30:00Z' }).start();
    await h.send(
      command('upsertCustomEvent', {
        eventId: 'seminar',
        title: 'Seminar',
        start: '2026-09-21T17:00:00.000Z',
        recurrence: 'FREQ=WEEKLY;COUNT=3',
      }),
    );
    await h.advanceTo('2026-09-28T13:30:00.000Z');
    expect(h.relaySets().at(-1)).toMatchObject({ on: true, alertId: 'seminar@20260928T1900:final' });
  });

  it('snoozes one occurrence of a recurring event by its occurrence id', async () => {
    h = await new Harness({ now: '2026-09-20T10:00:00Z' }).start();
    await h.send(
      command('upsertCustomEvent', {
        eventId: 'seminar',
        title: 'Seminar',
        start: '2026-09-21T17:00:00.000Z',
        recurrence: 'FREQ=WEEKLY;COUNT=3',
      }),
    );
    const r = await h.send(command('disableAlert', { alertId: 'seminar@20260928T1900:final' }));
    expect(r?.ok).toBe(true);
    const missing = await h.send(command('disableAlert', { alertId: 'seminar@20260929T1900:final' }));
    expect(missing?.error?.code).toBe('NOT_FOUND');
  });

  it('rejects an invalid RRULE with INVALID_ARGS at args.recurrence and changes nothing', async () => {
    h = await new Harness().start();
    const r = await h.send(
      command('upsertCustomEvent', {
        eventId: 'x',
        title: 'X',
        start: '2026-09-21T17:00:00.000Z',
        recurrence: 'FREQ=MINUTELY',
      }),
    );
    expect(r?.error).toMatchObject({ code: 'INVALID_ARGS', path: 'args.recurrence' });
    expect(h.scheduler.plan().events).toHaveLength(0);
    expect(h.metrics.total('CommandsRejected')).toBe(1);
  });

  it('rejects a recurrence that never occurs (30 February), which would stall every replan', async () => {
    h = await new Harness().start();
    const r = await h.send(
      command('upsertCustomEvent', {
        eventId: 'never',
        title: 'Never',
        start: '2026-09-21T17:00:00.000Z',
        recurrence: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30',
      }),
    );
    expect(r?.error).toMatchObject({ code: 'INVALID_ARGS', path: 'args.recurrence' });
    expect(r?.error?.message).toMatch(/never occurs/);
    expect(h.scheduler.plan().events).toHaveLength(0);
  });

  it('answers an edit of an unknown event with NOT_FOUND', async () => {
    h = await new Harness().start();
    const r = await h.send(
      command('snoozeAlert', { alertId: `${key('nobody')}:final`, until: '2026-09-12T14:30:00.000Z' }),
    );
    expect(r?.error).toMatchObject({ code: 'NOT_FOUND', path: 'args.alertId' });
  });

  it('answers invalid arguments from the edge with INVALID_ARGS and the zod path, changing nothing', async () => {
    await withGame();
    const r = await h.send(command('snoozeAlert', { alertId: FINAL, until: 'tomorrow' }, 'bad'));
    expect(r).toMatchObject({ id: 'bad', ok: false, error: { code: 'INVALID_ARGS', path: 'args.until' } });
    expect(h.scheduler.plan().entries.find((a) => a.id === FINAL)?.snoozedUntil).toBeUndefined();
  });

  it('answers an unknown command type with UNKNOWN_TYPE', async () => {
    h = await new Harness().start();
    const r = await h.send(command('explode', {}, 'boom'));
    expect(r?.error?.code).toBe('UNKNOWN_TYPE');
  });

  it('replaces the alert policy, rejecting later edits of removed windows with WINDOW_REMOVED', async () => {
    await withGame();
    await h.send(command('disableAlert', { alertId: `${key('club-brugge')}:early` }));
    const r = await h.send(
      command('setAlertPolicy', {
        policy: { windows: [{ id: 'final', startBeforeS: 14_400, endBeforeS: 10_800 }] },
      }),
    );
    expect(r?.ok).toBe(true);
    expect(h.logger.events()).toContain('scheduler.policy.window-removed');
    const edit = await h.send(command('disableAlert', { alertId: `${key('club-brugge')}:early` }));
    expect(edit?.error).toMatchObject({ code: 'WINDOW_REMOVED', path: 'args.alertId' });
    expect(h.scheduler.plan().entries.map((a) => a.windowId)).toEqual(['final']);
  });

  it('keeps the device policy across a restart', async () => {
    await withGame();
    await h.send(
      command('setAlertPolicy', {
        policy: { windows: [{ id: 'only', startBeforeS: 7200, endBeforeS: 3600 }] },
      }),
    );
    await h.restart();
    expect(h.scheduler.plan().entries.map((a) => a.windowId)).toEqual(['only']);
  });

  it('coalesces a burst of commands into few durable writes and answers all of them', async () => {
    await withGame();
    const before = h.fs.calls.filter((c) => c.op === 'syncDir').length;
    for (let i = 0; i < 50; i++) {
      await h.peer.publishRaw(TOPICS.commands.name, {
        json: command('snoozeAlert', { alertId: FINAL, until: '2026-09-12T14:30:00.000Z' }, `burst-${i}`),
      });
    }
    await h.settle();
    const writes = h.fs.calls.filter((c) => c.op === 'syncDir').length - before;
    expect(h.results().filter((r) => r.id.startsWith('burst-'))).toHaveLength(50);
    expect(writes).toBeLessThan(10);
  });

  it('keeps an answered command across a restart, so a repeat after restart has no second effect', async () => {
    await withGame();
    await h.send(command('snoozeAlert', { alertId: FINAL, until: '2026-09-12T14:30:00.000Z' }, 'once'));
    await h.restart();
    await h.send(command('snoozeAlert', { alertId: FINAL, until: '2026-09-12T14:30:00.000Z' }, 'once'));
    expect(h.metrics.total('AlertsSnoozed')).toBe(1);
  });
});

describe('state', () => {
  it('publishes a debounced state snapshot after a change, and one on request', async () => {
    await withGame();
    await h.advance(h.config.state.debounceMs);
    const state = h.states().at(-1);
    expect(state?.upcoming.map((e) => e.id)).toEqual([key('club-brugge')]);
    expect(state?.upcoming[0]?.alerts.map((a) => a.state)).toEqual(['scheduled', 'scheduled', 'scheduled']);
    expect(state?.lastFixtures?.ok).toBe(true);
    const count = h.states().length;
    await h.peer.publish(TOPICS.stateRequest, { id: 'r1' });
    await h.settle();
    expect(h.states()).toHaveLength(count + 1);
  });

  it('collects a burst of changes into one state snapshot', async () => {
    await withGame();
    await h.advance(h.config.state.debounceMs);
    const count = h.states().length;
    for (let i = 0; i < 5; i++) await h.send(command('disableAlert', { alertId: FINAL }));
    await h.advance(h.config.state.debounceMs);
    expect(h.states()).toHaveLength(count + 1);
  });

  it('shows the planned light and the reported relay state', async () => {
    await withGame({ now: '2026-09-12T14:05:00Z' });
    await h.peer.publish(TOPICS.relayState, {
      on: true,
      since: '2026-09-12T14:00:00.000Z',
      driver: 'simulated',
      healthy: true,
    });
    await h.advance(h.config.state.debounceMs);
    expect(h.states().at(-1)?.light).toMatchObject({ on: true, planned: true, driver: 'simulated' });
    expect(h.states().at(-1)?.counts.activeAlerts).toBe(1);
  });

  it('publishes state that the contract schema accepts', async () => {
    await withGame({ now: '2026-09-12T14:05:00Z' });
    await h.advance(h.config.state.debounceMs);
    const { StateSnapshot } = await import('../../components/shared/contracts/index.ts');
    expect(StateSnapshot.safeParse(h.states().at(-1)).success).toBe(true);
  });
});

describe('component updates', () => {
  it('defers an update while an alert is active, until the alert ends', async () => {
    await withGame({ now: '2026-09-12T14:05:00Z' });
    await h.lifecycle.fire({ kind: 'pre', deploymentId: 'd1', isGgcRestarting: false });
    const deferral = h.lifecycle.deferrals.at(-1);
    expect(deferral?.deploymentId).toBe('d1');
    expect(deferral?.recheckAfterMs).toBe(55 * 60_000 + h.config.updates.deferMarginS * 1000);
  });

  it('lets an update proceed when no alert is active', async () => {
    await withGame();
    await h.lifecycle.fire({ kind: 'pre', deploymentId: 'd2', isGgcRestarting: false });
    expect(h.lifecycle.deferrals.at(-1)).toMatchObject({ deploymentId: 'd2', recheckAfterMs: 0 });
  });
});
