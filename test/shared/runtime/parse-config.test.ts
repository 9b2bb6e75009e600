import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../../components/shared/errors.ts';
import { intBetween, parseComponentConfig } from '../../../components/shared/runtime/parse-config.ts';

const Schema = z.strictObject({
  pin: intBetween(0, 27),
  lease: z.strictObject({ seconds: intBetween(1, 600) }),
});

describe('parseComponentConfig', () => {
  it('returns the configuration deeply frozen', () => {
    const config = parseComponentConfig(Schema, { pin: 17, lease: { seconds: 180 } });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.lease)).toBe(true);
  });

  it('names the failing field, the expectation and the value found', () => {
    const error = (() => {
      try {
        parseComponentConfig(Schema, { pin: 17, lease: { seconds: 9000 } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('lease.seconds');
    expect((error as ConfigError).message).toMatch(
      /^Invalid configuration `lease\.seconds`: .*600.* \(got `9000`\)$/,
    );
  });

  it('says when a required field is missing', () => {
    expect(() => parseComponentConfig(Schema, { pin: 17 })).toThrow(/`lease`: .* \(got nothing\)$/);
  });
});
