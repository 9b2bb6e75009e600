import { describe, expect, it } from 'vitest';
import { parseJobDocument } from '../../components/job-handler/src/job-document.ts';
import { statusDetails } from '../../components/job-handler/src/status-details.ts';
import { validateStatusDetails } from '../../local-core/src/jobs/engine.ts';

/** The AWS IoT Jobs pattern for a statusDetails value (DetailsValue): no `\p{C}` code point at all. */
const AWS_DETAILS_VALUE = /^[^\p{C}]+$/u;

describe('statusDetails', () => {
  it('cuts a long value to the 1024-character limit IoT Jobs accepts', () => {
    const details = statusDetails({ message: 'x'.repeat(5000) });
    expect(details.message).toHaveLength(1024);
    expect(validateStatusDetails(details)).toEqual(details);
  });

  it('replaces control characters and drops empty or undefined values', () => {
    expect(statusDetails({ message: 'a\nb', path: undefined, empty: '  ' })).toEqual({ message: 'a b' });
  });

  it('replaces C1 controls and format characters such as a pasted zero-width space', () => {
    expect(statusDetails({ message: 'a\u0085b\u200bc\u202ed' })).toEqual({ message: 'a b c d' });
  });

  it('keeps the REJECTED details of a document with a zero-width space in a key within the AWS pattern', () => {
    const parsed = parseJobDocument({ version: 1, operation: 'rescrape', args: { 'force\u200b': true } });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const details = statusDetails({ ...parsed.problem });
    for (const value of Object.values(details)) expect(value).toMatch(AWS_DETAILS_VALUE);
  });

  it('never splits a surrogate pair when it cuts a long value', () => {
    const details = statusDetails({ message: `${'x'.repeat(1022)}${'😀'.repeat(10)}` });
    expect(details.message).toMatch(AWS_DETAILS_VALUE);
    expect(details.message!.length).toBeLessThanOrEqual(1024);
  });
});
