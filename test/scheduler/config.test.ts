import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSchedulerConfig } from '../../components/scheduler/src/config.ts';
import { locateSqlWasm } from '../../components/scheduler/src/locate-sql-wasm.ts';
import { ConfigError } from '../../components/shared/errors.ts';
import { recipeDefaults } from './support.ts';

describe('parseSchedulerConfig', () => {
  it("accepts the recipe's DefaultConfiguration and freezes it deeply", () => {
    const config = parseSchedulerConfig(recipeDefaults());
    expect(config.timeZone).toBe('Europe/Brussels');
    expect(Object.isFrozen(config.alertPolicy.windows[0])).toBe(true);
  });

  it('puts the last default alert at the three-hours-before deadline', () => {
    const { windows } = parseSchedulerConfig(recipeDefaults()).alertPolicy;
    expect(Math.min(...windows.map((w) => w.endBeforeS))).toBe(3 * 3600);
  });

  it('rejects an unknown key, naming it', () => {
    expect(() => parseSchedulerConfig({ ...recipeDefaults(), lightColour: 'red' })).toThrow(ConfigError);
  });

  it('rejects a missing value: the schema holds no defaults', () => {
    const { safetyTickS: _omitted, ...rest } = recipeDefaults();
    expect(() => parseSchedulerConfig(rest)).toThrow(/`safetyTickS`/);
  });

  it('names the field, the expectation and the value of a bad time zone', () => {
    try {
      parseSchedulerConfig({ ...recipeDefaults(), timeZone: 'Mars/Olympus' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe('timeZone');
      expect((error as Error).message).toMatch(/IANA time zone.*Mars\/Olympus/);
    }
  });

  it('rejects an unconfirmed kick-off that is not a local HH:mm', () => {
    const raw = recipeDefaults() as { fixtures: { unconfirmedKickoff: Record<string, string> } };
    raw.fixtures.unconfirmedKickoff.sunday = '25:00';
    expect(() => parseSchedulerConfig(raw)).toThrow(/fixtures\.unconfirmedKickoff\.sunday/);
  });
});

describe('locateSqlWasm', () => {
  it('prefers SQLJS_WASM_PATH', () => {
    expect(locateSqlWasm({ SQLJS_WASM_PATH: '/opt/sql-wasm.wasm' }, '/bundle')).toBe('/opt/sql-wasm.wasm');
  });

  it('uses the wasm beside the bundle when it is there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-'));
    writeFileSync(join(dir, 'sql-wasm.wasm'), '');
    expect(locateSqlWasm({}, dir)).toBe(join(dir, 'sql-wasm.wasm'));
    rmSync(dir, { recursive: true });
  });

  it("falls back to the sql.js package's own file", () => {
    const expected = createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm');
    expect(locateSqlWasm({}, '/nonexistent')).toBe(expected);
  });
});
