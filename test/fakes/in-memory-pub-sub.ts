/**
 * PubSub in memory, with the same edge validation as the Greengrass adapter (`decodeMessage`): invalid
 * events are dropped and recorded, invalid requests reach the handler as `InvalidRequest`.
 * Delivery is asynchronous and ordered, like the nucleus's.
 */
import {
  type Decoded,
  decodeMessage,
  type Inbound,
  type TopicDef,
} from '../../components/shared/contracts/index.ts';
import type { Closable, PubSub, RawMessage, ReceiveMode } from '../../components/shared/ports/index.ts';

interface Sub {
  filter: string;
  handler: (message: RawMessage, topic: string) => void | Promise<void>;
  owner: string | undefined;
  mode: ReceiveMode;
  chain: Promise<void>;
}

/** A message seen on the bus. */
export interface Published {
  topic: string;
  json?: unknown;
  binary?: Uint8Array;
  from: string | undefined;
}

/** One bus shared by several `InMemoryPubSub` endpoints (one per simulated component). */
export class InMemoryBus {
  readonly published: Published[] = [];
  readonly dropped: { topic: string; path: string; message: string }[] = [];
  private readonly subs = new Set<Sub>();

  endpoint(owner?: string): InMemoryPubSub {
    return new InMemoryPubSub(this, owner);
  }

  /** @internal */
  add(sub: Sub): Closable {
    this.subs.add(sub);
    return { close: async () => void this.subs.delete(sub) };
  }

  /** @internal */
  deliver(topic: string, message: RawMessage, from: string | undefined): void {
    this.published.push({ topic, ...message, from });
    for (const sub of this.subs) {
      if (!topicMatches(sub.filter, topic)) continue;
      if (sub.mode === 'others' && sub.owner !== undefined && sub.owner === from) continue;
      sub.chain = sub.chain.then(() => sub.handler(message, topic)).catch(() => undefined);
    }
  }

  /** Messages published on `topic` (JSON bodies). */
  messages<T = unknown>(topic: string): T[] {
    return this.published.filter((p) => p.topic === topic && 'json' in p).map((p) => p.json as T);
  }

  /** Resolves when every delivery queued so far has been handled. */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await Promise.all([...this.subs].map((s) => s.chain));
      await new Promise((r) => setImmediate(r));
    }
  }
}

export class InMemoryPubSub implements PubSub {
  constructor(
    readonly bus: InMemoryBus = new InMemoryBus(),
    private readonly owner?: string,
  ) {}

  async publish<T>(topic: TopicDef<T>, message: T): Promise<void> {
    this.bus.deliver(topic.name, { json: structuredClone(message) }, this.owner);
  }

  async subscribe<T>(
    topic: TopicDef<T>,
    handler: (message: Inbound<T>) => void | Promise<void>,
  ): Promise<Closable> {
    return this.subscribeRaw(topic.name, async (raw) => {
      const decoded: Decoded<T> = decodeMessage(topic, 'json' in raw ? raw.json : undefined);
      if (decoded.kind === 'ok') await handler(decoded.value);
      else if (decoded.kind === 'invalid') await handler(decoded.request);
      else this.bus.dropped.push({ topic: topic.name, path: decoded.path, message: decoded.message });
    });
  }

  async publishRaw(topic: string, message: RawMessage): Promise<void> {
    this.bus.deliver(topic, message, this.owner);
  }

  async subscribeRaw(
    topic: string,
    handler: (message: RawMessage, topic: string) => void | Promise<void>,
    mode?: ReceiveMode,
  ): Promise<Closable> {
    const wildcard = /[+#]/.test(topic);
    return this.bus.add({
      filter: topic,
      handler,
      owner: this.owner,
      mode: mode ?? (wildcard ? 'others' : 'all'),
      chain: Promise.resolve(),
    });
  }
}

/** MQTT-style filter matching (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
