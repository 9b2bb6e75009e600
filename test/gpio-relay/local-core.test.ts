import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RelayStack, startRelayStack } from './relay-stack.ts';

const SET = 'matchday/relay/set';
const TEST = 'matchday/relay/test';

describe('GpioRelay through local-core with the real IPC client and the simulated driver', () => {
  let stack: RelayStack;
  let stopped = false;

  beforeAll(async () => {
    // The probe may subscribe after GpioRelay's first state: a short interval brings the next one soon.
    stack = await startRelayStack({ stateIntervalS: 5 });
  }, 90_000);

  afterAll(async () => {
    if (!stopped) await stack?.stop();
  });

  it('starts with the light off and says so on matchday/relay/state', async () => {
    await stack.waitFor(() => stack.states().length > 0, 15_000, 'first state');
    expect(stack.states()[0]).toMatchObject({ on: false, driver: 'simulated', healthy: true });
    expect(stack.light()).toMatchObject({ on: false });
  });

  it('republishes its state periodically', async () => {
    const seen = stack.states().length;
    await stack.waitFor(() => stack.states().length > seen, 15_000, 'periodic state');
    expect(stack.states().at(-1)).toMatchObject({ on: false, driver: 'simulated', healthy: true });
  });

  it('switches the light on for a relay/set and reports it on relay/state', async () => {
    await stack.publish(SET, { on: true, reason: 'alert', alertId: 'kaa-gent:h3' });
    await stack.waitFor(() => stack.states().at(-1)?.on === true, 10_000, 'state on');
    expect(stack.light()).toMatchObject({ on: true });
  });

  it('changes nothing for a malformed relay/set', async () => {
    const before = stack.light()!.writes;
    const states = stack.states().length;
    await stack.publish(SET, { on: 'off', reason: 'malformed' });
    // Deliveries are ordered: once the valid set below has been applied, the malformed one was handled.
    await stack.publish(SET, { on: true, reason: 'alert', alertId: 'kaa-gent:h3' });
    await stack.publish(SET, { on: false, reason: 'marker' });
    await stack.waitFor(() => stack.states().at(-1)?.on === false, 10_000, 'state off');
    expect(stack.light()!.writes).toBe(before + 1);
    expect(
      stack
        .states()
        .slice(states)
        .map((s) => s.on),
    ).toEqual([false]);
    expect(readFileSync(stack.relayLog, 'utf8')).toMatch(
      /"event":"ipc\.message\.dropped","topic":"matchday\/relay\/set","path":"on"/,
    );
  });

  it('blinks for a relay/test, restores the planned state and answers on relay/test/result', async () => {
    await stack.publish(SET, { on: true, reason: 'alert', alertId: 'kaa-gent:h3' });
    await stack.waitFor(() => stack.light()?.on === true, 10_000, 'light on');
    const before = stack.light()!.writes;
    await stack.publish(TEST, { id: 'job-42', durationS: 2 });
    await stack.waitFor(() => stack.results().some((r) => r.id === 'job-42'), 15_000, 'test result');
    expect(stack.results().find((r) => r.id === 'job-42')).toEqual({ id: 'job-42', ok: true });
    expect(stack.light()!.writes).toBeGreaterThanOrEqual(before + 3);
    expect(stack.light()).toMatchObject({ on: true });
  });

  it('answers an invalid relay/test with INVALID_ARGS', async () => {
    await stack.publish(TEST, { id: 'job-43', durationS: 'long' });
    await stack.waitFor(() => stack.results().some((r) => r.id === 'job-43'), 10_000, 'invalid test result');
    expect(stack.results().find((r) => r.id === 'job-43')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGS', path: 'durationS' },
    });
  });

  it('turns the light off when SIGTERM stops it', async () => {
    expect(stack.light()).toMatchObject({ on: true });
    await stack.stop(true);
    stopped = true;
    expect(stack.light()).toMatchObject({ on: false });
    rmSync(stack.folder, { recursive: true, force: true });
  });
});
