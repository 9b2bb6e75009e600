/**
 * Opens the configured driver. `auto` probes the character device first (the kernel's supported
 * interface), then sysfs; when neither fits it throws a `RelayDriverError` naming what it probed. It never
 * falls back to `simulated`: a Pi that silently simulates its light is worse than one that says ERRORED.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, FileSystem, Logger } from '../../../shared/ports/index.ts';
import type { GpioRelayConfig } from '../config.ts';
import { type RelayDriver, RelayDriverError } from '../relay-driver.ts';
import { ChardevRelayDriver, probeChardev } from './chardev-relay-driver.ts';
import { SimulatedRelayDriver } from './simulated-relay-driver.ts';
import {
  findSysfsLine,
  type OpenSysfsGpio,
  SYSFS_GPIO_ROOT,
  SysfsRelayDriver,
} from './sysfs-relay-driver.ts';

/** What the drivers need from the composition root; the optional parts are overridden by tests. */
export interface DriverEnvironment {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly workDir: string;
  /** Environment of the libgpiod tools. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default "/sys/class/gpio" */
  readonly sysfsRoot?: string;
  /** @default onoff, loaded when sysfs is chosen */
  readonly openGpio?: OpenSysfsGpio;
}

type DriverConfig = Pick<GpioRelayConfig, 'pin' | 'activeLow' | 'driver'>;

export async function openRelayDriver(
  config: DriverConfig,
  environment: DriverEnvironment,
): Promise<RelayDriver> {
  const { pin, activeLow } = config;
  const { logger } = environment;
  const sysfs = () =>
    SysfsRelayDriver.open({
      pin,
      activeLow,
      sysfsRoot: environment.sysfsRoot ?? SYSFS_GPIO_ROOT,
      ...(environment.openGpio ? { openGpio: environment.openGpio } : {}),
    });
  const chardevOptions = { pin, activeLow, logger, ...(environment.env ? { env: environment.env } : {}) };

  switch (config.driver) {
    case 'simulated':
      return SimulatedRelayDriver.open({ pin, activeLow, ...environment });
    case 'chardev':
      return ChardevRelayDriver.open(chardevOptions);
    case 'sysfs':
      return sysfs();
    case 'auto': {
      let chardevReason = '';
      let probe: Awaited<ReturnType<typeof probeChardev>> | undefined;
      try {
        probe = await probeChardev(pin, environment.env ?? process.env);
      } catch (error) {
        if (!(error instanceof RelayDriverError)) throw error;
        chardevReason = error.message;
      }
      if (probe) {
        // The header chip is there: a failure from here on is real (permissions, a busy line) and is reported.
        logger.info('gpio-relay.driver.probed', {
          chosen: 'chardev',
          chip: probe.chip.name,
          label: probe.chip.label,
        });
        return ChardevRelayDriver.open(chardevOptions, probe);
      }
      const root = environment.sysfsRoot ?? SYSFS_GPIO_ROOT;
      let sysfsReason: string;
      try {
        await access(join(root, 'export'));
        const { chip } = await findSysfsLine(root, pin);
        logger.info('gpio-relay.driver.probed', {
          chosen: 'sysfs',
          chip: chip.dir,
          label: chip.label,
          chardev: chardevReason,
        });
        return await sysfs();
      } catch (error) {
        sysfsReason =
          error instanceof RelayDriverError
            ? error.message
            : `sysfs driver: ${join(root, 'export')} does not exist`;
      }
      throw new RelayDriverError(
        'auto',
        `no usable GPIO for BCM ${pin}. Probed ${chardevReason}; ${sysfsReason}`,
      );
    }
  }
}
