import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEDULER, type SchedulerStack, startSchedulerStack, THING, testConfig } from './scheduler-stack.ts';

const iso = (ms: number) => new Date(ms).toISOString();
/** Real timers and processes: a receive time within this of the planned instant counts as on time. */
const SLACK_MS = 3_000;

describe('the Scheduler through local-core with the real IPC client', () => {
  let stack: SchedulerStack;

  beforeAll(async () => {
    // One short window: on from 8 s to 4 s before an event's start.
    stack = await startSchedulerStack(
      testConfig({ alertPolicy: { windows: [{ id: 'final', startBeforeS: 8, endBeforeS: 4 }] } }),
    );
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('switches the light on and off at the planned moments for a game from a fixtures snapshot', async () => {
    const kickoff = Date.now() + 14_000;
    const alertStart = kickoff - 8_000;
    const alertEnd = kickoff - 4_000;
    await stack.publish('matchday/fixtures', {
      snapshotId: 'it-1',
      takenAt: iso(Date.now()),
      ok: true,
      replayed: false,
      sources: [{ id: 'club-site', ok: true, consecutiveFailures: 0 }],
      fixtures: [
        {
          key: '2026-27:jpl:kaa-gent:club-brugge#1',
          competition: 'jpl',
          home: 'KAA Gent',
          away: 'Club Brugge',
          kickoffDate: iso(kickoff).slice(0, 10),
          kickoff: iso(kickoff),
          kickoffConfirmed: true,
          status: 'scheduled',
          source: 'club-site',
        },
      ],
    });
    const alertId = '2026-27:jpl:kaa-gent:club-brugge#1:final';
    await stack.waitFor(
      () => stack.relaySets().some((s) => s.message.on && s.message.alertId === alertId),
      20_000,
      'on',
    );
    const on = stack.relaySets().find((s) => s.message.on && s.message.alertId === alertId)!;
    expect(on.at).toBeGreaterThanOrEqual(alertStart);
    expect(on.at).toBeLessThan(alertStart + SLACK_MS);
    expect(on.message.until).toBe(iso(alertEnd));
    await stack.waitFor(
      () => stack.relaySets().at(-1)?.message.on === false && Date.now() > alertEnd,
      20_000,
      'off',
    );
    const off = stack.relaySets().find((s) => !s.message.on && s.at > on.at)!;
    expect(off.at).toBeGreaterThanOrEqual(alertEnd);
    expect(off.at).toBeLessThan(alertEnd + SLACK_MS);
  }, 60_000);

  it('has the light right again at start after being killed in the middle of an alert', async () => {
    const start = Date.now() + 30_000;
    await stack.publish('matchday/commands', {
      id: 'it-restart',
      type: 'upsertCustomEvent',
      args: { eventId: 'restart-demo', title: 'Restart demo', start: iso(start) },
      origin: { via: 'local', ref: 'it' },
    });
    await stack.waitFor(() => stack.results().some((r) => r.message.id === 'it-restart'), 20_000, 'result');
    expect(stack.results().find((r) => r.message.id === 'it-restart')?.message).toEqual({
      id: 'it-restart',
      ok: true,
    });
    // Move the alert so it is active now, for the next 20 s.
    await stack.publish('matchday/commands', {
      id: 'it-move',
      type: 'updateAlert',
      args: { alertId: 'restart-demo:final', start: iso(Date.now() - 1_000), end: iso(Date.now() + 20_000) },
      origin: { via: 'local', ref: 'it' },
    });
    await stack.waitFor(
      () => stack.relaySets().at(-1)?.message.alertId === 'restart-demo:final',
      20_000,
      'on',
    );
    // Killed only once the move is answered, i.e. durable: an unanswered edit may be lost by a crash.
    await stack.waitFor(
      () => stack.results().some((r) => r.message.id === 'it-move'),
      20_000,
      'move answered',
    );
    const pids = stack.schedulerPids();
    expect(pids).toHaveLength(1);
    const killedAt = Date.now();
    process.kill(pids[0]!, 'SIGKILL');
    await stack.waitFor(
      () =>
        stack.relaySets().some((s) => s.at > killedAt + 100 && s.message.alertId === 'restart-demo:final'),
      30_000,
      'relay/set from the restarted scheduler',
    );
    const first = stack.relaySets().find((s) => s.at > killedAt + 100)!;
    expect(first.message).toMatchObject({ on: true, alertId: 'restart-demo:final' });
    expect(stack.schedulerPids()).not.toEqual(pids);
    const starts = () =>
      readFileSync(stack.schedulerLog, 'utf8').match(/"event":"scheduler\.started"/g)?.length ?? 0;
    await stack.waitFor(() => starts() >= 2, 10_000, 'second scheduler.started');
    // Let the alert end before the next test.
    await stack.waitFor(
      () => stack.relaySets().at(-1)?.message.on === false,
      30_000,
      'off after the moved alert',
    );
  }, 90_000);

  it('defers a deployment during an active alert until the alert ends', async () => {
    const alertEnd = Date.now() + 8_000;
    await stack.publish('matchday/commands', {
      id: 'it-deploy-event',
      type: 'upsertCustomEvent',
      args: { eventId: 'deploy-demo', title: 'Deploy demo', start: iso(Date.now() + 60_000) },
      origin: { via: 'local', ref: 'it' },
    });
    await stack.publish('matchday/commands', {
      id: 'it-deploy-move',
      type: 'updateAlert',
      args: { alertId: 'deploy-demo:final', start: iso(Date.now() - 1_000), end: iso(alertEnd) },
      origin: { via: 'local', ref: 'it' },
    });
    await stack.waitFor(
      () => stack.relaySets().at(-1)?.message.alertId === 'deploy-demo:final',
      20_000,
      'on',
    );
    const result = await stack.core.deploy({
      things: [{ name: THING }],
      components: {
        [SCHEDULER]: {
          componentVersion: stack.version,
          configurationUpdate: {
            merge: JSON.stringify(
              testConfig({
                alertPolicy: { windows: [{ id: 'final', startBeforeS: 8, endBeforeS: 4 }] },
                state: { debounceMs: 300 },
              }),
            ),
          },
        },
        'test.SchedulerProbe': { componentVersion: '1.0.0' },
      },
    });
    const deployedAt = Date.now();
    expect(result.status).toBe('SUCCEEDED');
    expect(deployedAt).toBeGreaterThanOrEqual(alertEnd);
    expect(JSON.stringify(result.things[THING]?.deferrals)).toContain('deploy-demo:final');
    expect(readFileSync(stack.schedulerLog, 'utf8')).toContain('"event":"scheduler.update.deferred"');
  }, 90_000);
});
