/**
 * A thing's connection to the IoT Core stand-in: an mqtt.js client with clientId = thing name and a
 * persistent session. Offline means disconnected: QoS 1 publishes are spooled and sent on reconnect,
 * QoS 0 are dropped, subscriptions are restored on reconnect. Owns only the MQTT client.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { IotCoreLink, ThingCloud } from '../nucleus/services.ts';

/** MQTT filter matching: `+` one level, `#` the rest (also the parent level); `$` topics never match a leading wildcard. */
export function mqttTopicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i += 1) {
    const part = f[i];
    if (part === '#') return true;
    if (i >= t.length) return false;
    if (part !== '+' && part !== t[i]) return false;
  }
  return f.length === t.length;
}

interface Subscription {
  qos: 0 | 1;
  listeners: Set<(topic: string, payload: Uint8Array) => void>;
}

export interface ThingConnectionOptions {
  readonly thingName: string;
  readonly thingGroups: readonly string[];
  readonly brokerUrl: string;
  log(event: string, fields?: Record<string, unknown>): void;
}

/** IotCoreLink + ThingCloud for one thing, switchable offline/online. */
export class ThingConnection implements IotCoreLink, ThingCloud {
  readonly thingName: string;
  readonly thingGroups: readonly string[];
  private client: MqttClient | undefined;
  /** Settles when the current client is ended (taken offline or closed). */
  private clientEnded: Promise<'ended'> = Promise.resolve('ended');
  private online = false;
  private connected = false;
  private readonly spool: { topic: string; payload: Uint8Array; retain: boolean }[] = [];
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly connectivityListeners = new Set<(online: boolean) => void>();

  constructor(private readonly options: ThingConnectionOptions) {
    this.thingName = options.thingName;
    this.thingGroups = options.thingGroups;
  }

  isOnline(): boolean {
    return this.online;
  }

  /** True while the MQTT session is up (online and connected). */
  isConnected(): boolean {
    return this.connected;
  }

  /** Messages spooled while offline, waiting for the reconnect. */
  spooled(): number {
    return this.spool.length;
  }

  onConnectivityChange(listener: (online: boolean) => void): () => void {
    this.connectivityListeners.add(listener);
    return () => this.connectivityListeners.delete(listener);
  }

  /** Connects (online) and resolves once the first CONNACK arrived. */
  async goOnline(): Promise<void> {
    if (this.online) return;
    this.online = true;
    const client = mqtt.connect(this.options.brokerUrl, {
      clientId: this.thingName,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 500,
      connectTimeout: 5_000,
    });
    this.client = client;
    this.clientEnded = new Promise((resolve) => client.once('end', () => resolve('ended')));
    client.on('message', (topic, payload) => this.dispatch(topic, new Uint8Array(payload)));
    client.on('close', () => {
      this.connected = false;
    });
    client.on('error', (error) =>
      this.options.log('things.mqtt.error', { thing: this.thingName, error: String(error) }),
    );
    await new Promise<void>((resolve) => {
      client.on('connect', () => {
        this.connected = true;
        void this.restore(client).finally(resolve);
      });
      // Taken offline before the first CONNACK: nothing to wait for.
      client.once('end', () => resolve());
    });
    if (this.client !== client) return;
    this.options.log('things.cloud.online', { thing: this.thingName });
    for (const listener of this.connectivityListeners) listener(true);
  }

  /** Disconnects (offline); subscriptions are kept and restored by `goOnline`. */
  async goOffline(): Promise<void> {
    if (!this.online) return;
    this.online = false;
    this.connected = false;
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await client.endAsync(true);
    this.options.log('things.cloud.offline', { thing: this.thingName });
    for (const listener of this.connectivityListeners) listener(false);
  }

  async publish(topic: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): Promise<void> {
    // Refused here, as the CRT client does: the broker disconnects a client that publishes to a wildcard,
    // and the QoS 1 message, resent on every reconnect, would keep the thing's connection down.
    if (topic === '' || topic.includes('+') || topic.includes('#')) throw new Error(`Invalid topic ${topic}`);
    const client = this.client;
    if (!this.online || client === undefined) {
      if (qos === 1) this.spool.push({ topic, payload, retain });
      else this.options.log('things.mqtt.qos0-dropped', { thing: this.thingName, topic });
      return;
    }
    const outcome = await Promise.race([
      client.publishAsync(topic, Buffer.from(payload), { qos, retain }).then(() => 'sent' as const),
      this.clientEnded,
    ]);
    // Taken offline before the PUBACK: a QoS 1 message goes to the spool instead of being lost with the client.
    if (outcome === 'ended' && qos === 1) this.spool.push({ topic, payload, retain });
  }

  async subscribe(
    filter: string,
    qos: 0 | 1,
    listener: (topic: string, payload: Uint8Array) => void,
  ): Promise<() => void> {
    let subscription = this.subscriptions.get(filter);
    if (subscription === undefined) {
      subscription = { qos, listeners: new Set() };
      this.subscriptions.set(filter, subscription);
    }
    subscription.listeners.add(listener);
    const client = this.client;
    if (this.connected && client !== undefined) {
      try {
        const granted = await client.subscribeAsync(filter, { qos });
        if (granted.some((g) => g.qos === 128)) throw new Error(`SUBACK failure for ${filter}`);
      } catch (error) {
        // A refused filter (SUBACK failure, or `a/#/b` refused by the client) is not kept for restores.
        subscription.listeners.delete(listener);
        if (subscription.listeners.size === 0 && this.subscriptions.get(filter) === subscription) {
          this.subscriptions.delete(filter);
        }
        throw error;
      }
    }
    return () => {
      const current = this.subscriptions.get(filter);
      if (current === undefined) return;
      current.listeners.delete(listener);
      if (current.listeners.size === 0) {
        this.subscriptions.delete(filter);
        if (this.connected) void this.client?.unsubscribeAsync(filter).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.online = false;
    this.connected = false;
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await client.endAsync(true);
  }

  private async restore(client: MqttClient): Promise<void> {
    for (const [filter, subscription] of this.subscriptions) {
      await client.subscribeAsync(filter, { qos: subscription.qos }).catch((error: unknown) => {
        this.options.log('things.mqtt.resubscribe-failed', {
          thing: this.thingName,
          filter,
          error: String(error),
        });
      });
    }
    // A message leaves the spool only once acknowledged: going offline mid-drain keeps the rest (and the
    // one in flight) for the next connection instead of losing them with this client.
    const ended = this.clientEnded;
    while (this.spool.length > 0 && this.client === client) {
      const message = this.spool[0];
      if (message === undefined) break;
      const outcome = await Promise.race([
        client
          .publishAsync(message.topic, Buffer.from(message.payload), { qos: 1, retain: message.retain })
          .then(
            () => 'sent' as const,
            () => 'failed' as const,
          ),
        ended,
      ]);
      if (outcome !== 'sent') break;
      if (this.spool[0] === message) this.spool.shift();
    }
  }

  private dispatch(topic: string, payload: Uint8Array): void {
    for (const [filter, subscription] of this.subscriptions) {
      if (!mqttTopicMatches(filter, topic)) continue;
      for (const listener of subscription.listeners) {
        try {
          listener(topic, payload);
        } catch (error) {
          this.options.log('things.mqtt.listener-failed', {
            thing: this.thingName,
            topic,
            error: String(error),
          });
        }
      }
    }
  }
}
