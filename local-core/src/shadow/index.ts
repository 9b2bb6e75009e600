/**
 * local-core's shadow built-ins: the aws.greengrass.ShadowManager plugin (per thing) and the AWS IoT
 * Device Shadow service stand-in (once per local-core, behind the data-plane REST API).
 */
import type { BuiltinCloudService, BuiltinPlugin } from '../plugins/builtin.ts';
import { createCloudShadowService } from './cloud-shadows.ts';
import { createShadowManagerPlugin, SHADOW_MANAGER } from './shadow-manager.ts';

/** aws.greengrass.ShadowManager with its recipe's defaults (nothing synchronises until listed). */
export const shadowManager: BuiltinPlugin = {
  kind: 'plugin',
  componentName: SHADOW_MANAGER,
  componentVersion: '2.3.9',
  defaultConfiguration: {
    strategy: { type: 'realTime' },
    rateLimits: {
      maxOutboundSyncUpdatesPerSecond: 100,
      maxTotalLocalRequestsRate: 200,
      maxLocalRequestsPerSecondPerThing: 20,
    },
    shadowDocumentSizeLimitBytes: 8192,
  },
  create: createShadowManagerPlugin,
};

/** The cloud side of device shadows: cloud copies, sync counterpart, IoT data-plane shadow API. */
export const cloudShadows: BuiltinCloudService = {
  kind: 'cloud-service',
  name: 'iot-device-shadow',
  create: createCloudShadowService,
};
