import { describe, expect, it } from 'vitest';
import { parseJobHandlerConfig } from '../../components/job-handler/src/config.ts';
import { ConfigError } from '../../components/shared/errors.ts';
import { recipeDefaults } from './helpers.ts';

describe('parseJobHandlerConfig', () => {
  it('accepts the recipe defaults and freezes them', () => {
    const config = parseJobHandlerConfig(recipeDefaults());
    expect(config.pollIntervalS).toBe(300);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names the field, the expectation and the value of a bad setting', () => {
    expect(() => parseJobHandlerConfig({ ...recipeDefaults(), commandTimeoutS: 0 })).toThrow(
      expect.objectContaining({ field: 'commandTimeoutS', message: expect.stringMatching(/got `0`/) }),
    );
  });

  it('rejects an unknown key', () => {
    expect(() => parseJobHandlerConfig({ ...recipeDefaults(), pollInterval: 5 })).toThrow(ConfigError);
  });

  it('has no hidden defaults: a missing key is an error', () => {
    const { pollIntervalS: _, ...rest } = recipeDefaults();
    expect(() => parseJobHandlerConfig(rest)).toThrow(expect.objectContaining({ field: 'pollIntervalS' }));
  });
});
