/** The Clock port on the real wall clock and Node timers. */
import type { Clock, Timer } from '../ports/index.ts';

/** Node's setTimeout fires at once for delays above 2^31−1 ms (24.8 days); never ask for more. */
export const MAX_TIMER_MS = 2_147_483_647;

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  setTimer(ms: number, fn: () => void): Timer {
    const handle = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    return { cancel: () => clearTimeout(handle) };
  }
}
