/**
 * Test support for ShadowSync's core: the recipe's default configuration, a scheduler stand-in that
 * answers `matchday/commands` (idempotent by id, NOT_FOUND for unknown alerts), state snapshots, and a
 * harness wiring the core to the in-memory fakes.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseShadowSyncConfig, type ShadowSyncConfig } from '../../components/shadow-sync/src/config.ts';
import { createShadowSync } from '../../components/shadow-sync/src/shadow-sync.ts';
import {
  COMPONENTS,
  Command,
  type CommandResult,
  isInvalidRequest,
  type StateSnapshot,
  TOPICS,
  type UpcomingEvent,
} from '../../components/shared/contracts/index.ts';
import type { IotCoreMqtt } from '../../components/shared/ports/index.ts';
import type { ComponentInstance } from '../../components/shared/runtime/component.ts';
import {
  FakeClock,
  FakeLifecycle,
  InMemoryBus,
  MemoryFileSystem,
  RecordingLogger,
  RecordingMetrics,
} from '../fakes/index.ts';
import { FakeShadowStore } from './fake-shadow-store.ts';

export const THING = 'pi-office';
export const SHADOW = 'matchday';
export const GAME = '2026-27:jpl:kaa-gent:club-brugge#1';
export const ALERT = `${GAME}:final`;

/** The recipe's DefaultConfiguration without accessControl, merged with `overrides`. */
export function defaultConfig(overrides: Partial<ShadowSyncConfig> = {}): ShadowSyncConfig {
  const recipe = parse(
    readFileSync(new URL('../../recipes/com.matchdayalert.ShadowSync.yaml', import.meta.url), 'utf8'),
  ) as { ComponentConfiguration: { DefaultConfiguration: Record<string, unknown> } };
  const { accessControl: _ignored, ...defaults } = recipe.ComponentConfiguration.DefaultConfiguration;
  return parseShadowSyncConfig({ ...defaults, ...overrides });
}

/** The scheduler's side of `matchday/commands`: answers each command once per id. */
export class FakeScheduler {
  readonly alerts = new Set<string>([ALERT]);
  /** Commands that took effect (a repeated id has no second effect). */
  readonly applied: Command[] = [];
  readonly received: unknown[] = [];
  readonly results = new Map<string, CommandResult>();
  /** When false, commands get no answer. */
  answering = true;
  /** What a `matchday/state/request` is answered with. */
  state: StateSnapshot | undefined = stateSnapshot('2026-09-01T10:00:00.000Z');

  constructor(private readonly bus: InMemoryBus) {}

  async start(): Promise<void> {
    const endpoint = this.bus.endpoint(COMPONENTS.scheduler);
    await endpoint.subscribe(TOPICS.stateRequest, async () => {
      if (this.state) await endpoint.publish(TOPICS.state, this.state);
    });
    await endpoint.subscribe(TOPICS.commands, async (command) => {
      this.received.push(command);
      if (!this.answering) return;
      if (isInvalidRequest(command)) {
        await endpoint.publish(TOPICS.commandResults, { id: command.id, ok: false, error: command.error });
        return;
      }
      const known = this.results.get(command.id);
      if (known) {
        await endpoint.publish(TOPICS.commandResults, known);
        return;
      }
      const result = this.execute(command);
      this.results.set(command.id, result);
      await endpoint.publish(TOPICS.commandResults, result);
    });
  }

  private execute(command: Command): CommandResult {
    const alertId = (command.args as { alertId?: string }).alertId;
    if (alertId !== undefined && !this.alerts.has(alertId)) {
      return {
        id: command.id,
        ok: false,
        error: { code: 'NOT_FOUND', message: `unknown alert \`${alertId}\`` },
      };
    }
    this.applied.push(Command.parse(command));
    return { id: command.id, ok: true };
  }
}

/** An upcoming game with one alert. */
export function upcomingGame(id: string, start: string, title = 'KAA Gent - Club Brugge'): UpcomingEvent {
  const startMs = Date.parse(start);
  return {
    id,
    kind: 'game',
    title,
    start,
    status: 'scheduled',
    kickoffConfirmed: true,
    origin: { via: 'scraper', ref: 'club-site' },
    alerts: [
      {
        id: `${id}:final`,
        eventId: id,
        windowId: 'final',
        start: new Date(startMs - 4 * 3_600_000).toISOString(),
        end: new Date(startMs - 3 * 3_600_000).toISOString(),
        state: 'scheduled',
      },
    ],
  };
}

export function stateSnapshot(
  at: string,
  upcoming: UpcomingEvent[] = [upcomingGame(GAME, '2026-09-12T18:00:00.000Z')],
): StateSnapshot {
  return {
    at,
    clock: { trusted: true, source: 'timesyncd' },
    light: { on: false, since: at, driver: 'simulated', healthy: true, planned: false },
    upcoming,
    lastFixtures: { snapshotId: 'snap-1', takenAt: at, ok: true },
    counts: {
      events: upcoming.length,
      upcomingEvents: upcoming.length,
      activeAlerts: 0,
      unconfirmedKickoffs: 0,
    },
  };
}

const noIotCore: IotCoreMqtt = {
  publish: async () => {
    throw new Error('ShadowSync must not use IoT Core');
  },
  subscribe: async () => {
    throw new Error('ShadowSync must not use IoT Core');
  },
};

export interface Harness {
  clock: FakeClock;
  bus: InMemoryBus;
  store: FakeShadowStore;
  fs: MemoryFileSystem;
  scheduler: FakeScheduler;
  logger: RecordingLogger;
  metrics: RecordingMetrics;
  config: ShadowSyncConfig;
  /** Creates and starts a ShadowSync on the shared fakes (a restart when one ran before). */
  startSync(): Promise<ComponentInstance>;
  /** Lets every queued delivery, timer-free step and command round trip finish. */
  settle(): Promise<void>;
  desired(): Record<string, unknown> | undefined;
  reported(): Record<string, unknown> | undefined;
  /** Publishes a state snapshot as the scheduler does. */
  publishState(state: StateSnapshot): Promise<void>;
}

export async function createHarness(
  overrides: Partial<ShadowSyncConfig> = {},
  start = '2026-09-01T10:00:00Z',
  shadowManagerLimitBytes?: number,
): Promise<Harness> {
  const clock = new FakeClock(start);
  const bus = new InMemoryBus();
  const config = defaultConfig(overrides);
  const store = new FakeShadowStore(clock, bus, shadowManagerLimitBytes ?? config.documentLimitBytes);
  const fs = new MemoryFileSystem();
  const scheduler = new FakeScheduler(bus);
  await scheduler.start();
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      await bus.settle();
      await clock.advance(0);
    }
  };
  return {
    clock,
    bus,
    store,
    fs,
    scheduler,
    logger,
    metrics,
    config,
    settle,
    async startSync() {
      const instance = createShadowSync({
        config,
        pubsub: bus.endpoint(COMPONENTS.shadowSync),
        iotCore: noIotCore,
        shadows: store,
        lifecycle: new FakeLifecycle(),
        clock,
        logger,
        metrics,
        fs,
        workDir: '/greengrass/work/com.matchdayalert.ShadowSync',
        thingName: THING,
      });
      await instance.start();
      await settle();
      return instance;
    },
    desired: () => store.document(THING, SHADOW)?.state.desired,
    reported: () => store.document(THING, SHADOW)?.state.reported,
    async publishState(state) {
      await bus.endpoint(COMPONENTS.scheduler).publish(TOPICS.state, state);
      await settle();
    },
  };
}
