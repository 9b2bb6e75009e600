/**
 * local-core's built-in platform components and simulated AWS services. ONE LINE PER BUILT-IN: add
 * `export { <name> } from './<area>/<file>.ts';` where `<name>` is a `Builtin` (local-core/src/plugins/builtin.ts):
 * - `{ kind: 'plugin', componentName, componentVersion, defaultConfiguration, create(): NucleusPlugin }` is hosted
 *   per thing when the deployment lists `componentName` (or a recipe depends on it);
 * - `{ kind: 'cloud-service', name, create(): CloudService }` starts once per local-core for the whole fleet.
 * Every export of this module must be a Builtin (checked in plugins/registry.ts).
 */
export { iotJobs } from './jobs/index.ts';
export { cloudwatch } from './plugins/cloudwatch.ts';
export { logManager } from './plugins/log-manager.ts';
export { nucleus } from './plugins/nucleus.ts';
export { cloudShadows, shadowManager } from './shadow/index.ts';
