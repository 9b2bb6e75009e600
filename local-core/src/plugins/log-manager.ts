/**
 * aws.greengrass.LogManager, hosted as a plugin that uploads nothing (there is no CloudWatch Logs here).
 * On a device it would ship `<root>/logs/<component>.log` for every component listed in
 * `logsUploaderConfiguration.componentLogsConfigurationMap` (and greengrass.log when
 * `systemLogsConfiguration.uploadToCloudWatch` is "true") every `periodicUploadIntervalSec` seconds to log
 * group `/aws/greengrass/UserComponent/<region>/<component>`, stream `/<yyyy/MM/dd>/thing/<thing>`.
 * At start it logs which components it would ship, so a laptop run shows the configuration took effect.
 */
import type { PluginContext } from '../nucleus/services.ts';
import type { BuiltinPlugin } from './builtin.ts';

function shippedComponents(config: Record<string, unknown>): string[] {
  const uploader = config.logsUploaderConfiguration;
  if (typeof uploader !== 'object' || uploader === null) return [];
  const map = (uploader as Record<string, unknown>).componentLogsConfigurationMap;
  return typeof map === 'object' && map !== null ? Object.keys(map) : [];
}

export const logManager: BuiltinPlugin = {
  kind: 'plugin',
  componentName: 'aws.greengrass.LogManager',
  componentVersion: '2.3.7',
  defaultConfiguration: { periodicUploadIntervalSec: 300 },
  create() {
    let unsubscribe: (() => void) | undefined;
    return {
      name: 'aws.greengrass.LogManager',
      async start(context: PluginContext) {
        const report = () =>
          context.log('log-manager.would-upload', {
            components: shippedComponents(context.config()),
            periodicUploadIntervalSec: context.config().periodicUploadIntervalSec,
            logFolder: `${context.rootDir}/logs`,
          });
        report();
        unsubscribe = context.onConfigChange(report);
      },
      async stop() {
        unsubscribe?.();
      },
    };
  },
};
