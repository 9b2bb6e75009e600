/**
 * Recipe variable interpolation in lifecycle scripts and Setenv values (NUC KernelConfigResolver.replace):
 * {configuration:/ptr}, {artifacts:path}, {artifacts:decompressedPath}, {work:path}, {kernel:rootPath},
 * {iot:thingName}, and {<dependency>:<namespace>:<key>} for direct dependencies. Unknown or missing → left as is.
 */
import { nodeAt, parsePointer } from './configuration.ts';

/** What a variable can refer to for one component. */
export interface ComponentPaths {
  readonly configuration: unknown;
  readonly artifactsPath: string;
  readonly decompressedPath: string;
  readonly workPath: string;
}

export interface InterpolationContext extends ComponentPaths {
  readonly rootPath: string;
  readonly thingName: string;
  /** Direct dependencies only, by component name. */
  readonly dependencies: ReadonlyMap<string, ComponentPaths>;
}

/** A value node becomes its text (null → "null"); an object or list becomes serialized JSON; missing → undefined. */
function configurationText(configuration: unknown, pointer: string): string | undefined {
  let path: string[];
  try {
    path = parsePointer(pointer);
  } catch {
    return undefined;
  }
  const node = path.length === 0 ? configuration : nodeAt(configuration, path);
  if (node === undefined) return undefined;
  if (node === null) return 'null';
  if (typeof node === 'object') return JSON.stringify(node);
  return String(node);
}

function lookup(paths: ComponentPaths, namespace: string, key: string): string | undefined {
  switch (namespace) {
    case 'configuration':
      return configurationText(paths.configuration, key);
    case 'artifacts':
      return key === 'path'
        ? paths.artifactsPath
        : key === 'decompressedPath'
          ? paths.decompressedPath
          : undefined;
    case 'work':
      return key === 'path' ? paths.workPath : undefined;
    default:
      return undefined;
  }
}

const SAME_COMPONENT = /\{([A-Za-z]+):([^:{}]*)\}/g;
const CROSS_COMPONENT = /\{([\w.-]+):([A-Za-z]+):([^:{}]*)\}/g;

/** Replaces the recipe variables in `text`. */
export function interpolate(text: string, context: InterpolationContext): string {
  const same = text.replace(SAME_COMPONENT, (match, namespace: string, key: string) => {
    if (namespace === 'kernel') return key === 'rootPath' ? context.rootPath : match;
    if (namespace === 'iot') return key === 'thingName' ? context.thingName : match;
    return lookup(context, namespace, key) ?? match;
  });
  return same.replace(CROSS_COMPONENT, (match, component: string, namespace: string, key: string) => {
    const dependency = context.dependencies.get(component);
    if (dependency === undefined) return match;
    return lookup(dependency, namespace, key) ?? match;
  });
}
