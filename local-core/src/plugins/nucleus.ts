/**
 * aws.greengrass.Nucleus as a deployment names it. The nucleus settings local-core honours
 * (interpolateComponentConfiguration, region) come from the deployment file's `nucleus` section, so
 * the component itself does nothing at run time; it exists so deployments that list it stay valid.
 */
import type { BuiltinPlugin } from './builtin.ts';

/** The version reported for the nucleus and set as GGC_VERSION in every component's environment. */
export const NUCLEUS_VERSION = '2.14.3';

export const nucleus: BuiltinPlugin = {
  kind: 'plugin',
  componentName: 'aws.greengrass.Nucleus',
  componentVersion: NUCLEUS_VERSION,
  defaultConfiguration: {},
  create: () => ({
    name: 'aws.greengrass.Nucleus',
    async start() {},
    async stop() {},
  }),
};
