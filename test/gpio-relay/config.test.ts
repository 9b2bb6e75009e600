import { describe, expect, it } from 'vitest';
import { parseGpioRelayConfig } from '../../components/gpio-relay/src/config.ts';
import { ConfigError } from '../../components/shared/errors.ts';
import { recipeDefaults } from './helpers.ts';

function configError(raw: unknown): ConfigError {
  try {
    parseGpioRelayConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseGpioRelayConfig', () => {
  it('accepts the recipe defaults: BCM 17, auto driver, 180 s lease, 4 h maximum on-time', () => {
    const config = parseGpioRelayConfig(recipeDefaults());
    expect(config).toMatchObject({
      pin: 17,
      driver: 'auto',
      leaseS: 180,
      maxOnS: 14_400,
      initialState: 'off',
    });
    expect(Object.isFrozen(config.blink)).toBe(true);
  });

  it('names the field, the expectation and the value of an invalid pin', () => {
    const error = configError({ ...recipeDefaults(), pin: 40 });
    expect(error.field).toBe('pin');
    expect(error.message).toMatch(/^Invalid configuration `pin`: .*27.*\(got `40`\)$/);
    expect(error.exitCode).toBe(78);
  });

  it('rejects an unknown driver', () => {
    expect(configError({ ...recipeDefaults(), driver: 'pigpio' }).field).toBe('driver');
  });

  it('rejects a nested blink field that is too fast for a relay', () => {
    expect(configError({ ...recipeDefaults(), blink: { onMs: 50, offMs: 500 } }).field).toBe('blink.onMs');
  });

  it('rejects any initial state but off', () => {
    expect(configError({ ...recipeDefaults(), initialState: 'on' }).field).toBe('initialState');
  });

  it('rejects a missing field instead of inventing a default', () => {
    const { leaseS: _, ...rest } = recipeDefaults();
    expect(configError(rest).message).toContain('`leaseS`');
  });

  it('rejects an unknown key', () => {
    expect(() => parseGpioRelayConfig({ ...recipeDefaults(), gpioBase: 512 })).toThrow(ConfigError);
  });
});
