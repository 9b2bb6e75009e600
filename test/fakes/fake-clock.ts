/**
 * A clock whose wall time and timers move only when the test says so. `jumpWall` moves the wall clock
 * without moving monotonic time or firing timers, like an NTP step.
 */
import type { Clock, Timer } from '../../components/shared/ports/index.ts';

interface Pending {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private wall: number;
  private mono = 0;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start: string | number = '2026-01-01T00:00:00Z') {
    this.wall = typeof start === 'number' ? start : Date.parse(start);
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const entry: Pending = { due: this.mono + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.pending.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }

  /** Advances wall and monotonic time by `ms`, firing due timers in order; awaits microtasks between. */
  async advance(ms: number): Promise<void> {
    const target = this.mono + ms;
    for (;;) {
      const next = this.pending
        .filter((p) => !p.cancelled && p.due <= target)
        .sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.wall += next.due - this.mono;
      this.mono = next.due;
      next.cancelled = true;
      next.fn();
      await flushMicrotasks();
    }
    this.wall += target - this.mono;
    this.mono = target;
    this.pending = this.pending.filter((p) => !p.cancelled);
    await flushMicrotasks();
  }

  /** Advances to a wall instant (ISO string or epoch ms). */
  async advanceTo(instant: string | number): Promise<void> {
    const at = typeof instant === 'number' ? instant : Date.parse(instant);
    await this.advance(Math.max(0, at - this.wall));
  }

  /** Steps the wall clock by `ms` (may be negative) without firing timers. */
  jumpWall(ms: number): void {
    this.wall += ms;
  }
}

export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}
