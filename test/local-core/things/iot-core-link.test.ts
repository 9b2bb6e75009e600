import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../../local-core/src/cloud/broker.ts';
import { ThingConnection } from '../../../local-core/src/things/iot-core-link.ts';

describe('ThingConnection (a thing’s link to the IoT Core stand-in)', () => {
  let broker: RunningBroker | undefined;
  let connection: ThingConnection | undefined;
  afterEach(async () => {
    await connection?.close();
    await broker?.close();
    connection = undefined;
    broker = undefined;
  });

  async function connected() {
    broker = await startBroker(0);
    const events: string[] = [];
    connection = new ThingConnection({
      thingName: 'T1',
      thingGroups: [],
      brokerUrl: broker.url,
      log: (event) => events.push(event),
    });
    return { broker, connection, events };
  }

  it('refuses a publish to a wildcard topic, online or spooled, and keeps delivering the others', async () => {
    const { broker, connection } = await connected();
    const refusedOffline = await connection
      .publish('alerts/#', new Uint8Array([1]), 1, false)
      .catch((e: unknown) => String(e));
    await connection.goOnline();
    const refusedOnline = await connection
      .publish('alerts/+/x', new Uint8Array([1]), 1, false)
      .catch((e: unknown) => String(e));
    const cloud = await mqtt.connectAsync(broker.url, { clientId: 'observer', protocolVersion: 4 });
    const received = new Promise<string>((resolve) => cloud.on('message', (topic) => resolve(topic)));
    await cloud.subscribeAsync('ok/#', { qos: 1 });
    await connection.publish('ok/after', new Uint8Array([1]), 1, false);
    const topic = await received;
    await cloud.endAsync(true);
    expect([refusedOffline, refusedOnline, topic, connection.isConnected(), connection.spooled()]).toEqual([
      'Error: Invalid topic alerts/#',
      'Error: Invalid topic alerts/+/x',
      'ok/after',
      true,
      0,
    ]);
  });

  it('forgets a subscription whose filter is refused, so reconnecting does not try it again', async () => {
    const { connection, events } = await connected();
    await connection.goOnline();
    const error = await connection.subscribe('a/#/b', 1, () => undefined).catch((e: unknown) => String(e));
    await connection.goOffline();
    await connection.goOnline();
    expect([error, events.filter((event) => event === 'things.mqtt.resubscribe-failed')]).toEqual([
      'Error: Invalid topic a/#/b',
      [],
    ]);
  });

  it('keeps spooled messages not yet acknowledged when taken offline mid-drain, and sends them all later', async () => {
    const { broker, connection } = await connected();
    const cloud = await mqtt.connectAsync(broker.url, { clientId: 'observer', protocolVersion: 4 });
    const seen = new Set<string>();
    cloud.on('message', (_topic, payload) => seen.add(payload.toString('utf8')));
    await cloud.subscribeAsync('spool/#', { qos: 1 });
    const total = 400;
    for (let i = 0; i < total; i += 1) {
      await connection.publish('spool/x', new TextEncoder().encode(String(i)), 1, false);
    }
    const online = connection.goOnline();
    while (!connection.isConnected()) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await connection.goOffline();
    await online;
    await connection.goOnline();
    const deadline = Date.now() + 10_000;
    while (seen.size < total && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await cloud.endAsync(true);
    expect([seen.size, connection.spooled()]).toEqual([total, 0]);
  });

  it('spools a QoS 1 publish still waiting for its PUBACK when the thing goes offline, and sends it later', async () => {
    const { broker, connection } = await connected();
    const cloud = await mqtt.connectAsync(broker.url, { clientId: 'observer', protocolVersion: 4 });
    const seen = new Set<string>();
    cloud.on('message', (_topic, payload) => seen.add(payload.toString('utf8')));
    await cloud.subscribeAsync('live/#', { qos: 1 });
    await connection.goOnline();
    const total = 200;
    const publishes = Array.from({ length: total }, (_, i) =>
      connection.publish('live/x', new TextEncoder().encode(String(i)), 1, false),
    );
    await connection.goOffline();
    await Promise.all(publishes);
    await connection.goOnline();
    const deadline = Date.now() + 10_000;
    while (seen.size < total && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await cloud.endAsync(true);
    expect([seen.size, connection.spooled()]).toEqual([total, 0]);
  });
});
