import { describe, expect, it } from 'vitest';
import { parseJobDocument } from '../../components/job-handler/src/job-document.ts';

describe('parseJobDocument', () => {
  it('reads a single-operation document as one step', () => {
    expect(parseJobDocument({ version: 1, operation: 'testLight', args: { durationS: 10 } })).toEqual({
      ok: true,
      steps: [{ operation: 'testLight', args: { durationS: 10 } }],
    });
  });

  it('accepts rescrape without arguments', () => {
    expect(parseJobDocument({ version: 1, operation: 'rescrape' })).toMatchObject({ ok: true });
  });

  it('reads a steps document in order', () => {
    const parsed = parseJobDocument({
      version: 1,
      steps: [
        { operation: 'snoozeEvent', args: { eventId: 'concert-1', until: '2026-10-03T20:00:00Z' } },
        { operation: 'rescrape' },
      ],
    });
    expect(parsed.ok && parsed.steps.map((s) => s.operation)).toEqual(['snoozeEvent', 'rescrape']);
  });

  it('refuses an unknown operation, naming the field', () => {
    expect(parseJobDocument({ version: 1, operation: 'reboot' })).toMatchObject({
      ok: false,
      problem: { reason: 'INVALID_DOCUMENT', path: 'operation' },
    });
  });

  it('refuses unknown keys in the arguments', () => {
    expect(
      parseJobDocument({ version: 1, operation: 'testLight', args: { durationS: 5, colour: 'red' } }),
    ).toMatchObject({ ok: false, problem: { reason: 'INVALID_DOCUMENT' } });
  });

  it('refuses a light test longer than the relay allows', () => {
    expect(parseJobDocument({ version: 1, operation: 'testLight', args: { durationS: 601 } })).toMatchObject({
      ok: false,
      problem: { path: 'args.durationS' },
    });
  });

  it('refuses more than ten steps', () => {
    const steps = Array.from({ length: 11 }, () => ({ operation: 'rescrape' }));
    expect(parseJobDocument({ version: 1, steps })).toMatchObject({ ok: false, problem: { path: 'steps' } });
  });

  it('refuses a document without a known version as UNSUPPORTED_VERSION', () => {
    expect(parseJobDocument({ operation: 'rescrape' })).toMatchObject({
      ok: false,
      problem: { reason: 'UNSUPPORTED_VERSION', path: 'version' },
    });
  });

  it('refuses a document that is not an object', () => {
    expect(parseJobDocument(['rescrape'])).toMatchObject({ ok: false, problem: { path: '(root)' } });
  });
});
