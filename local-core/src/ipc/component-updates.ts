/**
 * NOTIFY_COMPONENTS as the nucleus runs it (LifecycleIPCEventStreamAgent + UpdateSystemPolicyService):
 * preUpdateEvent to every SubscribeToComponentUpdates stream, one pending answer per (component,
 * deployment), wait for all answers or the timeout, and when someone deferred wait the longest
 * recheckAfterMs and ask again. Owns the subscriber streams and pending answers; never restarts anything.
 */

import { MAX_TIMER_MS } from '../../../components/shared/runtime/system-clock.ts';
import type { ComponentUpdateEvent, ComponentUpdateHub } from '../nucleus/services.ts';
import { invalidArgumentsError, serviceError } from './errors.ts';

type Emit = (event: ComponentUpdateEvent) => void;

interface DeferAnswer {
  message: string | undefined;
  recheckAfterMs: number;
}

interface Pending {
  resolve(answer: DeferAnswer | undefined): void;
}

export interface IpcComponentUpdateHub extends ComponentUpdateHub {
  /** SubscribeToComponentUpdates: returns the unsubscribe. */
  subscribe(component: string, emit: Emit): () => void;
  /** DeferComponentUpdate from `component`. */
  defer(component: string, deploymentId: unknown, message: unknown, recheckAfterMs: unknown): void;
}

export function createComponentUpdateHub(
  log: (event: string, fields?: Record<string, unknown>) => void,
  timers: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout } = { setTimeout, clearTimeout },
): IpcComponentUpdateHub {
  const listeners = new Map<string, Set<Emit>>();
  let pending = new Map<string, Pending>();
  const keyOf = (component: string, deploymentId: string) => `${component}\u0000${deploymentId}`;

  function discardPending() {
    for (const entry of pending.values()) entry.resolve(undefined);
    pending = new Map();
  }

  /** One round: send preUpdateEvent, wait for answers (or timeout); the longest deferral, 0 for none. */
  async function askOnce(deploymentId: string, timeoutMs: number, deferrals: string[]): Promise<number> {
    discardPending();
    const answers: Array<Promise<DeferAnswer | undefined>> = [];
    for (const [component, emits] of listeners) {
      for (const emit of emits) {
        answers.push(
          new Promise<DeferAnswer | undefined>((resolve) => {
            pending.set(keyOf(component, deploymentId), { resolve });
          }),
        );
        log('ipc.component-update.pre-update-sent', { component, deploymentId });
        emit({ preUpdateEvent: { deploymentId, isGgcRestarting: false } });
      }
    }
    if (answers.length === 0) return 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = timers.setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const settled = await Promise.race([Promise.all(answers), timeout]);
    if (timer !== undefined) timers.clearTimeout(timer);
    if (settled === 'timeout') {
      log('ipc.component-update.answers-timed-out', { deploymentId, timeoutMs });
      // Answers that did arrive still count; the rest are given up on.
      const arrived = await Promise.all(
        answers.map((answer) => Promise.race([answer, Promise.resolve(undefined)])),
      );
      discardPending();
      return longestDeferral(arrived, deferrals);
    }
    return longestDeferral(settled, deferrals);
  }

  function longestDeferral(answers: ReadonlyArray<DeferAnswer | undefined>, deferrals: string[]): number {
    let longest = 0;
    for (const answer of answers) {
      if (!answer || answer.recheckAfterMs <= 0) continue;
      longest = Math.max(longest, answer.recheckAfterMs);
      if (answer.message !== undefined) deferrals.push(answer.message);
    }
    return longest;
  }

  return {
    subscribe(component, emit) {
      let set = listeners.get(component);
      if (!set) {
        set = new Set();
        listeners.set(component, set);
      }
      set.add(emit);
      return () => {
        const current = listeners.get(component);
        current?.delete(emit);
        if (current?.size === 0) listeners.delete(component);
      };
    },

    defer(component, deploymentId, message, recheckAfterMs) {
      if (!listeners.has(component)) {
        throw invalidArgumentsError('Component is not subscribed to component update events');
      }
      if (typeof deploymentId !== 'string') {
        throw invalidArgumentsError('Cannot defer the update, the deployment ID provided was null');
      }
      const key = keyOf(component, deploymentId);
      const entry = pending.get(key);
      if (!entry) throw serviceError('Time limit to respond to PreComponentUpdateEvent exceeded');
      pending.delete(key);
      const delay =
        typeof recheckAfterMs === 'number' && Number.isFinite(recheckAfterMs) ? recheckAfterMs : 0;
      log('ipc.component-update.answered', { component, deploymentId, recheckAfterMs: delay });
      entry.resolve({ message: typeof message === 'string' ? message : undefined, recheckAfterMs: delay });
    },

    async notifyPreUpdate(deploymentId, timeoutMs) {
      const deferrals: string[] = [];
      for (;;) {
        const wait = await askOnce(deploymentId, timeoutMs, deferrals);
        if (wait <= 0) return { deferrals };
        log('ipc.component-update.deferred', { deploymentId, recheckAfterMs: wait });
        // Node fires a timeout above 2^31−1 ms at once: wait a long deferral out in pieces.
        for (let left = wait; left > 0; left -= MAX_TIMER_MS) {
          await new Promise((resolve) => timers.setTimeout(resolve, Math.min(left, MAX_TIMER_MS)));
        }
      }
    },

    notifyPostUpdate(deploymentId) {
      for (const [component, emits] of listeners) {
        for (const emit of emits) {
          log('ipc.component-update.post-update-sent', { component, deploymentId });
          emit({ postUpdateEvent: { deploymentId } });
        }
      }
    },
  };
}
