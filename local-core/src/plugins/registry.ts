/** The built-ins of local-core/src/builtins.ts, checked to be Builtins and indexed. */
import * as exported from '../builtins.ts';
import type { Builtin, BuiltinCloudService, BuiltinPlugin } from './builtin.ts';

const all: Record<string, Builtin> = exported;

/** Built-in platform components by component name. */
export const builtinPlugins: ReadonlyMap<string, BuiltinPlugin> = new Map(
  Object.values(all)
    .filter((b): b is BuiltinPlugin => b.kind === 'plugin')
    .map((b) => [b.componentName, b]),
);

/** Fleet-wide simulated AWS services. */
export const builtinCloudServices: readonly BuiltinCloudService[] = Object.values(all).filter(
  (b): b is BuiltinCloudService => b.kind === 'cloud-service',
);
