import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findSysfsLine,
  type OpenSysfsGpio,
  SysfsRelayDriver,
} from '../../../components/gpio-relay/src/drivers/sysfs-relay-driver.ts';
import { FIXTURES } from '../helpers.ts';

const tree = (name: string) => join(FIXTURES, 'sysfs', name);

/** An onoff stand-in recording exports, levels and unexports. */
function fakeOnoff() {
  const calls: string[] = [];
  const open: OpenSysfsGpio = (gpio, initial) => {
    calls.push(`export ${gpio} ${initial}`);
    return {
      writeSync: (value) => void calls.push(`write ${gpio} ${value}`),
      unexport: () => void calls.push(`unexport ${gpio}`),
    };
  };
  return { calls, open };
}

describe('BCM pin to sysfs number', () => {
  it('adds the pinctrl-bcm2711 base on a Pi 4 with a current Raspberry Pi OS kernel (BCM 17 → 529)', async () => {
    const line = await findSysfsLine(tree('pi4-bookworm'), 17);
    expect(line.gpio).toBe(529);
    expect(line.chip).toMatchObject({ dir: 'gpiochip512', label: 'pinctrl-bcm2711' });
  });

  it('finds the pinctrl-rp1 chip among the brcmstb chips on a Pi 5 (BCM 17 → 588)', async () => {
    const line = await findSysfsLine(tree('pi5-bookworm'), 17);
    expect(line.gpio).toBe(588);
    expect(line.chip).toMatchObject({ dir: 'gpiochip571', label: 'pinctrl-rp1', base: 571 });
  });

  it('keeps base 0 where an older kernel still numbers the header chip from 0', async () => {
    expect((await findSysfsLine(tree('pi3-legacy'), 4)).gpio).toBe(4);
  });

  it('names the chips it found when none is a Raspberry Pi header chip', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sysfs-'));
    mkdirSync(join(root, 'gpiochip512'));
    writeFileSync(join(root, 'gpiochip512', 'label'), 'INT34C5:00\n');
    writeFileSync(join(root, 'gpiochip512', 'base'), '512\n');
    writeFileSync(join(root, 'gpiochip512', 'ngpio'), '360\n');
    await expect(findSysfsLine(root, 17)).rejects.toThrow(
      /no header GPIO chip \(pinctrl-rp1, pinctrl-bcm2711, pinctrl-bcm2835\).*found gpiochip512 \[INT34C5:00\]/,
    );
  });

  it('rejects a pin beyond the header chip', async () => {
    await expect(findSysfsLine(tree('pi4-bookworm'), 58)).rejects.toThrow(
      'BCM 58 is outside gpiochip512 [pinctrl-bcm2711] (58 lines)',
    );
  });

  it('names the folder when the sysfs GPIO class does not exist', async () => {
    await expect(findSysfsLine('/nonexistent/gpio', 17)).rejects.toThrow('cannot read /nonexistent/gpio');
  });
});

describe('SysfsRelayDriver', () => {
  it('exports the mapped line already driven low, then drives it high for on', async () => {
    const onoff = fakeOnoff();
    const driver = await SysfsRelayDriver.open({
      pin: 17,
      activeLow: false,
      sysfsRoot: tree('pi5-bookworm'),
      openGpio: onoff.open,
    });
    await driver.write(true);
    expect(onoff.calls).toEqual(['export 588 low', 'write 588 1']);
    expect(driver.line).toBe('gpio588 (gpiochip571 [pinctrl-rp1] line 17)');
  });

  it('exports an active-low line already high, so the relay never clicks on while opening', async () => {
    const onoff = fakeOnoff();
    const driver = await SysfsRelayDriver.open({
      pin: 5,
      activeLow: true,
      sysfsRoot: tree('pi4-bookworm'),
      openGpio: onoff.open,
    });
    await driver.write(true);
    await driver.write(false);
    expect(onoff.calls).toEqual(['export 517 high', 'write 517 0', 'write 517 1']);
  });

  it('drives the line off and unexports it on close', async () => {
    const onoff = fakeOnoff();
    const driver = await SysfsRelayDriver.open({
      pin: 17,
      activeLow: false,
      sysfsRoot: tree('pi4-bookworm'),
      openGpio: onoff.open,
    });
    await driver.write(true);
    await driver.close();
    expect(onoff.calls.slice(-2)).toEqual(['write 529 0', 'unexport 529']);
    await expect(driver.write(true)).rejects.toThrow('closed');
  });

  it('reports an export failure with the sysfs number and chip', async () => {
    const open: OpenSysfsGpio = () => {
      throw Object.assign(new Error('EINVAL: invalid argument, write'), { code: 'EINVAL' });
    };
    await expect(
      SysfsRelayDriver.open({ pin: 17, activeLow: false, sysfsRoot: tree('pi5-bookworm'), openGpio: open }),
    ).rejects.toThrow('cannot export gpio588 (BCM 17 on gpiochip571 [pinctrl-rp1]): EINVAL');
  });

  it('loads the real onoff lazily and reports what its export said', async () => {
    await expect(
      SysfsRelayDriver.open({ pin: 17, activeLow: false, sysfsRoot: tree('pi5-bookworm') }),
    ).rejects.toThrow(
      /cannot export gpio588 \(BCM 17 on gpiochip571 \[pinctrl-rp1\]\): ENOENT.*\/sys\/class\/gpio\/export/,
    );
  });
});
