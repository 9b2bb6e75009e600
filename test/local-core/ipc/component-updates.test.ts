import { describe, expect, it } from 'vitest';
import { createComponentUpdateHub } from '../../../local-core/src/ipc/component-updates.ts';
import type { ComponentUpdateEvent } from '../../../local-core/src/nucleus/services.ts';

/** Timers that only run when told to, recording every delay asked for. */
function manualTimers() {
  const pending: Array<{ fn: () => void; ms: number }> = [];
  const requested: number[] = [];
  const timers = {
    setTimeout: ((fn: () => void, ms: number) => {
      requested.push(ms);
      const entry = { fn, ms };
      pending.push(entry);
      return entry;
    }) as unknown as typeof setTimeout,
    clearTimeout: ((entry: { fn: () => void; ms: number }) => {
      const index = pending.indexOf(entry);
      if (index >= 0) pending.splice(index, 1);
    }) as unknown as typeof clearTimeout,
  };
  return { timers, pending, requested };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('component update hub (NOTIFY_COMPONENTS)', () => {
  it('waits out a deferral longer than 2^31−1 ms instead of asking again at once', async () => {
    const { timers, pending, requested } = manualTimers();
    const hub = createComponentUpdateHub(() => undefined, timers);
    const events: ComponentUpdateEvent[] = [];
    const longDeferral = 3_000_000_000;
    hub.subscribe('Busy', (event) => {
      events.push(event);
      const answer = events.length === 1 ? longDeferral : 0;
      queueMicrotask(() => hub.defer('Busy', 'deploy-1', 'busy', answer));
    });
    const done = hub.notifyPreUpdate('deploy-1', 60_000);
    let waited = 0;
    // Run the recheck timers (never the 60 s answer timeout) until the component is asked again.
    while (events.length < 2) {
      await settle();
      const recheck = pending.find((entry) => entry.ms !== 60_000);
      if (!recheck) continue;
      pending.splice(pending.indexOf(recheck), 1);
      waited += recheck.ms;
      recheck.fn();
    }
    await expect(done).resolves.toEqual({ deferrals: ['busy'] });
    expect({
      waited,
      longestTimer: Math.max(...requested),
    }).toEqual({ waited: longDeferral, longestTimer: 2_147_483_647 });
  });
});
