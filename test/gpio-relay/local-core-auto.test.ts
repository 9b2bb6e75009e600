import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELAY, type RelayStack, startRelayStack } from './relay-stack.ts';

describe('GpioRelay through local-core with driver auto on a machine without Raspberry Pi GPIO', () => {
  let stack: RelayStack;

  beforeAll(async () => {
    stack = await startRelayStack({ driver: 'auto' }, { expectStart: false });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('goes ERRORED naming what it probed and never falls back to the simulated driver', async () => {
    const failed = () =>
      existsSync(stack.relayLog) && readFileSync(stack.relayLog, 'utf8').includes('component.start.failed');
    await stack.waitFor(failed, 30_000, 'start failure');
    const line = readFileSync(stack.relayLog, 'utf8')
      .split('\n')
      .find((l) => l.includes('component.start.failed'));
    expect(line).toContain('auto driver: no usable GPIO for BCM 17. Probed chardev driver:');
    expect(line).toContain('sysfs driver:');
    // The nucleus retries an ERRORED component and gives up after three errors in a row.
    await stack.core.waitFor((s) => s.things.T1?.components[RELAY]?.state === 'BROKEN', 60_000);
    expect(existsSync(join(stack.relayWork, 'simulated-relay.json'))).toBe(false);
    // The probe may subscribe after the attempts: whatever state it did see says unhealthy, never simulated.
    for (const state of stack.states())
      expect(state).toMatchObject({ on: false, driver: 'auto', healthy: false });
  });
});
