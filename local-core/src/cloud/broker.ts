/**
 * The IoT Core stand-in: an aedes MQTT 3.1.1 broker on loopback, and the cloud side's own client
 * (CloudBroker) through which simulated AWS services publish and receive. Loopback only.
 */
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import type { CloudBroker } from '../nucleus/services.ts';
import { mqttTopicMatches } from '../things/iot-core-link.ts';

export interface RunningBroker {
  readonly port: number;
  readonly url: string;
  /** The cloud side's client (clientId `local-core-cloud`). */
  readonly cloud: CloudBroker;
  close(): Promise<void>;
}

/** Starts the broker on 127.0.0.1:`port` (0 = random) and connects the cloud-side client. */
export async function startBroker(port: number): Promise<RunningBroker> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  const url = `mqtt://127.0.0.1:${actualPort}`;
  const client = await mqtt.connectAsync(url, {
    clientId: 'local-core-cloud',
    clean: true,
    protocolVersion: 4,
  });
  const listeners = new Map<string, Set<(topic: string, payload: Uint8Array) => void>>();
  client.on('message', (topic, payload) => {
    for (const [filter, set] of listeners) {
      if (!mqttTopicMatches(filter, topic)) continue;
      for (const listener of set) listener(topic, new Uint8Array(payload));
    }
  });
  const cloud: CloudBroker = {
    async publish(topic, payload) {
      await client.publishAsync(topic, Buffer.from(payload), { qos: 1 });
    },
    async subscribe(filter, listener) {
      let set = listeners.get(filter);
      if (set === undefined) {
        set = new Set();
        listeners.set(filter, set);
        await client.subscribeAsync(filter, { qos: 1 });
      }
      set.add(listener);
      return () => {
        const current = listeners.get(filter);
        current?.delete(listener);
        if (current !== undefined && current.size === 0) {
          listeners.delete(filter);
          void client.unsubscribeAsync(filter).catch(() => undefined);
        }
      };
    },
  };
  return {
    port: actualPort,
    url,
    cloud,
    async close() {
      await closeClient(client);
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function closeClient(client: MqttClient): Promise<void> {
  await client.endAsync(true).catch(() => undefined);
}
