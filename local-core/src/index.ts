/**
 * local-core's programmatic entry points (the CLI in cli.ts is a thin layer over these). Tests should
 * prefer test/support/local-core-harness.ts, which runs the real CLI in a child process.
 */
export type { Builtin, BuiltinCloudService, BuiltinPlugin } from './plugins/builtin.ts';
export type { ComponentState } from './supervisor/component-runner.ts';
export {
  type ComponentSpec,
  type DeploymentFile,
  deploymentFileSchema,
  parseDeployment,
  readDeploymentFile,
} from './supervisor/deployment-file.ts';
export {
  DEFAULT_THING_NAME,
  type DeploymentResult,
  type Endpoints,
  type FleetStatus,
  type LocalCore,
  type LocalCoreOptions,
  startLocalCore,
} from './supervisor/local-core.ts';
export { InputFileError, loadRecipes, parseRecipe, type Recipe } from './supervisor/recipe.ts';
export type { ComponentStatus, ThingDeploymentResult, ThingStatus } from './things/thing.ts';
