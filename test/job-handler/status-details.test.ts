import { describe, expect, it } from 'vitest';
import { statusDetails } from '../../components/job-handler/src/status-details.ts';
import { validateStatusDetails } from '../../local-core/src/jobs/engine.ts';

describe('statusDetails', () => {
  it('cuts a long value to the 1024-character limit IoT Jobs accepts', () => {
    const details = statusDetails({ message: 'x'.repeat(5000) });
    expect(details.message).toHaveLength(1024);
    expect(validateStatusDetails(details)).toEqual(details);
  });

  it('replaces control characters and drops empty or undefined values', () => {
    expect(statusDetails({ message: 'a\nb', path: undefined, empty: '  ' })).toEqual({ message: 'a b' });
  });
});
