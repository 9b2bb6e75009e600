/** ComponentConfig in memory: `set` replaces the configuration and notifies subscribers. */
import type { Closable, ComponentConfig } from '../../components/shared/ports/index.ts';

export class FakeComponentConfig implements ComponentConfig {
  private readonly handlers = new Set<(keyPath: readonly string[]) => void | Promise<void>>();
  constructor(private value: unknown = {}) {}

  async get(): Promise<unknown> {
    return structuredClone(this.value);
  }

  async onChange(handler: (keyPath: readonly string[]) => void | Promise<void>): Promise<Closable> {
    this.handlers.add(handler);
    return { close: async () => void this.handlers.delete(handler) };
  }

  async set(value: unknown, keyPath: readonly string[] = []): Promise<void> {
    this.value = value;
    for (const handler of this.handlers) await handler(keyPath);
  }
}
