/**
 * Whether the wall clock can be trusted, from named sources: an operator override, systemd-timesyncd's
 * synchronisation marker, or a battery-backed RTC. Reads only through the FileSystem port.
 */
import type { ClockTrust } from '../../shared/contracts/index.ts';
import type { FileSystem } from '../../shared/ports/index.ts';
import type { SchedulerConfig } from './config.ts';

/** Asks the sources in order: override, timesyncd, rtc. */
export async function assessClockTrust(
  fs: FileSystem,
  config: SchedulerConfig['clockTrust'],
): Promise<ClockTrust> {
  if (config.override === 'trusted') return { trusted: true, source: 'override' };
  if (config.override === 'untrusted') return { trusted: false, source: 'override' };
  const exists = (path: string) => fs.exists(path).catch(() => false);
  if (await exists(config.timesyncdMarkerPath)) return { trusted: true, source: 'timesyncd' };
  if (config.rtcBatteryBacked && (await exists(config.rtcDevicePath)))
    return { trusted: true, source: 'rtc' };
  return { trusted: false, source: 'none' };
}
