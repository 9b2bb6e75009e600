/**
 * Builds the shipping artifacts once per test run (skipped when nothing changed), so integration tests
 * run exactly what `npm start` and a device run: build/artifacts/<Name>/<Version>/<dir>.zip.
 */
import { join, resolve } from 'node:path';
import { buildAll } from '../../scripts/build.ts';

export const ARTIFACTS_DIR = resolve(import.meta.dirname, '..', '..', 'build', 'artifacts');

export default async function setup(): Promise<void> {
  await buildAll(join(ARTIFACTS_DIR));
}
