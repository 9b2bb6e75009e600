/**
 * A small cloud for jobs tests: the aedes broker and the cloud API server of local-core with the jobs
 * service on them, an IoTClient pointed at it, and MQTT devices speaking the Jobs protocol.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTClient } from '@aws-sdk/client-iot';
import mqtt, { type MqttClient } from 'mqtt';
import { type ApiServer, startApiServer } from '../../../local-core/src/cloud/api-server.ts';
import { type RunningBroker, startBroker } from '../../../local-core/src/cloud/broker.ts';
import { createJobsService, type JobsService } from '../../../local-core/src/jobs/service.ts';
import type { CloudApiHandler, ThingCloud } from '../../../local-core/src/nucleus/services.ts';

export const ARN = 'arn:aws:iot:eu-west-1:000000000000';
const thing = (thingName: string, thingGroups: string[]): ThingCloud => ({
  thingName,
  thingGroups,
  isOnline: () => true,
  onConnectivityChange: () => () => undefined,
});
const things = new Map([
  ['office-a', thing('office-a', ['stadium'])],
  ['office-b', thing('office-b', ['stadium'])],
]);

export interface JobsCloud {
  readonly iot: IoTClient;
  readonly apiUrl: string;
  readonly service: JobsService;
  /** Stops the jobs service and starts a new one on the same state folder and servers. */
  restartService(timeScale?: number): Promise<void>;
  device(name: string): Promise<JobsDevice>;
  close(): Promise<void>;
}

export interface JobsDevice {
  /** The next message whose topic ends with `suffix` (already received or still to come). */
  next(suffix: string): Promise<Record<string, unknown>>;
  /** Publishes a request under `$aws/things/<name>/jobs/<suffix>` and resolves with its reply. */
  request(suffix: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export async function startJobsCloud(timeScale = 1): Promise<JobsCloud> {
  const stateDir = mkdtempSync(join(tmpdir(), 'jobs-service-'));
  const broker: RunningBroker = await startBroker(0);
  const api: ApiServer = await startApiServer(0, () => undefined);
  /** The latest service's handler per route, so a restarted service takes over the same server. */
  const table = new Map<string, CloudApiHandler>();
  const devices: MqttClient[] = [];
  const startService = async (scale: number): Promise<JobsService> => {
    const s = createJobsService();
    await s.start({
      things,
      broker: broker.cloud,
      route: (method, pattern, handler) => {
        const key = `${method} ${pattern}`;
        if (!table.has(key)) api.route(method, pattern, (r) => table.get(key)!(r));
        table.set(key, handler);
      },
      timeScale: scale,
      stateDir,
      log: () => undefined,
    });
    return s;
  };
  let service = await startService(timeScale);
  const apiUrl = `http://127.0.0.1:${api.port}`;
  const iot = new IoTClient({
    endpoint: apiUrl,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    iot,
    apiUrl,
    get service() {
      return service;
    },
    async restartService(scale = 1) {
      await service.stop();
      service = await startService(scale);
    },
    async device(name) {
      const client = await mqtt.connectAsync(broker.url, { clientId: name, clean: true, protocolVersion: 4 });
      devices.push(client);
      const inbox: { topic: string; body: Record<string, unknown> }[] = [];
      const waiters: { suffix: string; resolve: (body: Record<string, unknown>) => void }[] = [];
      client.on('message', (topic, payload) => {
        const body = JSON.parse(payload.toString()) as Record<string, unknown>;
        const waiter = waiters.find((w) => topic.endsWith(w.suffix));
        if (waiter) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(body);
        } else inbox.push({ topic, body });
      });
      await client.subscribeAsync(`$aws/things/${name}/jobs/#`, { qos: 1 });
      const next = (suffix: string) =>
        new Promise<Record<string, unknown>>((resolve) => {
          const seen = inbox.find((m) => m.topic.endsWith(suffix));
          if (seen) {
            inbox.splice(inbox.indexOf(seen), 1);
            resolve(seen.body);
          } else waiters.push({ suffix, resolve });
        });
      return {
        next,
        async request(suffix, body) {
          const reply = new Promise<Record<string, unknown>>((resolve) => {
            let done = false;
            const once = (b: Record<string, unknown>) => {
              if (!done) resolve(b);
              done = true;
            };
            waiters.push({ suffix: `jobs/${suffix}/accepted`, resolve: once });
            waiters.push({ suffix: `jobs/${suffix}/rejected`, resolve: once });
          });
          await client.publishAsync(`$aws/things/${name}/jobs/${suffix}`, JSON.stringify(body), { qos: 1 });
          const answer = await reply;
          // Drop the other half of the pair so it does not catch a later reply.
          for (const w of [...waiters]) {
            if (w.suffix === `jobs/${suffix}/accepted` || w.suffix === `jobs/${suffix}/rejected`) {
              waiters.splice(waiters.indexOf(w), 1);
            }
          }
          return answer;
        },
      };
    },
    async close() {
      for (const d of devices.splice(0)) await d.endAsync(true);
      iot.destroy();
      await service.stop();
      await api.close();
      await broker.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
