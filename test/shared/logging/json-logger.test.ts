import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, GreengrassError } from '../../../components/shared/errors.ts';
import { isLogLevel, JsonLogger, toJsonSafe } from '../../../components/shared/logging/json-logger.ts';

function capture(options: { level?: 'debug' | 'info' | 'warn' | 'error' } = {}) {
  const lines: string[] = [];
  const logger = new JsonLogger('com.matchdayalert.Scheduler', {
    ...options,
    write: (line) => lines.push(line),
    now: () => Date.parse('2026-03-29T01:30:00.000Z'),
  });
  const entries = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, entries };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with time, level, component, event and the fields', () => {
    const { logger, lines, entries } = capture();
    logger.info('scheduler.command.applied', { commandId: 'c-1', count: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(entries()[0]).toEqual({
      time: '2026-03-29T01:30:00.000Z',
      level: 'info',
      component: 'com.matchdayalert.Scheduler',
      event: 'scheduler.command.applied',
      commandId: 'c-1',
      count: 2,
    });
  });

  it('keeps the standard keys when a field uses one of their names', () => {
    const { logger, entries } = capture();
    logger.warn('x.y', { event: 'spoofed', level: 'debug' });
    expect(entries()[0]).toMatchObject({ event: 'x.y', level: 'warn', _event: 'spoofed', _level: 'debug' });
  });

  it('leaves out levels below the configured one', () => {
    const { logger, entries } = capture({ level: 'warn' });
    logger.debug('a');
    logger.info('b');
    logger.warn('c');
    logger.error('d');
    expect(entries().map((e) => e.event)).toEqual(['c', 'd']);
  });

  it('serialises an error with its name, message, own properties and cause chain', () => {
    const { logger, entries } = capture();
    const root = new Error('socket closed');
    const error = new GreengrassError('ServiceError', 'PublishToTopic failed', { cause: root });
    logger.error('ipc.publish.failed', { error });
    const logged = entries()[0]!.error as Record<string, unknown>;
    expect(logged).toMatchObject({
      name: 'GreengrassError',
      message: 'ServiceError: PublishToTopic failed',
      code: 'ServiceError',
      retryable: true,
      exitCode: 1,
      cause: { name: 'Error', message: 'socket closed' },
    });
    expect(typeof logged.stack).toBe('string');
  });

  it('names the field of a ConfigError', () => {
    const { logger, entries } = capture();
    logger.error('component.config.invalid', {
      error: new ConfigError('leaseS', 'expected a number, got "x"'),
    });
    expect(entries()[0]!.error).toMatchObject({ name: 'ConfigError', field: 'leaseS', exitCode: 78 });
  });

  it('logs a zod error as its first issues with dotted paths instead of its pretty-printed message', () => {
    const { logger, lines, entries } = capture();
    const result = z
      .strictObject({ pin: z.number(), blink: z.strictObject({ onMs: z.number() }) })
      .safeParse({
        pin: 'x',
        blink: {},
      });
    logger.error('component.config.invalid', { error: result.error });
    expect(entries()[0]!.error).toEqual({
      name: 'ZodError',
      issues: [
        { path: 'pin', code: 'invalid_type', message: 'Invalid input: expected number, received string' },
        {
          path: 'blink.onMs',
          code: 'invalid_type',
          message: 'Invalid input: expected number, received undefined',
        },
      ],
    });
    expect(lines[0]!.length).toBeLessThan(400);
  });

  it('survives circular structures, bigints, byte arrays and non-finite numbers', () => {
    const { logger, entries } = capture();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    logger.info('odd.values', { loop, big: 10n, bytes: new Uint8Array(3), nan: Number.NaN });
    expect(entries()[0]).toMatchObject({
      loop: { name: 'loop', self: '[circular]' },
      big: '10',
      bytes: { bytes: 3 },
      nan: 'NaN',
    });
  });

  it('logs the same object twice side by side without calling it circular', () => {
    const shared = { a: 1 };
    expect(toJsonSafe({ x: shared, y: shared })).toEqual({ x: { a: 1 }, y: { a: 1 } });
  });

  it('truncates structures nested deeper than eight levels', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 12; i++) deep = { next: deep };
    const text = JSON.stringify(toJsonSafe(deep));
    expect(text).toContain('[depth]');
    expect(text).not.toContain('leaf');
  });
});

describe('isLogLevel', () => {
  it('accepts the four levels and nothing else, not even inherited property names', () => {
    expect(['debug', 'info', 'warn', 'error'].every(isLogLevel)).toBe(true);
    expect(['trace', 'toString', '', undefined].some(isLogLevel)).toBe(false);
  });
});
