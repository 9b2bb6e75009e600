/** One realistic valid message per topic, for benchmarks. */
import type { TopicKey } from '../../components/shared/contracts/index.ts';

const at = '2026-09-12T14:00:00.000Z';
const key = '2026-27:jpl:kaa-gent:club-brugge#1';

const fixture = (n: number) => ({
  key: `2026-27:jpl:kaa-gent:team-${n}#1`,
  competition: 'jpl',
  home: 'KAA Gent',
  away: `Team ${n}`,
  venue: 'Planet Group Arena',
  kickoffDate: '2026-09-12',
  kickoff: '2026-09-12T18:30:00.000Z',
  kickoffConfirmed: true,
  status: 'scheduled',
  source: 'kaagent-html',
});

const event = (n: number) => ({
  id: `2026-27:jpl:kaa-gent:team-${n}#1`,
  kind: 'game',
  title: `KAA Gent - Team ${n}`,
  start: '2026-09-12T18:30:00.000Z',
  venue: 'Planet Group Arena',
  status: 'scheduled',
  kickoffConfirmed: true,
  origin: { via: 'scraper', ref: 'kaagent-html' },
  alerts: ['early', 'final'].map((w) => ({
    id: `2026-27:jpl:kaa-gent:team-${n}#1:${w}`,
    eventId: `2026-27:jpl:kaa-gent:team-${n}#1`,
    windowId: w,
    start: '2026-09-12T14:00:00.000Z',
    end: '2026-09-12T15:30:00.000Z',
    state: 'scheduled',
  })),
});

export const EXAMPLE_MESSAGES: Record<TopicKey, unknown> = {
  fixtures: {
    snapshotId: 'snap-1',
    takenAt: at,
    ok: true,
    replayed: false,
    sources: [{ id: 'kaagent-html', ok: true, lastSuccess: at, consecutiveFailures: 0 }],
    fixtures: Array.from({ length: 20 }, (_, n) => fixture(n)),
  },
  scraperRun: { id: 'run-1' },
  scraperRunResult: { id: 'run-1', ok: true },
  commands: {
    id: 'cmd-1',
    type: 'snoozeAlert',
    args: { alertId: `${key}:final`, until: '2026-09-12T15:00:00.000Z' },
    origin: { via: 'shadow', ref: `${key}:final` },
  },
  commandResults: {
    id: 'cmd-1',
    ok: false,
    error: { code: 'NOT_FOUND', message: 'no such alert', path: 'args.alertId' },
  },
  relaySet: {
    on: true,
    reason: 'alert',
    alertId: `${key}:final`,
    until: '2026-09-12T15:30:00.000Z',
    pattern: 'steady',
  },
  relayState: { on: true, since: at, driver: 'simulated', healthy: true },
  relayTest: { id: 'test-1', durationS: 10 },
  relayTestResult: { id: 'test-1', ok: true },
  state: {
    at,
    clock: { trusted: true, source: 'timesyncd' },
    light: { on: false, since: at, driver: 'simulated', healthy: true, planned: false },
    upcoming: Array.from({ length: 17 }, (_, n) => event(n)),
    lastFixtures: { snapshotId: 'snap-1', takenAt: at, ok: true },
    counts: { events: 17, upcomingEvents: 17, activeAlerts: 0, unconfirmedKickoffs: 0 },
  },
  stateRequest: { id: 'req-1' },
  metrics: {
    request: {
      namespace: 'MatchdayAlert',
      metricData: {
        metricName: 'Heartbeat',
        value: 1,
        unit: 'Count',
        dimensions: [{ name: 'Component', value: 'x' }],
      },
    },
  },
};
