import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../components/shared/contracts/index.ts';
import { ConfigError, GreengrassError, StoreError } from '../../../components/shared/errors.ts';
import type { Closable } from '../../../components/shared/ports/index.ts';
import type {
  ComponentContext,
  ComponentDefinition,
  ComponentInstance,
} from '../../../components/shared/runtime/component.ts';
import {
  type RuntimeIpc,
  runComponentWith,
  type StopSignal,
  stripAccessControl,
} from '../../../components/shared/runtime/run-component.ts';
import {
  FakeClock,
  FakeComponentConfig,
  FakeLifecycle,
  flushMicrotasks,
  InMemoryBus,
  MemoryFileSystem,
  RecordingLogger,
} from '../../fakes/index.ts';

interface DemoConfig {
  readonly leaseS: number;
}

const accessControl = {
  'aws.greengrass.ipc.pubsub': { 'x:pubsub:1': { operations: ['*'], resources: ['*'] } },
};

function parseDemoConfig(raw: unknown): DemoConfig {
  if (Array.isArray(raw)) throw new TypeError('expected an object, got an array');
  const value = (raw as { leaseS?: unknown }).leaseS;
  if (typeof value !== 'number' || value <= 0) {
    throw new ConfigError('leaseS', `expected a positive number of seconds, got \`${String(value)}\``);
  }
  if (Object.keys(raw as object).some((k) => k !== 'leaseS')) {
    throw new ConfigError(Object.keys(raw as object).find((k) => k !== 'leaseS')!, 'unknown key');
  }
  return Object.freeze({ leaseS: value });
}

class FakeSignals {
  private signalHandler: ((signal: StopSignal) => void) | undefined;
  private fatalHandler: ((error: unknown) => void) | undefined;
  onSignal(handler: (signal: StopSignal) => void): void {
    this.signalHandler = handler;
  }
  onFatal(handler: (error: unknown) => void): void {
    this.fatalHandler = handler;
  }
  send(signal: StopSignal): void {
    this.signalHandler?.(signal);
  }
  crash(error: unknown): void {
    this.fatalHandler?.(error);
  }
}

interface Harness {
  clock: FakeClock;
  logger: RecordingLogger;
  bus: InMemoryBus;
  config: FakeComponentConfig;
  lifecycle: FakeLifecycle;
  signals: FakeSignals;
  exits: number[];
  ipcEvents: string[];
  created: DemoConfig[];
  instances: DemoInstance[];
  contexts: ComponentContext<DemoConfig>[];
  run(): ReturnType<typeof runComponentWith<DemoConfig>>;
}

interface DemoInstance extends ComponentInstance {
  config: DemoConfig;
  events: string[];
}

function harness(
  options: {
    raw?: unknown;
    inPlace?: boolean;
    connectError?: Error;
    connectGate?: Promise<void>;
    stop?: () => Promise<void>;
    start?: () => Promise<void>;
  } = {},
): Harness {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const logger = new RecordingLogger();
  const bus = new InMemoryBus();
  const config = new FakeComponentConfig(options.raw ?? { leaseS: 90, accessControl });
  const lifecycle = new FakeLifecycle();
  const signals = new FakeSignals();
  const exits: number[] = [];
  const ipcEvents: string[] = [];
  const created: DemoConfig[] = [];
  const instances: DemoInstance[] = [];
  const contexts: ComponentContext<DemoConfig>[] = [];
  const unused = () => Promise.reject(new Error('not used in this test'));
  const ipc: RuntimeIpc = {
    pubsub: bus.endpoint('com.matchdayalert.Demo'),
    iotCore: { publish: unused, subscribe: unused },
    shadows: { get: unused, update: unused, delete: unused },
    lifecycle,
    config: {
      get: () => config.get(),
      onChange: async (handler): Promise<Closable> => {
        ipcEvents.push('onChange');
        return config.onChange(handler);
      },
    },
    connect: async () => {
      ipcEvents.push('connect');
      await options.connectGate;
      if (options.connectError) throw options.connectError;
    },
    close: async () => void ipcEvents.push('close'),
  };
  const definition: ComponentDefinition<DemoConfig> = {
    name: 'com.matchdayalert.Demo',
    parseConfig: parseDemoConfig,
    create(context) {
      contexts.push(context);
      created.push(context.config);
      const instance: DemoInstance = {
        config: context.config,
        events: [],
        start: async () => {
          instance.events.push('start');
          await options.start?.();
        },
        stop: async () => {
          instance.events.push('stop');
          await options.stop?.();
        },
        ...(options.inPlace
          ? {
              reconfigure: async (next: unknown) => {
                instance.events.push(`reconfigure ${JSON.stringify(next)}`);
              },
            }
          : {}),
      };
      instances.push(instance);
      return instance;
    },
  };
  return {
    clock,
    logger,
    bus,
    config,
    lifecycle,
    signals,
    exits,
    ipcEvents,
    created,
    instances,
    contexts,
    run: () =>
      runComponentWith(definition, {
        ipc,
        clock,
        logger,
        fs: new MemoryFileSystem(),
        thingName: 'office-pi',
        workDir: '/greengrass/v2/work/com.matchdayalert.Demo',
        exit: (code) => void exits.push(code),
        signals,
      }),
  };
}

describe('runComponentWith start-up', () => {
  it('parses the configuration without accessControl, starts the core and reports RUNNING', async () => {
    const h = harness();
    await h.run();
    expect(h.created).toEqual([{ leaseS: 90 }]);
    expect(h.instances[0]!.events).toEqual(['start']);
    expect(h.lifecycle.states).toEqual(['RUNNING']);
    expect(h.logger.events()).toContain('component.started');
    expect(h.exits).toEqual([]);
  });

  it('gives the core its thing name, work folder, logger and ports', async () => {
    const h = harness();
    await h.run();
    const ctx = h.contexts[0]!;
    expect(ctx.thingName).toBe('office-pi');
    expect(ctx.workDir).toBe('/greengrass/v2/work/com.matchdayalert.Demo');
    expect(ctx.logger).toBe(h.logger);
    expect(ctx.lifecycle).toBe(h.lifecycle);
    expect(ctx.clock).toBe(h.clock);
  });

  it('subscribes to configuration changes before reading the configuration', async () => {
    const h = harness();
    await h.run();
    expect(h.ipcEvents).toEqual(['connect', 'onChange']);
  });

  it('sends the first heartbeat through the metrics publisher it builds', async () => {
    const h = harness();
    await h.run();
    await flushMicrotasks();
    const names = h.bus.messages<{ request: { metricData: { metricName: string } } }>(TOPICS.metrics.name);
    expect(names.map((m) => m.request.metricData.metricName)).toEqual(['Heartbeat']);
  });

  it('reports ERRORED and exits 78 naming the field when the configuration is invalid', async () => {
    const h = harness({ raw: { leaseS: 'soon' } });
    const running = await h.run();
    expect(await running.exited).toBe(78);
    expect(h.exits).toEqual([78]);
    expect(h.lifecycle.states).toEqual(['ERRORED']);
    expect(h.created).toEqual([]);
    const entry = h.logger.entries.find((e) => e.event === 'component.config.invalid');
    expect(entry?.fields).toMatchObject({ field: 'leaseS' });
    expect(h.ipcEvents).toContain('close');
  });

  it('treats a parser that throws something other than a ConfigError as an invalid configuration', async () => {
    const h = harness({ raw: [] });
    const running = await h.run();
    expect(await running.exited).toBe(78);
    expect(h.logger.entries.find((e) => e.event === 'component.config.invalid')?.fields).toMatchObject({
      field: '(root)',
    });
  });

  it('exits with the error family code when IPC cannot connect', async () => {
    const h = harness({ connectError: new GreengrassError('Disconnected', 'socket missing') });
    const running = await h.run();
    expect(await running.exited).toBe(1);
    expect(h.logger.events()).toContain('component.fatal');
  });

  it('reports ERRORED, stops the core and exits by error type when start fails', async () => {
    const h = harness({ start: () => Promise.reject(new StoreError('store unreadable')) });
    const running = await h.run();
    expect(await running.exited).toBe(1);
    expect(h.lifecycle.states).toEqual(['ERRORED']);
    expect(h.instances[0]!.events).toEqual(['start', 'stop']);
    expect(h.logger.events()).toContain('component.start.failed');
  });

  it('exits with the code of an uncaught error after reporting ERRORED and stopping the core', async () => {
    const h = harness();
    const running = await h.run();
    h.signals.crash(new ConfigError('pin', 'GPIO pin vanished'));
    expect(await running.exited).toBe(78);
    expect(h.lifecycle.states).toEqual(['RUNNING', 'ERRORED']);
    expect(h.instances[0]!.events).toEqual(['start', 'stop']);
  });
});

describe('runComponentWith shutdown', () => {
  it('stops the core, flushes metrics, closes IPC and exits 0 on SIGTERM', async () => {
    const h = harness();
    const running = await h.run();
    h.contexts[0]!.metrics.count('RelaySwitches', 2);
    h.signals.send('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(h.instances[0]!.events).toEqual(['start', 'stop']);
    const sent = h.bus.messages<{ request: { metricData: { metricName: string; value: number } } }>(
      TOPICS.metrics.name,
    );
    expect(sent.map((m) => m.request.metricData)).toContainEqual(
      expect.objectContaining({ metricName: 'RelaySwitches', value: 2 }),
    );
    expect(h.ipcEvents.at(-1)).toBe('close');
    expect(h.logger.events().slice(-2)).toEqual(['component.stopping', 'component.stopped']);
  });

  it('exits within 5 s of SIGINT even when the core never finishes stopping', async () => {
    const h = harness({ stop: () => new Promise(() => undefined) });
    const running = await h.run();
    const exitedAt: number[] = [];
    void running.exited.then(() => exitedAt.push(h.clock.monotonic()));
    const signalledAt = h.clock.monotonic();
    h.signals.send('SIGINT');
    await h.clock.advance(5_000);
    expect(h.exits).toEqual([0]);
    expect(exitedAt[0]! - signalledAt).toBeLessThanOrEqual(5_000);
    expect(h.logger.events()).toContain('component.stop.timeout');
    expect(h.ipcEvents.at(-1)).toBe('close');
  });

  it('exits 0 without creating the core when SIGTERM arrives while connecting', async () => {
    let open!: () => void;
    const h = harness({ connectGate: new Promise<void>((resolve) => (open = resolve)) });
    const started = h.run();
    await flushMicrotasks();
    h.signals.send('SIGTERM');
    open();
    const running = await started;
    expect(await running.exited).toBe(0);
    await h.clock.advance(10 * 60_000);
    expect(h.exits).toEqual([0]);
    expect(h.created).toEqual([]);
    expect(h.lifecycle.states).toEqual([]);
    expect(h.bus.messages(TOPICS.metrics.name)).toEqual([]);
  });

  it('stops the core at once on SIGTERM even while a configuration change is waiting on IPC', async () => {
    const h = harness({ inPlace: true });
    await h.run();
    h.config.get = () => new Promise(() => undefined);
    await h.config.set({ leaseS: 100 }, ['leaseS']);
    await h.clock.advance(250);
    h.signals.send('SIGTERM');
    await flushMicrotasks();
    expect(h.instances[0]!.events).toEqual(['start', 'stop']);
    await h.clock.advance(1_000);
    expect(h.exits).toEqual([0]);
  });

  it('ignores a second signal while stopping', async () => {
    const h = harness();
    const running = await h.run();
    h.signals.send('SIGTERM');
    h.signals.send('SIGTERM');
    await running.exited;
    await flushMicrotasks();
    expect(h.exits).toEqual([0]);
    expect(h.instances[0]!.events).toEqual(['start', 'stop']);
  });
});

describe('runComponentWith configuration changes', () => {
  it('applies a new configuration in place when the core can reconfigure', async () => {
    const h = harness({ inPlace: true });
    await h.run();
    await h.config.set({ leaseS: 120, accessControl }, ['leaseS']);
    await h.clock.advance(250);
    expect(h.instances).toHaveLength(1);
    expect(h.instances[0]!.events).toEqual(['start', 'reconfigure {"leaseS":120}']);
    expect(h.logger.entries.find((e) => e.event === 'component.reconfigured')?.fields).toEqual({
      mode: 'in-place',
    });
  });

  it('restarts the core with the new configuration when it cannot reconfigure', async () => {
    const h = harness();
    await h.run();
    await h.config.set({ leaseS: 120 }, ['leaseS']);
    await h.clock.advance(250);
    expect(h.instances.map((i) => [i.config, i.events])).toEqual([
      [{ leaseS: 90 }, ['start', 'stop']],
      [{ leaseS: 120 }, ['start']],
    ]);
  });

  it('applies a burst of changes once', async () => {
    const h = harness({ inPlace: true });
    await h.run();
    await h.config.set({ leaseS: 100 }, ['leaseS']);
    await h.clock.advance(100);
    await h.config.set({ leaseS: 110 }, ['leaseS']);
    await h.clock.advance(250);
    expect(h.instances[0]!.events).toEqual(['start', 'reconfigure {"leaseS":110}']);
  });

  it('does nothing when only accessControl changed', async () => {
    const h = harness({ inPlace: true });
    await h.run();
    await h.config.set({ leaseS: 90, accessControl: {} }, ['accessControl']);
    await h.clock.advance(250);
    expect(h.instances[0]!.events).toEqual(['start']);
    expect(h.lifecycle.states).toEqual(['RUNNING']);
  });

  it('keeps the core running on its last good configuration and reports ERRORED for an invalid one', async () => {
    const h = harness();
    await h.run();
    await h.config.set({ leaseS: -5 }, ['leaseS']);
    await h.clock.advance(250);
    expect(h.lifecycle.states).toEqual(['RUNNING', 'ERRORED']);
    expect(h.instances).toHaveLength(1);
    expect(h.instances[0]!.events).toEqual(['start']);
    expect(h.logger.entries.find((e) => e.event === 'component.config.invalid')?.fields).toMatchObject({
      field: 'leaseS',
    });
    expect(h.exits).toEqual([]);
  });

  it('reports RUNNING again once a valid configuration follows an invalid one', async () => {
    const h = harness({ inPlace: true });
    await h.run();
    await h.config.set({ leaseS: -5 }, ['leaseS']);
    await h.clock.advance(250);
    await h.config.set({ leaseS: 60 }, ['leaseS']);
    await h.clock.advance(250);
    expect(h.lifecycle.states).toEqual(['RUNNING', 'ERRORED', 'RUNNING']);
    expect(h.instances[0]!.events).toEqual(['start', 'reconfigure {"leaseS":60}']);
  });

  it('reports ERRORED when the restarted core fails to start with a valid configuration', async () => {
    let starts = 0;
    const h = harness({
      start: async () => {
        starts += 1;
        if (starts > 1) throw new StoreError('store locked');
      },
    });
    await h.run();
    await h.config.set({ leaseS: 30 }, ['leaseS']);
    await h.clock.advance(250);
    expect(h.lifecycle.states).toEqual(['RUNNING', 'ERRORED']);
    expect(h.logger.events()).toContain('component.reconfigure.failed');
    expect(h.exits).toEqual([]);
  });

  it('logs a core whose stop fails during a restart and still starts the new one', async () => {
    const h = harness({ stop: () => Promise.reject(new Error('stuck relay')) });
    await h.run();
    await h.config.set({ leaseS: 30 }, ['leaseS']);
    await h.clock.advance(250);
    expect(h.logger.events()).toContain('component.stop.failed');
    expect(h.instances.map((i) => i.events)).toEqual([['start', 'stop'], ['start']]);
    expect(h.lifecycle.states).toEqual(['RUNNING']);
  });
});

describe('stripAccessControl', () => {
  it('removes only the accessControl key', () => {
    expect(stripAccessControl({ a: 1, accessControl: { x: 1 } })).toEqual({ a: 1 });
  });

  it('leaves non-objects alone', () => {
    expect(stripAccessControl(null)).toBeNull();
    expect(stripAccessControl([1])).toEqual([1]);
  });
});
