import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type FleetDocument, parseFleetDocument } from '../../scripts/deploy/fleet-document.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const FLEET_FILE = join(ROOT, 'deployments', 'fleet.json');
export const TARGET = 'arn:aws:iot:eu-west-1:123456789012:thinggroup/matchday-devices';

/** The shipped fleet document as parsed JSON (to mutate in tests). */
export function rawFleet(): Record<string, unknown> & {
  components: Record<string, Record<string, unknown>>;
} {
  return JSON.parse(readFileSync(FLEET_FILE, 'utf8'));
}

export function fleet(mutate: (raw: ReturnType<typeof rawFleet>) => void = () => {}): FleetDocument {
  const raw = rawFleet();
  mutate(raw);
  return parseFleetDocument(raw);
}
