import { describe, expect, it } from 'vitest';
import {
  gpioinfoArgs,
  gpiosetHoldArgs,
  parseGpiodetect,
  parseGpioinfo,
  parseLibgpiodMajor,
} from '../../../components/gpio-relay/src/drivers/libgpiod-tools.ts';

describe('libgpiod tool output', () => {
  it('reads the major version from v1 and v2 `gpioset --version`', () => {
    expect(parseLibgpiodMajor('gpioset (libgpiod) v1.6.3\nCopyright (C) 2017-2018 Bartosz Golaszewski')).toBe(
      1,
    );
    expect(parseLibgpiodMajor('gpioset (libgpiod) v2.1')).toBe(2);
    expect(parseLibgpiodMajor('gpioset v2.3.2 (libgpiod v2.2.1)')).toBe(2);
    expect(parseLibgpiodMajor('gpioset v3.0')).toBeUndefined();
  });

  it('lists chips with labels as gpiodetect prints them on a Pi 5 with kernel 6.6.47', () => {
    const output = [
      'gpiochip0 [pinctrl-rp1] (54 lines)',
      'gpiochip10 [gpio-brcmstb@107d508500] (32 lines)',
      'gpiochip11 [gpio-brcmstb@107d508520] (4 lines)',
    ].join('\n');
    expect(parseGpiodetect(output)).toEqual([
      { name: 'gpiochip0', label: 'pinctrl-rp1', lines: 54 },
      { name: 'gpiochip10', label: 'gpio-brcmstb@107d508500', lines: 32 },
      { name: 'gpiochip11', label: 'gpio-brcmstb@107d508520', lines: 4 },
    ]);
  });

  it('reads free and held lines from v1 gpioinfo', () => {
    const output = [
      'gpiochip0 - 32 lines:',
      '        line   0:          "-"       unused   input  active-high',
      '        line   1: "2712_BOOT_CS_N" "spi10 CS0" output active-low [used]',
      '        line   5:      unnamed       unused   input  active-high',
    ].join('\n');
    expect(parseGpioinfo(output)).toEqual([
      { offset: 0, direction: 'input', consumer: undefined },
      { offset: 1, direction: 'output', consumer: 'spi10 CS0' },
      { offset: 5, direction: 'input', consumer: undefined },
    ]);
  });

  it('reads free and held lines from v2 gpioinfo', () => {
    const output = [
      'gpiochip0 - 54 lines:',
      '\tline  16:\t"GPIO16"        \tinput',
      '\tline  17:\t"GPIO17"        \toutput consumer="matchday-relay"',
      '\tline  20:\t"PWR_GPIO"      \tinput active-low consumer=pwr_button',
    ].join('\n');
    expect(parseGpioinfo(output)).toEqual([
      { offset: 16, direction: 'input', consumer: undefined },
      { offset: 17, direction: 'output', consumer: 'matchday-relay' },
      { offset: 20, direction: 'input', consumer: 'pwr_button' },
    ]);
  });

  it('builds holding commands in each syntax: v1 waits for a signal, v2 names its consumer', () => {
    expect(gpiosetHoldArgs(1, 'gpiochip4', 17, 1, 'matchday-relay')).toEqual([
      '--mode=signal',
      'gpiochip4',
      '17=1',
    ]);
    expect(gpiosetHoldArgs(2, 'gpiochip0', 17, 0, 'matchday-relay')).toEqual([
      '--chip',
      'gpiochip0',
      '--consumer',
      'matchday-relay',
      '17=0',
    ]);
    expect(gpioinfoArgs(1, 'gpiochip0')).toEqual(['gpiochip0']);
    expect(gpioinfoArgs(2, 'gpiochip0')).toEqual(['--chip', 'gpiochip0']);
  });
});
