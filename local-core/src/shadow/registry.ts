/**
 * How a thing's ShadowManager plugin finds the cloud shadow service of the same local-core: the cloud
 * service registers the ThingCloud objects of its fleet; the plugin looks itself up by its ThingCloud
 * (by identity, else by thing name) and is told when the service appears or goes away.
 */
import type { ThingCloud } from '../nucleus/services.ts';
import type { ShadowBook } from './shadow-book.ts';

/** What the cloud service offers the plugins: its book of cloud shadows. */
export interface CloudShadows {
  readonly book: ShadowBook;
}

const byThing = new Map<ThingCloud, CloudShadows>();
const byName = new Map<string, CloudShadows>();
const listeners = new Set<() => void>();

/** Registers `service` as the cloud of `things`; returns the unregister function. */
export function registerCloudShadows(things: Iterable<ThingCloud>, service: CloudShadows): () => void {
  const list = [...things];
  for (const thing of list) {
    byThing.set(thing, service);
    byName.set(thing.thingName, service);
  }
  notify();
  return () => {
    for (const thing of list) {
      if (byThing.get(thing) === service) byThing.delete(thing);
      if (byName.get(thing.thingName) === service) byName.delete(thing.thingName);
    }
    notify();
  };
}

/** The cloud shadow service of `thing`, if one runs. */
export function findCloudShadows(thing: ThingCloud): CloudShadows | undefined {
  return byThing.get(thing) ?? byName.get(thing.thingName);
}

/** Calls `listener` whenever a cloud service registers or unregisters. */
export function onCloudShadowsChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(): void {
  for (const listener of listeners) listener();
}
