/**
 * A running local-core: the MQTT broker (IoT Core stand-in), the cloud API server, the fleet-wide
 * cloud services, one Thing per thing of the deployment, and the loopback control endpoint the CLI
 * talks to. Writes `<root>/endpoints.json` once everything listens. Bad input is answered, never fatal.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { type ApiServer, startApiServer } from '../cloud/api-server.ts';
import { type RunningBroker, startBroker } from '../cloud/broker.ts';
import type { CloudService, ThingCloud } from '../nucleus/services.ts';
import { builtinCloudServices } from '../plugins/registry.ts';
import { Thing, type ThingDeploymentResult, type ThingStatus, type ThingTarget } from '../things/thing.ts';
import { componentsForThing, type DeploymentFile, parseDeployment } from './deployment-file.ts';
import { findRecipe, InputFileError, loadRecipes, type Recipe } from './recipe.ts';

type Log = (event: string, fields?: Record<string, unknown>) => void;

export interface LocalCoreOptions {
  readonly recipesDir: string;
  readonly artifactsDir: string;
  /** The initial deployment; without it every recipe (highest version) runs on one thing. */
  readonly deployment: DeploymentFile | undefined;
  /** Run only this thing of the deployment, or name the single thing when there is no deployment. */
  readonly thing: string | undefined;
  readonly root: string;
  readonly mqttPort: number;
  readonly apiPort: number;
  readonly jobsTimeScale: number;
  readonly log: Log;
  /** Error reset window of the lifecycle (default one hour, as the nucleus). */
  readonly errorResetMs?: number;
}

/** `<root>/endpoints.json`: how tools reach a running local-core. */
export interface Endpoints {
  readonly pid: number;
  readonly root: string;
  readonly mqtt: { readonly host: string; readonly port: number; readonly url: string };
  readonly api: { readonly port: number; readonly url: string };
  readonly control: { readonly port: number; readonly url: string };
  readonly things: Record<string, { readonly root: string; readonly socketPath: string }>;
}

export interface FleetStatus {
  readonly root: string;
  readonly deployments: number;
  readonly things: Record<string, ThingStatus>;
}

export interface DeploymentResult {
  readonly deploymentId: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly things: Record<string, ThingDeploymentResult>;
}

export const DEFAULT_THING_NAME = 'LocalCoreThing';

export interface LocalCore {
  readonly endpoints: Endpoints;
  status(): FleetStatus;
  deploy(deployment: DeploymentFile): Promise<DeploymentResult>;
  setCloud(thing: string, online: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** A deployment that runs every recipe of the folder (highest version) on one thing. */
export function deploymentFromRecipes(recipes: ReadonlyMap<string, Recipe>, thing: string): DeploymentFile {
  const components: DeploymentFile['components'] = {};
  for (const recipe of recipes.values()) {
    const best = findRecipe(recipes, recipe.componentName, undefined);
    if (best !== undefined) components[best.componentName] = { componentVersion: best.componentVersion };
  }
  return parseDeployment('(recipes folder)', { things: [{ name: thing, thingGroups: [] }], components });
}

function targetsFor(deployment: DeploymentFile, thing: string): ThingTarget[] {
  return [...componentsForThing(deployment, thing).entries()].map(([name, spec]) => ({
    name,
    version: spec.componentVersion,
    update: spec.configurationUpdate,
  }));
}

/** Starts local-core; throws InputFileError for an invalid recipe folder or deployment. */
export async function startLocalCore(options: LocalCoreOptions): Promise<LocalCore> {
  const root = resolve(options.root);
  mkdirSync(root, { recursive: true });
  const endpointsFile = join(root, 'endpoints.json');
  rmSync(endpointsFile, { force: true });
  let recipes = loadRecipes(options.recipesDir);
  let deployment = options.deployment ?? deploymentFromRecipes(recipes, options.thing ?? DEFAULT_THING_NAME);
  if (options.deployment !== undefined && options.thing !== undefined) {
    const chosen = deployment.things.filter((t) => t.name === options.thing);
    if (chosen.length === 0) {
      throw new InputFileError('--thing', 'things', `${options.thing} is not a thing of the deployment`);
    }
    deployment = { ...deployment, things: chosen };
  }
  const log = options.log;

  const broker: RunningBroker = await startBroker(options.mqttPort);
  const api: ApiServer = await startApiServer(options.apiPort, log);
  const things = new Map<string, Thing>();
  for (const entry of deployment.things) {
    things.set(
      entry.name,
      new Thing({
        name: entry.name,
        thingGroups: entry.thingGroups,
        rootDir: join(root, 'things', entry.name),
        artifactsDir: resolve(options.artifactsDir),
        brokerUrl: broker.url,
        region: deployment.nucleus.region,
        interpolateComponentConfiguration: deployment.nucleus.interpolateComponentConfiguration,
        log,
        ...(options.errorResetMs === undefined ? {} : { errorResetMs: options.errorResetMs }),
      }),
    );
  }
  const thingClouds = new Map<string, ThingCloud>(
    [...things].map(([name, thing]) => [name, thing.connection]),
  );
  const services: CloudService[] = [];
  for (const builtin of builtinCloudServices) {
    const service = builtin.create();
    await service.start({
      things: thingClouds,
      broker: broker.cloud,
      route: (method, pattern, handler) => api.route(method, pattern, handler),
      timeScale: options.jobsTimeScale,
      stateDir: join(root, 'cloud', builtin.name),
      log: (event, fields) => log(event, { service: builtin.name, ...fields }),
    });
    services.push(service);
  }
  for (const thing of things.values()) await thing.start();

  let deployments = 0;
  let chain: Promise<unknown> = Promise.resolve();
  async function apply(file: DeploymentFile, initial: boolean): Promise<DeploymentResult> {
    const deploymentId = randomUUID();
    deployments += 1;
    if (!initial) recipes = loadRecipes(options.recipesDir);
    const policy = file.deploymentPolicies.componentUpdatePolicy;
    const notify =
      !initial && policy.action === 'NOTIFY_COMPONENTS'
        ? { timeoutMs: policy.timeoutInSeconds * 1000 }
        : undefined;
    const results: Record<string, ThingDeploymentResult> = {};
    await Promise.all(
      file.things.map(async (entry) => {
        const thing = things.get(entry.name);
        if (thing === undefined) {
          results[entry.name] = {
            status: 'FAILED',
            added: [],
            removed: [],
            restarted: [],
            reconfigured: [],
            deferrals: [],
            warnings: [],
            error: `thing ${entry.name} is not running; the fleet is fixed when local-core starts`,
          };
          return;
        }
        results[entry.name] = await thing.deploy(
          deploymentId,
          targetsFor(file, entry.name),
          recipes,
          notify,
          initial,
        );
      }),
    );
    const status = Object.values(results).every((r) => r.status === 'SUCCEEDED') ? 'SUCCEEDED' : 'FAILED';
    log('local-core.deployment.done', { deploymentId, status });
    return { deploymentId, status, things: results };
  }
  function serialize<T>(task: () => Promise<T>): Promise<T> {
    const next = chain.then(task, task);
    chain = next.catch(() => undefined);
    return next;
  }

  const initialResult = await serialize(() => apply(deployment, true));

  const core: LocalCore = {
    endpoints: undefined as unknown as Endpoints,
    status() {
      const out: Record<string, ThingStatus> = {};
      for (const [name, thing] of things) out[name] = thing.status();
      return { root, deployments, things: out };
    },
    deploy(file) {
      return serialize(() => apply(file, false));
    },
    async setCloud(thing, online) {
      const found = things.get(thing);
      if (found === undefined) throw new InputFileError('--thing', 'thing', `no thing named ${thing}`);
      await found.setCloud(online);
    },
    async stop() {
      await chain.catch(() => undefined);
      await Promise.all([...things.values()].map((t) => t.stop()));
      for (const service of services.reverse()) {
        await service
          .stop()
          .catch((error: unknown) => log('local-core.service.stop-failed', { error: String(error) }));
      }
      await control.close();
      await api.close();
      await broker.close();
      rmSync(endpointsFile, { force: true });
    },
  };

  const failed = Object.entries(initialResult.things).find(([, r]) => r.status === 'FAILED');
  if (failed !== undefined) {
    await Promise.all([...things.values()].map((t) => t.stop()));
    for (const service of services.reverse()) await service.stop().catch(() => undefined);
    await api.close();
    await broker.close();
    throw new Error(`initial deployment failed on ${failed[0]}: ${failed[1].error}`);
  }
  const control = await startControlServer(core, log);
  const endpoints: Endpoints = {
    pid: process.pid,
    root,
    mqtt: { host: '127.0.0.1', port: broker.port, url: broker.url },
    api: { port: api.port, url: `http://127.0.0.1:${api.port}` },
    control: { port: control.port, url: `http://127.0.0.1:${control.port}` },
    things: Object.fromEntries(
      [...things].map(([name, thing]) => [
        name,
        { root: join(root, 'things', name), socketPath: thing.socketPath },
      ]),
    ),
  };
  (core as { endpoints: Endpoints }).endpoints = endpoints;
  writeFileSync(`${endpointsFile}.tmp`, `${JSON.stringify(endpoints, null, 2)}\n`);
  renameSync(`${endpointsFile}.tmp`, endpointsFile);
  log('local-core.ready', { root, mqttPort: broker.port, apiPort: api.port, controlPort: control.port });
  return core;
}

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 4_194_304) {
        reject(new Error('request body larger than 4 MiB'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolvePromise(text === '' ? undefined : JSON.parse(text));
      } catch (cause) {
        reject(new InputFileError('request', '', `not valid JSON: ${String(cause)}`));
      }
    });
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body)}\n`);
}

/**
 * The control endpoint (loopback HTTP, port in endpoints.json): GET /status, POST /deploy
 * ({source, deployment}), POST /cloud ({thing, online}). Errors answer 400 with {error}.
 */
async function startControlServer(
  core: LocalCore,
  log: Log,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    void (async () => {
      let url: URL;
      try {
        url = new URL(request.url ?? '/', 'http://127.0.0.1');
      } catch {
        // `GET http://[` passes the HTTP parser but not URL: answer it instead of an unhandled rejection.
        reply(response, 400, { error: `invalid request target ${request.url}` });
        return;
      }
      try {
        if (request.method === 'GET' && url.pathname === '/status') {
          reply(response, 200, core.status());
        } else if (request.method === 'POST' && url.pathname === '/deploy') {
          const body = (await readJson(request)) as { source?: unknown; deployment?: unknown } | undefined;
          const source = typeof body?.source === 'string' ? body.source : 'deployment';
          const deployment = parseDeployment(source, body?.deployment);
          const result = await core.deploy(deployment);
          reply(response, result.status === 'SUCCEEDED' ? 200 : 409, result);
        } else if (request.method === 'POST' && url.pathname === '/cloud') {
          const body = (await readJson(request)) as { thing?: unknown; online?: unknown } | undefined;
          if (typeof body?.thing !== 'string' || typeof body.online !== 'boolean') {
            throw new InputFileError(
              'request',
              'thing/online',
              'expected {"thing": string, "online": boolean}',
            );
          }
          await core.setCloud(body.thing, body.online);
          reply(response, 200, { thing: body.thing, online: body.online });
        } else {
          reply(response, 404, { error: `no control route ${request.method} ${url.pathname}` });
        }
      } catch (error) {
        log('local-core.control.rejected', { path: url.pathname, error: (error as Error).message });
        reply(response, 400, { error: (error as Error).message });
      }
    })();
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePromise());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close() {
      server.closeAllConnections();
      return new Promise((resolvePromise) => server.close(() => resolvePromise()));
    },
  };
}
