/** Lifecycle in memory: records reported states and deferrals; the test fires update events. */
import type { Closable, Lifecycle, UpdateEvent } from '../../components/shared/ports/index.ts';

export class FakeLifecycle implements Lifecycle {
  readonly states: ('RUNNING' | 'ERRORED')[] = [];
  readonly deferrals: { deploymentId: string; recheckAfterMs: number; message: string | undefined }[] = [];
  private readonly handlers = new Set<(event: UpdateEvent) => void | Promise<void>>();

  async reportState(state: 'RUNNING' | 'ERRORED'): Promise<void> {
    this.states.push(state);
  }

  async onUpdate(handler: (event: UpdateEvent) => void | Promise<void>): Promise<Closable> {
    this.handlers.add(handler);
    return { close: async () => void this.handlers.delete(handler) };
  }

  async deferUpdate(deploymentId: string, recheckAfterMs: number, message?: string): Promise<void> {
    this.deferrals.push({ deploymentId, recheckAfterMs, message });
  }

  /** Delivers an update event to every handler. */
  async fire(event: UpdateEvent): Promise<void> {
    for (const handler of this.handlers) await handler(event);
  }
}
