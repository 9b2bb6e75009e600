/**
 * Local pub/sub of one thing, shared by IPC clients and in-process services (PubSubIPCEventStreamAgent +
 * SubscriptionTrie semantics): MQTT-style filters, receive modes, asynchronous delivery in publish order.
 * Never converts between JSON and binary messages; never authorizes (the IPC operations do).
 */
import type { LocalBus } from '../nucleus/services.ts';
import { invalidArgumentsError } from './errors.ts';

export type BusMessage = { json: unknown } | { binary: Uint8Array };
export type ReceiveMode = 'RECEIVE_ALL_MESSAGES' | 'RECEIVE_MESSAGES_FROM_OTHERS';
type Listener = (topic: string, message: BusMessage) => void;

interface Subscription {
  readonly owner: string;
  readonly receiveMode: ReceiveMode;
  readonly listener: Listener;
}

class TrieNode {
  readonly children = new Map<string, TrieNode>();
  readonly subscriptions = new Set<Subscription>();
}

/** Java's String.split("/"): trailing empty strings are dropped. */
export function splitTopic(topic: string): string[] {
  const levels = topic.split('/');
  while (levels.length > 0 && levels[levels.length - 1] === '') levels.pop();
  return topic.length === 0 ? [''] : levels;
}

/** SubscriptionTrie.isWildcard: a `+` level anywhere or a `#` last level. */
export function isWildcardFilter(topic: string): boolean {
  const levels = splitTopic(topic);
  return levels.some((level, index) => level === '+' || (level === '#' && index === levels.length - 1));
}

/** The nucleus's default: RECEIVE_MESSAGES_FROM_OTHERS for wildcard filters, else RECEIVE_ALL_MESSAGES. */
export function defaultReceiveMode(topic: string): ReceiveMode {
  return isWildcardFilter(topic) ? 'RECEIVE_MESSAGES_FROM_OTHERS' : 'RECEIVE_ALL_MESSAGES';
}

export interface IpcLocalBus extends LocalBus {
  /** SubscribeToTopic: `receiveMode` undefined takes the nucleus's default for `filter`. */
  subscribeWithMode(filter: string, listener: Listener, owner: string, receiveMode?: ReceiveMode): () => void;
  /** Number of live subscriptions (for status and tests). */
  subscriptionCount(): number;
}

export function createLocalBus(onListenerError: (error: unknown) => void = () => {}): IpcLocalBus {
  const root = new TrieNode();
  const queue: Array<() => void> = [];
  let draining = false;
  let count = 0;

  function drain() {
    draining = false;
    // Deliveries queued while draining run in the next turn, so a burst cannot starve the socket.
    const batch = queue.splice(0, queue.length);
    for (const delivery of batch) {
      try {
        delivery();
      } catch (error) {
        onListenerError(error);
      }
    }
  }

  function matching(topic: string): Set<Subscription> {
    const levels = splitTopic(topic);
    const result = new Set<Subscription>();
    if (levels.length === 0) return result;
    const addMatching = (node: TrieNode, level: string, paths: Set<TrieNode>) => {
      const exact = node.children.get(level);
      if (exact) paths.add(exact);
      const plus = node.children.get('+');
      if (plus) paths.add(plus);
      const pound = node.children.get('#');
      if (pound) {
        paths.add(pound);
        for (const subscription of pound.subscriptions) result.add(subscription);
      }
    };
    let paths = new Set<TrieNode>();
    addMatching(root, levels[0] as string, paths);
    for (let level = 1; level < levels.length && paths.size > 0; level += 1) {
      const next = new Set<TrieNode>();
      for (const path of paths) addMatching(path, levels[level] as string, next);
      paths = next;
    }
    for (const path of paths) for (const subscription of path.subscriptions) result.add(subscription);
    return result;
  }

  function subscribeWithMode(filter: string, listener: Listener, owner: string, receiveMode?: ReceiveMode) {
    if (filter.length === 0) throw invalidArgumentsError('Subscribe topic must not be empty');
    const subscription: Subscription = {
      owner,
      receiveMode: receiveMode ?? defaultReceiveMode(filter),
      listener,
    };
    const path: TrieNode[] = [root];
    let node = root;
    for (const level of splitTopic(filter)) {
      let child = node.children.get(level);
      if (!child) {
        child = new TrieNode();
        node.children.set(level, child);
      }
      node = child;
      path.push(node);
    }
    node.subscriptions.add(subscription);
    count += 1;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      node.subscriptions.delete(subscription);
      count -= 1;
      const levels = splitTopic(filter);
      for (let index = path.length - 1; index > 0; index -= 1) {
        const current = path[index] as TrieNode;
        if (current.children.size > 0 || current.subscriptions.size > 0) break;
        (path[index - 1] as TrieNode).children.delete(levels[index - 1] as string);
      }
    };
  }

  return {
    publish(topic, message, fromComponent) {
      if (topic.includes('+') || topic.includes('#') || topic.includes('*')) {
        throw invalidArgumentsError('Publish topic must not contain a wildcard.');
      }
      for (const subscription of matching(topic)) {
        if (
          subscription.owner === fromComponent &&
          subscription.receiveMode === 'RECEIVE_MESSAGES_FROM_OTHERS'
        ) {
          continue;
        }
        queue.push(() => subscription.listener(topic, message));
      }
      if (queue.length > 0 && !draining) {
        draining = true;
        setImmediate(drain);
      }
    },
    subscribe(filter, listener, owner) {
      return subscribeWithMode(filter, listener, owner);
    },
    subscribeWithMode,
    subscriptionCount: () => count,
  };
}
