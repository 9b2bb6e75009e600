/** Shared setup for the scheduler's unit tests: the recipe's default configuration and a core on fakes. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { parseSchedulerConfig, type SchedulerConfig } from '../../components/scheduler/src/config.ts';
import { createScheduler, type Scheduler } from '../../components/scheduler/src/scheduler.ts';
import type {
  Command,
  CommandResult,
  Fixture,
  FixturesSnapshot,
  RelaySet,
  StateSnapshot,
} from '../../components/shared/contracts/index.ts';
import { TOPICS } from '../../components/shared/contracts/index.ts';
import {
  FakeClock,
  FakeLifecycle,
  InMemoryBus,
  MemoryFileSystem,
  RecordingLogger,
  RecordingMetrics,
} from '../fakes/index.ts';

const RECIPE = resolve(import.meta.dirname, '..', '..', 'recipes', 'com.matchdayalert.Scheduler.yaml');

/** The recipe's DefaultConfiguration without accessControl (what the runtime hands parseConfig). */
export function recipeDefaults(): Record<string, unknown> {
  const recipe = parse(readFileSync(RECIPE, 'utf8')) as {
    ComponentConfiguration: { DefaultConfiguration: Record<string, unknown> };
  };
  const { accessControl: _ac, ...rest } = recipe.ComponentConfiguration.DefaultConfiguration;
  return structuredClone(rest);
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function merge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** The default configuration with `patch` merged in, parsed like the runtime does. */
export function configWith(patch: DeepPartial<SchedulerConfig> = {}): SchedulerConfig {
  return parseSchedulerConfig(merge(recipeDefaults(), patch as Record<string, unknown>));
}

export const WORK = '/work/scheduler';
export const DB = `${WORK}/scheduler.db`;

export interface HarnessOptions {
  now?: string | number;
  config?: DeepPartial<SchedulerConfig>;
  fs?: MemoryFileSystem;
  /** Default true: an operator override makes the clock trusted. */
  trusted?: boolean;
}

/** A scheduler on fakes, with helpers to talk to it. */
export class Harness {
  readonly clock: FakeClock;
  readonly fs: MemoryFileSystem;
  readonly bus = new InMemoryBus();
  readonly peer = this.bus.endpoint('peer');
  readonly logger = new RecordingLogger();
  readonly metrics = new RecordingMetrics();
  readonly lifecycle = new FakeLifecycle();
  readonly config: SchedulerConfig;
  scheduler: Scheduler;

  constructor(options: HarnessOptions = {}) {
    this.clock = new FakeClock(options.now ?? '2026-09-01T08:00:00Z');
    this.fs = options.fs ?? new MemoryFileSystem();
    const trusted = options.trusted ?? true;
    this.config = configWith({
      ...options.config,
      clockTrust: { override: trusted ? 'trusted' : 'none', ...options.config?.clockTrust },
    });
    this.scheduler = this.create();
  }

  private create(): Scheduler {
    return createScheduler({
      config: this.config,
      pubsub: this.bus.endpoint('scheduler'),
      iotCore: undefined as never,
      shadows: undefined as never,
      lifecycle: this.lifecycle,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
      fs: this.fs,
      workDir: WORK,
      thingName: 'test-thing',
    });
  }

  async start(): Promise<this> {
    await this.scheduler.start();
    await this.settle();
    return this;
  }

  /**
   * Stops the core and starts a new one on the same file system and clock (a restart), the wall clock
   * moved by `offMs` while it was down.
   */
  async restart(offMs = 0): Promise<void> {
    await this.scheduler.stop();
    this.clock.jumpWall(offMs);
    this.scheduler = this.create();
    await this.start();
  }

  async settle(): Promise<void> {
    await this.bus.settle();
    await this.scheduler.flush().catch(() => undefined);
    await this.bus.settle();
  }

  async send(command: Command | Record<string, unknown>): Promise<CommandResult | undefined> {
    await this.peer.publishRaw(TOPICS.commands.name, { json: command });
    await this.settle();
    const id = (command as { id?: unknown }).id;
    return this.results()
      .filter((r) => r.id === id)
      .at(-1);
  }

  async fixtures(snapshot: FixturesSnapshot): Promise<void> {
    await this.peer.publishRaw(TOPICS.fixtures.name, { json: snapshot });
    await this.settle();
  }

  async advance(ms: number): Promise<void> {
    await this.clock.advance(ms);
    await this.settle();
  }

  async advanceTo(instant: string): Promise<void> {
    await this.clock.advanceTo(instant);
    await this.settle();
  }

  results(): CommandResult[] {
    return this.bus.messages<CommandResult>(TOPICS.commandResults.name);
  }

  relaySets(): RelaySet[] {
    return this.bus.messages<RelaySet>(TOPICS.relaySet.name);
  }

  /** The light as last published. */
  light(): boolean | undefined {
    return this.relaySets().at(-1)?.on;
  }

  states(): StateSnapshot[] {
    return this.bus.messages<StateSnapshot>(TOPICS.state.name);
  }
}

let seq = 0;

/** A home game fixture. */
export function fixture(partial: Partial<Fixture> & { key: string; kickoff?: string }): Fixture {
  const kickoffDate = partial.kickoffDate ?? (partial.kickoff ?? '2026-09-12T18:00:00Z').slice(0, 10);
  return {
    competition: 'jpl',
    home: 'KAA Gent',
    away: 'Club Brugge',
    kickoffDate,
    kickoffConfirmed: true,
    status: 'scheduled',
    source: 'club-site',
    ...partial,
  };
}

/** An ok, non-replayed snapshot of `fixtures`. */
export function snapshot(fixtures: Fixture[], patch: Partial<FixturesSnapshot> = {}): FixturesSnapshot {
  seq += 1;
  return {
    snapshotId: `snap-${seq}`,
    takenAt: '2026-09-01T08:00:00.000Z',
    ok: true,
    replayed: false,
    sources: [{ id: 'club-site', ok: true, consecutiveFailures: 0 }],
    fixtures,
    ...patch,
  };
}

export function command(
  type: string,
  args: Record<string, unknown>,
  id = `cmd-${++seq}`,
): Record<string, unknown> {
  return { id, type, args, origin: { via: 'local', ref: 'test' } };
}

/** A game key in the 2026-27 season. */
export const key = (away: string, n = 1) => `2026-27:jpl:kaa-gent:${away}#${n}`;
