import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyJobsState } from '../../../local-core/src/jobs/model.ts';
import { JobsStore } from '../../../local-core/src/jobs/store.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jobs-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('JobsStore', () => {
  it('reads back what it saved, leaving no temp file behind', async () => {
    const store = new JobsStore(dir);
    const state = { ...emptyJobsState(), nextSeq: 3 };
    await store.save(state);
    expect(await new JobsStore(dir).load(() => undefined)).toEqual(state);
    expect(readdirSync(dir)).toEqual(['jobs.json']);
  });

  it('moves a corrupt state file aside, reports it and starts empty', async () => {
    writeFileSync(join(dir, 'jobs.json'), '{"version":1,"jobs":');
    const reports: string[] = [];
    const state = await new JobsStore(dir).load((movedTo) => reports.push(movedTo));
    expect(state).toEqual(emptyJobsState());
    expect(reports).toHaveLength(1);
    expect(existsSync(reports[0]!)).toBe(true);
    expect(existsSync(join(dir, 'jobs.json'))).toBe(false);
  });
});
