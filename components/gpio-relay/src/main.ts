/**
 * Composition root of com.matchdayalert.GpioRelay: hands the core to the shared runner with a driver
 * opener for the configured driver (probing happens when the core starts, so a Pi without usable GPIO goes
 * ERRORED with what was probed). The only file that reads the environment (the libgpiod tools' PATH).
 */
import { COMPONENTS } from '../../shared/contracts/index.ts';
import { runComponent } from '../../shared/runtime/run-component.ts';
import { parseGpioRelayConfig } from './config.ts';
import { openRelayDriver } from './drivers/open-relay-driver.ts';
import { createGpioRelay } from './gpio-relay.ts';

void runComponent({
  name: COMPONENTS.gpioRelay,
  parseConfig: parseGpioRelayConfig,
  create: (ctx) =>
    createGpioRelay(ctx, {
      openDriver: () =>
        openRelayDriver(ctx.config, {
          fs: ctx.fs,
          clock: ctx.clock,
          logger: ctx.logger,
          workDir: ctx.workDir,
          env: process.env,
        }),
    }),
});
