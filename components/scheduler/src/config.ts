/**
 * The scheduler's configuration: a strict zod schema with no defaults (the defaults live in the recipe's
 * DefaultConfiguration) and `parseSchedulerConfig(raw)` → a deeply frozen value.
 */
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { AlertPolicy } from '../../shared/contracts/index.ts';
import { intBetween, parseComponentConfig } from '../../shared/runtime/parse-config.ts';

const int = intBetween;
const WallTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'must be a local time `HH:mm`');
const FilePath = z
  .string()
  .min(1)
  .max(500)
  .refine((p) => !p.split('/').includes('..'), 'must not contain `..`');

const Weekdays = z.strictObject({
  monday: WallTime,
  tuesday: WallTime,
  wednesday: WallTime,
  thursday: WallTime,
  friday: WallTime,
  saturday: WallTime,
  sunday: WallTime,
});

export const SchedulerConfigSchema = z.strictObject({
  /** IANA zone in which source wall times and recurrences are read. @default "Europe/Brussels" */
  timeZone: z.string().refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone'),
  /**
   * Alert policy used until a `setAlertPolicy` command replaces it on this device.
   * @default windows `day-before` (27 h → 26 h), `early` (6 h → 5 h), `final` (4 h → 3 h, blink) before the start
   */
  alertPolicy: AlertPolicy,
  store: z.strictObject({
    /** Database file, relative to the work folder (or absolute). @default "scheduler.db" */
    file: FilePath,
    /** Days a past event (and its edits) is kept. @default 365 */
    pastEventRetentionDays: int(1, 3650),
    /** Days a command id (and its result) is remembered for idempotency. @default 30 */
    commandRetentionDays: int(1, 365),
    /** Seconds to wait before retrying a failed save. @default 5 */
    saveRetryS: int(1, 600),
  }),
  fixtures: z.strictObject({
    /** A game is `missing` after this many consecutive non-replayed ok snapshots without it. @default 3 */
    missingAfterSnapshots: int(1, 50),
    /** A snapshot can only be implausible when at least this many future games are known. @default 4 */
    implausibleMinKnownFuture: int(1, 1000),
    /** A snapshot dropping more than this fraction of the known future games changes nothing. @default 0.5 */
    implausibleDropFraction: z.number().min(0).max(1),
    /**
     * Earliest plausible kick-off per weekday (local `HH:mm`) for games without a confirmed time.
     * @default monday–friday "18:00", saturday–sunday "12:00"
     */
    unconfirmedKickoff: Weekdays,
    /** UnconfirmedKickoffSoon is counted when an unconfirmed game is this close. @default 7 */
    unconfirmedSoonDays: int(1, 60),
  }),
  recurrence: z.strictObject({
    /** Days ahead recurring custom events are expanded. @default 400 */
    horizonDays: int(1, 1500),
    /** Maximum occurrences expanded per recurring event. @default 400 */
    maxOccurrences: int(1, 2000),
  }),
  relay: z.strictObject({
    /** Seconds between re-assertions of `matchday/relay/set` (the relay's lease is 3× this). @default 60 */
    reassertIntervalS: int(5, 3600),
    /** Minimum seconds between re-sends caused by a disagreeing `matchday/relay/state`. @default 5 */
    resendMinIntervalS: int(1, 600),
  }),
  /** Seconds between safety ticks (re-derive the light, detect clock jumps, poll clock trust). @default 15 */
  safetyTickS: int(1, 300),
  /** A wall clock moving this many seconds against the monotonic clock counts as a jump. @default 5 */
  clockJumpThresholdS: int(1, 3600),
  clockTrust: z.strictObject({
    /** `none`: use the sources; `trusted` / `untrusted`: the operator decides. @default "none" */
    override: z.enum(['none', 'trusted', 'untrusted']),
    /** systemd-timesyncd's marker, present once the clock was synchronised. @default "/run/systemd/timesync/synchronized" */
    timesyncdMarkerPath: FilePath,
    /** True when the device has a battery-backed RTC. @default false */
    rtcBatteryBacked: z.boolean(),
    /** The RTC device that must exist for `rtcBatteryBacked` to count. @default "/sys/class/rtc/rtc0" */
    rtcDevicePath: FilePath,
    /** While untrusted: `lightOff` (never switch on) or `followWallClock`. @default "lightOff" */
    untrustedPolicy: z.enum(['lightOff', 'followWallClock']),
  }),
  state: z.strictObject({
    /** Milliseconds changes are collected before `matchday/state` is published. @default 1000 */
    debounceMs: int(0, 60_000),
    /** Maximum events in `upcoming`. @default 50 */
    upcomingLimit: int(1, 500),
  }),
  updates: z.strictObject({
    /** Seconds added to the end of the active alert when deferring an update. @default 5 */
    deferMarginS: int(0, 600),
    /** Longest single deferral, in seconds; the nucleus asks again afterwards. @default 3600 */
    maxDeferS: int(1, 86_400),
  }),
});

export type SchedulerConfig = z.infer<typeof SchedulerConfigSchema>;

/** Validates the raw component configuration; throws a `ConfigError` naming the first failing field. */
export function parseSchedulerConfig(raw: unknown): SchedulerConfig {
  return parseComponentConfig(SchedulerConfigSchema, raw);
}
