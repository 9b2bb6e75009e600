import { describe, expect, it } from 'vitest';
import {
  type BusMessage,
  createLocalBus,
  defaultReceiveMode,
} from '../../../local-core/src/ipc/local-bus.ts';

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('LocalBus (in-process publishers and subscribers)', () => {
  it('delivers asynchronously, after publish returns', async () => {
    const bus = createLocalBus();
    const seen: string[] = [];
    bus.subscribe('t', (topic) => seen.push(topic), 'Sub');
    bus.publish('t', { json: {} }, 'Pub');
    expect(seen).toEqual([]);
    await flush();
    expect(seen).toEqual(['t']);
  });

  it('keeps binary messages binary and JSON messages JSON', async () => {
    const bus = createLocalBus();
    const seen: BusMessage[] = [];
    bus.subscribe('t', (_topic, message) => seen.push(message), 'Sub');
    bus.publish('t', { binary: Buffer.from('x') }, 'Pub');
    bus.publish('t', { json: { a: 1 } }, 'Pub');
    await flush();
    expect(seen).toEqual([{ binary: Buffer.from('x') }, { json: { a: 1 } }]);
  });

  it('skips the owner of a wildcard subscription but not of an exact one', async () => {
    const bus = createLocalBus();
    const seen: string[] = [];
    bus.subscribe('a/#', () => seen.push('wildcard'), 'Self');
    bus.subscribe('a/b', () => seen.push('exact'), 'Self');
    bus.publish('a/b', { json: {} }, 'Self');
    await flush();
    expect(seen).toEqual(['exact']);
  });

  it('lets # at the root match every topic', async () => {
    const bus = createLocalBus();
    const seen: string[] = [];
    bus.subscribe('#', (topic) => seen.push(topic), 'Sub');
    bus.publish('x/y/z', { json: {} }, 'Pub');
    await flush();
    expect(seen).toEqual(['x/y/z']);
  });

  it('rejects a publish to a wildcard topic', () => {
    const bus = createLocalBus();
    expect(() => bus.publish('a/*', { json: {} }, 'Pub')).toThrow(
      'Publish topic must not contain a wildcard.',
    );
  });

  it('counts subscriptions and forgets them on unsubscribe', () => {
    const bus = createLocalBus();
    const off = bus.subscribe('a/b/c', () => {}, 'Sub');
    expect(bus.subscriptionCount()).toBe(1);
    off();
    off();
    expect(bus.subscriptionCount()).toBe(0);
  });

  it('takes the nucleus receive-mode default from the filter', () => {
    expect([
      defaultReceiveMode('a/+/b'),
      defaultReceiveMode('a/#'),
      defaultReceiveMode('a#'),
      defaultReceiveMode('a/b'),
    ]).toEqual([
      'RECEIVE_MESSAGES_FROM_OTHERS',
      'RECEIVE_MESSAGES_FROM_OTHERS',
      'RECEIVE_ALL_MESSAGES',
      'RECEIVE_ALL_MESSAGES',
    ]);
  });
});
