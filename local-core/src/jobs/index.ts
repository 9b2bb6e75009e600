/** AWS IoT Jobs as a local-core built-in cloud service (control plane on the cloud API, device protocol on the broker). */
import type { BuiltinCloudService } from '../plugins/builtin.ts';
import { createJobsService } from './service.ts';

export const iotJobs: BuiltinCloudService = {
  kind: 'cloud-service',
  name: 'iot-jobs',
  create: () => createJobsService(),
};
