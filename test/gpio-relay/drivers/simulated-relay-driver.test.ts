import { describe, expect, it } from 'vitest';
import {
  SimulatedRelayDriver,
  type SimulatedRelayFile,
} from '../../../components/gpio-relay/src/drivers/simulated-relay-driver.ts';
import { FakeClock, MemoryFileSystem, RecordingLogger } from '../../fakes/index.ts';

async function setup(activeLow = false) {
  const fs = new MemoryFileSystem();
  const logger = new RecordingLogger();
  const clock = new FakeClock('2026-09-12T12:00:00.000Z');
  const driver = await SimulatedRelayDriver.open({
    pin: 17,
    activeLow,
    workDir: '/work/gpio',
    fs,
    clock,
    logger,
  });
  const state = async () =>
    JSON.parse(
      new TextDecoder().decode(await fs.readFile('/work/gpio/simulated-relay.json')),
    ) as SimulatedRelayFile;
  return { fs, logger, clock, driver, state };
}

describe('SimulatedRelayDriver', () => {
  it('records the light as off in the work folder when opened', async () => {
    const { state } = await setup();
    expect(await state()).toEqual({
      on: false,
      level: 0,
      pin: 17,
      activeLow: false,
      at: '2026-09-12T12:00:00.000Z',
      writes: 1,
    });
  });

  it('writes each change durably and logs it, with the level a real active-low line would carry', async () => {
    const { fs, logger, driver, state } = await setup(true);
    await driver.write(true);
    expect(await state()).toMatchObject({ on: true, level: 0, writes: 2 });
    expect(fs.calls.slice(-3).map((c) => c.op)).toEqual(['write', 'rename', 'syncDir']);
    expect(logger.entries.at(-1)).toMatchObject({
      event: 'gpio-relay.simulated.write',
      fields: { on: true },
    });
  });

  it('records off on close', async () => {
    const { driver, state } = await setup();
    await driver.write(true);
    await driver.close();
    expect((await state()).on).toBe(false);
  });
});
