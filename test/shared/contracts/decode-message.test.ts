import { describe, expect, it } from 'vitest';
import { decodeMessage, isInvalidRequest, TOPICS } from '../../../components/shared/contracts/index.ts';

const ALERT_ID = '2025-26:jpl:kaa-gent:club-brugge#1:final';
const origin = { via: 'job', ref: 'job-7' };
const relayState = { on: true, since: '2026-03-29T12:00:00.000Z', driver: 'sysfs', healthy: true };

describe('decodeMessage for events', () => {
  it('passes a valid event through', () => {
    expect(decodeMessage(TOPICS.relayState, relayState)).toEqual({ kind: 'ok', value: relayState });
  });

  it('drops an invalid event with the failing path', () => {
    const decoded = decodeMessage(TOPICS.relayState, { ...relayState, healthy: 'yes' });
    expect(decoded).toMatchObject({ kind: 'drop', path: 'healthy' });
    expect(decoded.kind === 'drop' && decoded.message).toContain('`healthy`');
  });

  it('drops a message that is not an object at the root', () => {
    expect(decodeMessage(TOPICS.fixtures, 'hello')).toMatchObject({ kind: 'drop', path: '(root)' });
  });
});

describe('decodeMessage for requests', () => {
  it('passes a valid command through', () => {
    const cmd = { id: 'c-1', type: 'disableAlert', args: { alertId: ALERT_ID }, origin };
    expect(decodeMessage(TOPICS.commands, cmd)).toEqual({ kind: 'ok', value: cmd });
  });

  it('drops a request without an id, naming the path', () => {
    expect(decodeMessage(TOPICS.scraperRun, {})).toMatchObject({ kind: 'drop', path: 'id' });
    expect(decodeMessage(TOPICS.commands, { type: 'disableAlert', args: {} })).toMatchObject({
      kind: 'drop',
      path: 'id',
    });
  });

  it('drops a command without a type: nobody could answer it meaningfully', () => {
    expect(decodeMessage(TOPICS.commands, { id: 'c-1', args: {} })).toMatchObject({
      kind: 'drop',
      path: 'type',
    });
  });

  it('turns bad arguments into INVALID_ARGS with the path of the failing field', () => {
    const decoded = decodeMessage(TOPICS.commands, {
      id: 'c-2',
      type: 'snoozeAlert',
      args: { alertId: ALERT_ID, until: 'tomorrow' },
      origin,
    });
    expect(decoded.kind).toBe('invalid');
    const request = decoded.kind === 'invalid' ? decoded.request : undefined;
    expect(isInvalidRequest(request)).toBe(true);
    expect(request).toMatchObject({
      invalid: true,
      id: 'c-2',
      type: 'snoozeAlert',
      error: { code: 'INVALID_ARGS', path: 'args.until' },
    });
  });

  it('answers an unknown command type with UNKNOWN_TYPE', () => {
    const decoded = decodeMessage(TOPICS.commands, { id: 'c-3', type: 'rebootDevice', args: {}, origin });
    expect(decoded).toEqual({
      kind: 'invalid',
      request: {
        invalid: true,
        id: 'c-3',
        type: 'rebootDevice',
        error: { code: 'UNKNOWN_TYPE', message: 'unknown command type `rebootDevice`', path: 'type' },
      },
    });
  });

  it('turns a relay test with a bad duration into INVALID_ARGS', () => {
    expect(decodeMessage(TOPICS.relayTest, { id: 't-1', durationS: 3600 })).toMatchObject({
      kind: 'invalid',
      request: { id: 't-1', error: { code: 'INVALID_ARGS', path: 'durationS' } },
    });
  });

  it('keeps no type on an invalid request of a topic without types', () => {
    const decoded = decodeMessage(TOPICS.scraperRun, { id: 'r-1', extra: 1 });
    expect(decoded.kind === 'invalid' && 'type' in decoded.request).toBe(false);
  });
});
