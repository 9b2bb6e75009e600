import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  Alert,
  AlertPolicy,
  Command,
  CommandArgs,
  CommandResult,
  Event,
  Fixture,
  FixturesSnapshot,
  formatPath,
  MetricMessage,
  RelaySet,
  RelayState,
  RelayTestRequest,
  ScraperRunRequest,
  StateRequest,
  StateSnapshot,
} from '../../../components/shared/contracts/index.ts';

const KEY = '2025-26:jpl:kaa-gent:club-brugge#1';
const ALERT_ID = `${KEY}:final`;
const T0 = '2026-03-29T12:00:00.000Z';
const T1 = '2026-03-29T15:00:00.000Z';

const fixture = {
  key: KEY,
  competition: 'jpl',
  home: 'KAA Gent',
  away: 'Club Brugge',
  venue: 'Planet Group Arena',
  kickoffDate: '2026-03-29',
  kickoff: '2026-03-29T16:30:00.000Z',
  kickoffConfirmed: true,
  status: 'scheduled',
  source: 'club-site',
};

const snapshot = {
  snapshotId: 'snap-1',
  takenAt: T0,
  ok: true,
  replayed: false,
  sources: [{ id: 'club-site', ok: true, lastSuccess: T0, consecutiveFailures: 0 }],
  fixtures: [fixture],
};

const event = {
  id: KEY,
  kind: 'game',
  title: 'KAA Gent – Club Brugge',
  start: '2026-03-29T16:30:00.000Z',
  status: 'scheduled',
  kickoffConfirmed: true,
  origin: { via: 'scraper', ref: 'club-site' },
};

const alert = {
  id: ALERT_ID,
  eventId: KEY,
  windowId: 'final',
  start: '2026-03-29T12:30:00.000Z',
  end: '2026-03-29T13:30:00.000Z',
  state: 'scheduled',
};

const policy = {
  windows: [
    { id: 'early', startBeforeS: 86_400, endBeforeS: 82_800 },
    { id: 'final', startBeforeS: 14_400, endBeforeS: 10_800, pattern: 'blink' },
  ],
};

const relayState = { on: false, since: T0, driver: 'simulated', healthy: true };

const stateSnapshot = {
  at: T0,
  clock: { trusted: true, source: 'timesyncd' },
  light: { ...relayState, planned: false },
  upcoming: [{ ...event, alerts: [alert] }],
  lastFixtures: { snapshotId: 'snap-1', takenAt: T0, ok: true },
  counts: { events: 1, upcomingEvents: 1, activeAlerts: 0, unconfirmedKickoffs: 0 },
};

const metric = {
  request: {
    namespace: 'MatchdayAlert',
    metricData: {
      metricName: 'Heartbeat',
      value: 1,
      unit: 'Count',
      dimensions: [{ name: 'Component', value: 'com.matchdayalert.Scheduler' }],
      timestamp: 1_774_785_600,
    },
  },
};

const origin = { via: 'shadow', ref: 'desired.alerts' };
const command = (type: string, args: unknown) => ({ id: 'cmd-1', type, args, origin });

interface Row {
  name: string;
  schema: z.ZodType;
  valid: [string, unknown][];
  /** [description, value, expected failing path] */
  invalid: [string, unknown, string][];
}

const rows: Row[] = [
  {
    name: 'Fixture',
    schema: Fixture,
    valid: [
      ['a confirmed kick-off', fixture],
      ['a date without a time', { ...fixture, kickoff: undefined, kickoffConfirmed: false }],
      ['no venue', { ...fixture, venue: undefined }],
    ],
    invalid: [
      ['a feed UID as key', { ...fixture, key: 'uid-8c1f@club' }, 'key'],
      [
        'a local kick-off time with an offset',
        { ...fixture, kickoff: '2026-03-29T18:30:00+02:00' },
        'kickoff',
      ],
      ['an unknown status', { ...fixture, status: 'missing' }, 'status'],
      ['an empty home team', { ...fixture, home: '' }, 'home'],
      ['a date in another format', { ...fixture, kickoffDate: '29/03/2026' }, 'kickoffDate'],
      ['an extra key', { ...fixture, uid: 'x' }, '(root)'],
    ],
  },
  {
    name: 'FixturesSnapshot',
    schema: FixturesSnapshot,
    valid: [
      ['a good snapshot', snapshot],
      [
        'a failed snapshot with a reason',
        { ...snapshot, ok: false, failureReason: 'all sources failed', fixtures: [] },
      ],
      ['a replayed snapshot', { ...snapshot, replayed: true }],
    ],
    invalid: [
      ['a failed snapshot without a reason', { ...snapshot, ok: false }, 'failureReason'],
      ['a missing replayed flag', { ...snapshot, replayed: undefined }, 'replayed'],
      [
        'a negative failure count',
        { ...snapshot, sources: [{ id: 'a', ok: false, consecutiveFailures: -1 }] },
        'sources.0.consecutiveFailures',
      ],
      [
        'an invalid fixture',
        { ...snapshot, fixtures: [{ ...fixture, competition: 'Jupiler Pro League' }] },
        'fixtures.0.competition',
      ],
    ],
  },
  {
    name: 'Event',
    schema: Event,
    valid: [
      ['a game', event],
      [
        'a recurring custom event',
        {
          ...event,
          id: 'concert-1',
          kind: 'custom',
          title: 'Concert',
          end: '2026-03-29T22:00:00.000Z',
          recurrence: 'FREQ=WEEKLY;BYDAY=SA;COUNT=4',
          origin: { via: 'job', ref: 'job-42' },
        },
      ],
      ['an ignored event', { ...event, status: 'ignored' }],
    ],
    invalid: [
      ['an unknown kind', { ...event, kind: 'match' }, 'kind'],
      ['an empty title', { ...event, title: '' }, 'title'],
      ['a recurrence that is not an RRULE', { ...event, recurrence: 'every saturday' }, 'recurrence'],
      ['an id with a space', { ...event, id: 'my event' }, 'id'],
      ['an unknown origin', { ...event, origin: { via: 'email', ref: 'x' } }, 'origin.via'],
    ],
  },
  {
    name: 'Alert',
    schema: Alert,
    valid: [
      ['a scheduled alert', alert],
      [
        'a snoozed alert with an override',
        { ...alert, state: 'snoozed', snoozedUntil: T1, override: { disabled: false, commandId: 'c-1' } },
      ],
    ],
    invalid: [
      ['an id without a window', { ...alert, id: KEY.replace(/:/g, '_') }, 'id'],
      ['an unknown state', { ...alert, state: 'paused' }, 'state'],
      ['a window id with a colon', { ...alert, windowId: 'a:b' }, 'windowId'],
      ['an override with an unknown key', { ...alert, override: { colour: 'red' } }, 'override'],
    ],
  },
  {
    name: 'AlertPolicy',
    schema: AlertPolicy,
    valid: [
      ['two windows', policy],
      ['one window ending at the start', { windows: [{ id: 'last', startBeforeS: 3_600, endBeforeS: 0 }] }],
    ],
    invalid: [
      ['no window', { windows: [] }, 'windows'],
      [
        'a window that ends before it starts',
        { windows: [{ id: 'w', startBeforeS: 100, endBeforeS: 200 }] },
        'windows.0.startBeforeS',
      ],
      ['duplicate window ids', { windows: [policy.windows[0], policy.windows[0]] }, 'windows'],
      [
        'fractional seconds',
        { windows: [{ id: 'w', startBeforeS: 10.5, endBeforeS: 0 }] },
        'windows.0.startBeforeS',
      ],
      [
        'more than 30 days',
        { windows: [{ id: 'w', startBeforeS: 31 * 86_400, endBeforeS: 0 }] },
        'windows.0.startBeforeS',
      ],
    ],
  },
  {
    name: 'CommandResult',
    schema: CommandResult,
    valid: [
      ['a success', { id: 'cmd-1', ok: true }],
      [
        'a failure with a path',
        { id: 'cmd-1', ok: false, error: { code: 'INVALID_ARGS', message: 'bad', path: 'args.until' } },
      ],
    ],
    invalid: [
      ['a failure without an error', { id: 'cmd-1', ok: false }, '(root)'],
      [
        'a success with an error',
        { id: 'cmd-1', ok: true, error: { code: 'INTERNAL', message: 'x' } },
        '(root)',
      ],
      [
        'an unknown error code',
        { id: 'cmd-1', ok: false, error: { code: 'OOPS', message: 'x' } },
        'error.code',
      ],
      ['an empty id', { id: '', ok: true }, 'id'],
    ],
  },
  {
    name: 'RelaySet',
    schema: RelaySet,
    valid: [
      ['on for an alert', { on: true, reason: 'alert', alertId: ALERT_ID, until: T1, pattern: 'blink' }],
      ['off', { on: false, reason: 'no active alert' }],
    ],
    invalid: [
      ['no reason', { on: true, reason: '' }, 'reason'],
      ['an unknown pattern', { on: true, reason: 'alert', pattern: 'strobe' }, 'pattern'],
      ['until with an offset', { on: true, reason: 'alert', until: '2026-03-29T15:00:00+01:00' }, 'until'],
      ['on as a string', { on: 'true', reason: 'alert' }, 'on'],
    ],
  },
  {
    name: 'RelayState',
    schema: RelayState,
    valid: [
      ['a healthy relay', relayState],
      ['a failed driver', { ...relayState, healthy: false, error: 'EACCES /sys/class/gpio/export' }],
    ],
    invalid: [
      ['no driver', { ...relayState, driver: '' }, 'driver'],
      ['no since', { ...relayState, since: undefined }, 'since'],
      ['a control character in the error', { ...relayState, error: 'bad\u0007' }, 'error'],
    ],
  },
  {
    name: 'RelayTestRequest',
    schema: RelayTestRequest,
    valid: [
      ['a short test', { id: 't-1', durationS: 1 }],
      ['the longest test', { id: 't-1', durationS: 600 }],
    ],
    invalid: [
      ['zero seconds', { id: 't-1', durationS: 0 }, 'durationS'],
      ['over ten minutes', { id: 't-1', durationS: 601 }, 'durationS'],
      ['no id', { durationS: 5 }, 'id'],
    ],
  },
  {
    name: 'ScraperRunRequest',
    schema: ScraperRunRequest,
    valid: [['an id', { id: 'run-1' }]],
    invalid: [
      ['no id', {}, 'id'],
      ['an extra key', { id: 'run-1', force: true }, '(root)'],
      ['an id over 128 characters', { id: 'x'.repeat(129) }, 'id'],
    ],
  },
  {
    name: 'StateSnapshot',
    schema: StateSnapshot,
    valid: [
      ['a full state', stateSnapshot],
      ['no fixtures yet', { ...stateSnapshot, lastFixtures: null, upcoming: [] }],
    ],
    invalid: [
      ['a light without planned', { ...stateSnapshot, light: relayState }, 'light.planned'],
      [
        'a negative count',
        { ...stateSnapshot, counts: { ...stateSnapshot.counts, activeAlerts: -1 } },
        'counts.activeAlerts',
      ],
      ['an upcoming event without alerts', { ...stateSnapshot, upcoming: [event] }, 'upcoming.0.alerts'],
      [
        'an untrusted clock without a source',
        { ...stateSnapshot, clock: { trusted: false } },
        'clock.source',
      ],
    ],
  },
  {
    name: 'StateRequest',
    schema: StateRequest,
    valid: [
      ['an id', { id: 'req-1' }],
      ['no id', {}],
    ],
    invalid: [
      ['an extra key', { id: 'req-1', full: true }, '(root)'],
      ['an empty id', { id: '' }, 'id'],
    ],
  },
  {
    name: 'MetricMessage',
    schema: MetricMessage,
    valid: [
      ['a heartbeat', metric],
      [
        'no dimensions or timestamp',
        { request: { namespace: 'MatchdayAlert', metricData: { metricName: 'X', value: 0, unit: 'None' } } },
      ],
    ],
    invalid: [
      ['an AWS/ namespace', { request: { ...metric.request, namespace: 'AWS/IoT' } }, 'request.namespace'],
      [
        'a unit CloudWatch does not know',
        { request: { ...metric.request, metricData: { ...metric.request.metricData, unit: 'Things' } } },
        'request.metricData.unit',
      ],
      [
        'an infinite value',
        {
          request: {
            ...metric.request,
            metricData: { ...metric.request.metricData, value: Number.POSITIVE_INFINITY },
          },
        },
        'request.metricData.value',
      ],
      [
        'a value as a string',
        { request: { ...metric.request, metricData: { ...metric.request.metricData, value: '1' } } },
        'request.metricData.value',
      ],
      [
        '31 dimensions',
        {
          request: {
            ...metric.request,
            metricData: {
              ...metric.request.metricData,
              dimensions: Array.from({ length: 31 }, (_, i) => ({ name: `d${i}`, value: 'v' })),
            },
          },
        },
        'request.metricData.dimensions',
      ],
      ['no request wrapper', metric.request, 'request'],
    ],
  },
];

const commandRows: Row[] = [
  {
    name: 'snoozeAlert',
    schema: Command,
    valid: [['an alert and an instant', command('snoozeAlert', { alertId: ALERT_ID, until: T1 })]],
    invalid: [
      ['a malformed alert id', command('snoozeAlert', { alertId: 'nope', until: T1 }), 'args.alertId'],
      [
        'a local time',
        command('snoozeAlert', { alertId: ALERT_ID, until: '2026-03-29 15:00' }),
        'args.until',
      ],
    ],
  },
  {
    name: 'updateAlert',
    schema: Command,
    valid: [['a new window', command('updateAlert', { alertId: ALERT_ID, start: T0, end: T1 })]],
    invalid: [
      [
        'an end before the start',
        command('updateAlert', { alertId: ALERT_ID, start: T1, end: T0 }),
        'args.end',
      ],
    ],
  },
  {
    name: 'disableAlert',
    schema: Command,
    valid: [['an alert id', command('disableAlert', { alertId: ALERT_ID })]],
    invalid: [['no alert id', command('disableAlert', {}), 'args.alertId']],
  },
  {
    name: 'enableAlert',
    schema: Command,
    valid: [['an alert id', command('enableAlert', { alertId: ALERT_ID })]],
    invalid: [['an extra argument', command('enableAlert', { alertId: ALERT_ID, force: true }), 'args']],
  },
  {
    name: 'snoozeEvent',
    schema: Command,
    valid: [['an event and an instant', command('snoozeEvent', { eventId: KEY, until: T1 })]],
    invalid: [['no until', command('snoozeEvent', { eventId: KEY }), 'args.until']],
  },
  {
    name: 'ignoreEvent',
    schema: Command,
    valid: [
      ['ignore by default', command('ignoreEvent', { eventId: KEY })],
      ['un-ignore', command('ignoreEvent', { eventId: KEY, ignored: false })],
    ],
    invalid: [
      ['ignored as a string', command('ignoreEvent', { eventId: KEY, ignored: 'yes' }), 'args.ignored'],
    ],
  },
  {
    name: 'upsertCustomEvent',
    schema: Command,
    valid: [
      [
        'a one-off concert',
        command('upsertCustomEvent', { eventId: 'concert-1', title: 'Concert', start: T0, end: T1 }),
      ],
      [
        'a recurring event',
        command('upsertCustomEvent', {
          eventId: 'seminar',
          title: 'Seminar',
          start: T0,
          recurrence: 'RRULE:FREQ=WEEKLY;COUNT=3',
        }),
      ],
    ],
    invalid: [
      [
        'a fixture key as custom id',
        command('upsertCustomEvent', { eventId: KEY, title: 'x', start: T0 }),
        'args.eventId',
      ],
      ['an empty title', command('upsertCustomEvent', { eventId: 'c', title: '', start: T0 }), 'args.title'],
      [
        'an end before the start',
        command('upsertCustomEvent', { eventId: 'c', title: 'x', start: T1, end: T0 }),
        'args.end',
      ],
    ],
  },
  {
    name: 'deleteEvent',
    schema: Command,
    valid: [['a custom event id', command('deleteEvent', { eventId: 'concert-1' })]],
    invalid: [['a game', command('deleteEvent', { eventId: KEY }), 'args.eventId']],
  },
  {
    name: 'setAlertPolicy',
    schema: Command,
    valid: [['a policy', command('setAlertPolicy', { policy })]],
    invalid: [
      ['an empty policy', command('setAlertPolicy', { policy: { windows: [] } }), 'args.policy.windows'],
    ],
  },
];

function firstPath(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  return result.success ? undefined : formatPath(result.error.issues[0]!.path);
}

describe.each(rows)('$name', ({ schema, valid, invalid }) => {
  it.each(valid)('accepts %s', (_description, value) => {
    const result = schema.safeParse(value);
    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
  });

  it.each(invalid)('rejects %s at the right path', (_description, value, path) => {
    expect(firstPath(schema, value)).toBe(path);
  });
});

describe.each(commandRows)('Command $name', ({ schema, valid, invalid }) => {
  it.each(valid)('accepts %s', (_description, value) => {
    const result = schema.safeParse(value);
    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
  });

  it.each(invalid)('rejects %s at the right path', (_description, value, path) => {
    expect(firstPath(schema, value)).toBe(path);
  });
});

describe('Command', () => {
  it('has a table row for every command type', () => {
    expect(commandRows.map((r) => r.name).sort()).toEqual(Object.keys(CommandArgs).sort());
  });

  it('rejects an unknown origin', () => {
    const value = { ...command('disableAlert', { alertId: ALERT_ID }), origin: { via: 'email', ref: 'x' } };
    expect(firstPath(Command, value)).toBe('origin.via');
  });

  it('rejects an unknown command type', () => {
    expect(Command.safeParse(command('rebootDevice', {})).success).toBe(false);
  });
});
