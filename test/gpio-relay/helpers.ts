/** Shared by the gpio-relay tests: the recipe's DefaultConfiguration and a recording RelayDriver. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { type GpioRelayConfig, parseGpioRelayConfig } from '../../components/gpio-relay/src/config.ts';
import type { RelayDriver } from '../../components/gpio-relay/src/relay-driver.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'gpio-relay');

/** The recipe's DefaultConfiguration without accessControl (what the runtime hands parseConfig). */
export function recipeDefaults(): Record<string, unknown> {
  const recipe = parse(readFileSync(join(ROOT, 'recipes', 'com.matchdayalert.GpioRelay.yaml'), 'utf8')) as {
    ComponentConfiguration: { DefaultConfiguration: Record<string, unknown> };
  };
  const { accessControl: _, ...config } = recipe.ComponentConfiguration.DefaultConfiguration;
  return config;
}

/** The default configuration with overrides, parsed as the component would. */
export function relayConfig(overrides: Partial<GpioRelayConfig> = {}): GpioRelayConfig {
  return parseGpioRelayConfig({ ...recipeDefaults(), ...overrides });
}

/** A driver that records every write (with the monotonic time it happened) and can be told to fail. */
export class RecordingDriver implements RelayDriver {
  readonly name = 'simulated' as const;
  readonly line = 'recording driver';
  readonly writes: { on: boolean; at: number }[] = [];
  on = false;
  closed = false;
  /** While set, every write rejects with it. */
  failWith: Error | undefined;
  /** While set, every write waits for it first (a slow driver). */
  slow: (() => Promise<void>) | undefined;
  /** Writes started, including those that found the line already at the level. */
  calls = 0;
  private faultHandlers: ((error: Error) => void)[] = [];

  constructor(private readonly now: () => number = () => 0) {}

  async write(on: boolean): Promise<void> {
    this.calls += 1;
    if (this.slow) await this.slow();
    if (this.failWith) throw this.failWith;
    if (this.on !== on) this.writes.push({ on, at: this.now() });
    this.on = on;
  }

  onFault(handler: (error: Error) => void): void {
    this.faultHandlers.push(handler);
  }

  /** Simulates the driver losing the line by itself. */
  fault(error: Error): void {
    for (const handler of this.faultHandlers) handler(error);
  }

  async close(): Promise<void> {
    this.on = false;
    this.closed = true;
  }
}
