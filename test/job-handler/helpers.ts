/** Builds a JobHandler core over fakes, with a simulated scheduler, scraper and relay on one bus. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type JobHandlerConfig, parseJobHandlerConfig } from '../../components/job-handler/src/config.ts';
import { createJobHandler } from '../../components/job-handler/src/job-handler.ts';
import { type Command, type CommandResult, TOPICS } from '../../components/shared/contracts/index.ts';
import type { ShadowStore } from '../../components/shared/ports/index.ts';
import type { ComponentContext, ComponentInstance } from '../../components/shared/runtime/component.ts';
import {
  FakeClock,
  FakeLifecycle,
  flushMicrotasks,
  InMemoryBus,
  MemoryFileSystem,
  RecordingLogger,
  RecordingMetrics,
} from '../fakes/index.ts';
import { FakeIotJobs } from './fake-iot-jobs.ts';

const RECIPE = join(import.meta.dirname, '..', '..', 'recipes', 'com.matchdayalert.JobHandler.yaml');

/** The recipe's DefaultConfiguration without accessControl (what the runtime hands to parseConfig). */
export function recipeDefaults(): Record<string, unknown> {
  const recipe = parseYaml(readFileSync(RECIPE, 'utf8')) as {
    ComponentConfiguration: { DefaultConfiguration: Record<string, unknown> };
  };
  const { accessControl: _, ...config } = recipe.ComponentConfiguration.DefaultConfiguration;
  return config;
}

export function jobHandlerConfig(overrides: Partial<JobHandlerConfig> = {}): JobHandlerConfig {
  return parseJobHandlerConfig({ ...recipeDefaults(), ...overrides });
}

/** How the simulated receivers answer a request: a result, or nothing at all. */
export type Answer = (id: string) => CommandResult | undefined;
const ok: Answer = (id) => ({ id, ok: true });

export async function setup(overrides: Partial<JobHandlerConfig> = {}) {
  const clock = new FakeClock('2026-09-12T12:00:00.000Z');
  const bus = new InMemoryBus();
  const cloud = new FakeIotJobs(clock);
  const fs = new MemoryFileSystem();
  const answers = { commands: ok, scraper: ok, relay: ok };
  const received = {
    commands: [] as Command[],
    scraper: [] as string[],
    relay: [] as { id: string; durationS: number }[],
  };

  const scheduler = bus.endpoint('scheduler');
  await scheduler.subscribe(TOPICS.commands, async (m) => {
    if ('invalid' in m) return;
    received.commands.push(m);
    const r = answers.commands(m.id);
    if (r) await scheduler.publish(TOPICS.commandResults, r);
  });
  const scraper = bus.endpoint('scraper');
  await scraper.subscribe(TOPICS.scraperRun, async (m) => {
    if ('invalid' in m) return;
    received.scraper.push(m.id);
    const r = answers.scraper(m.id);
    if (r) await scraper.publish(TOPICS.scraperRunResult, r);
  });
  const relay = bus.endpoint('gpioRelay');
  await relay.subscribe(TOPICS.relayTest, async (m) => {
    if ('invalid' in m) return;
    received.relay.push(m);
    const r = answers.relay(m.id);
    if (r) await relay.publish(TOPICS.relayTestResult, r);
  });

  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  const config = jobHandlerConfig(overrides);
  const makeContext = (): ComponentContext<JobHandlerConfig> => ({
    config,
    pubsub: bus.endpoint('jobHandler'),
    iotCore: cloud.port,
    shadows: {} as ShadowStore,
    lifecycle: new FakeLifecycle(),
    clock,
    logger,
    metrics,
    fs,
    workDir: '/work/job-handler',
    thingName: 'office-a',
  });

  let handler: ComponentInstance = createJobHandler(makeContext());
  /** Lets asynchronous deliveries (fake MQTT, bus, journal writes) run to completion. */
  const settle = async () => {
    for (let i = 0; i < 8; i++) {
      await bus.settle();
      await flushMicrotasks();
    }
  };
  return {
    clock,
    bus,
    cloud,
    fs,
    logger,
    metrics,
    answers,
    received,
    settle,
    get handler() {
      return handler;
    },
    /** Starts the current handler and lets it drain the queue. */
    start: async () => {
      await handler.start();
      await settle();
    },
    /** Stops the current handler and starts a new one on the same work folder (a component restart). */
    restart: async () => {
      await handler.stop();
      handler = createJobHandler(makeContext());
      await handler.start();
      await settle();
    },
  };
}
