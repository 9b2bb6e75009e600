/**
 * One simulated Greengrass core device: its root folder, IPC socket (C's server), configuration store,
 * plugins, generic components (ComponentRunner) and cloud connection. Applies deployments as a cloud
 * deployment does: NOTIFY_COMPONENTS, configuration reset+merge through ConfigStore.replace, restart of
 * only what changed, removal of what is no longer listed. Never exits the process on bad input.
 */
import { createHash, randomInt } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createIpcServer, type IpcServer } from '../ipc/server.ts';
import { createConfigStore } from '../nucleus/config-store.ts';
import type { ConfigStore, NucleusPlugin, PluginContext } from '../nucleus/services.ts';
import type { BuiltinPlugin } from '../plugins/builtin.ts';
import { NUCLEUS_VERSION } from '../plugins/nucleus.ts';
import { builtinPlugins } from '../plugins/registry.ts';
import { type InstalledArtifacts, installArtifacts } from '../supervisor/artifacts.ts';
import { ComponentRunner, type ComponentState } from '../supervisor/component-runner.ts';
import {
  type ConfigurationUpdate,
  deepEqual,
  type JsonObject,
  resolveConfiguration,
} from '../supervisor/configuration.ts';
import {
  findRecipe,
  type HostPlatform,
  hostPlatform,
  type Recipe,
  type RecipeDependency,
  type ResolvedPlatform,
  selectManifest,
} from '../supervisor/recipe.ts';
import { type ComponentPaths, interpolate } from '../supervisor/variables.ts';
import { ThingConnection } from './iot-core-link.ts';

/** Unix domain socket paths must be shorter than this (sun_path). */
export const MAX_SOCKET_PATH = 108;

type Log = (event: string, fields?: Record<string, unknown>) => void;

export interface ThingOptions {
  readonly name: string;
  readonly thingGroups: readonly string[];
  /** The thing's root (`{kernel:rootPath}`): `<root>/things/<name>`. */
  readonly rootDir: string;
  readonly artifactsDir: string;
  readonly brokerUrl: string;
  readonly region: string;
  readonly interpolateComponentConfiguration: boolean;
  readonly log: Log;
  readonly errorResetMs?: number;
  readonly host?: HostPlatform;
}

/** What one thing should run after a deployment. */
export interface ThingTarget {
  readonly name: string;
  readonly version: string;
  readonly update: ConfigurationUpdate | undefined;
}

export interface ComponentStatus {
  readonly version: string;
  readonly type: 'generic' | 'plugin';
  readonly state: ComponentState;
  readonly restarts: number;
  readonly statusReason: string;
}

export interface ThingStatus {
  readonly thingName: string;
  readonly thingGroups: readonly string[];
  readonly rootDir: string;
  readonly socketPath: string;
  readonly cloud: { readonly online: boolean; readonly connected: boolean; readonly spooledMessages: number };
  readonly components: Record<string, ComponentStatus>;
}

export interface ThingDeploymentResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly added: string[];
  readonly removed: string[];
  readonly restarted: string[];
  readonly reconfigured: string[];
  readonly deferrals: string[];
  readonly warnings: string[];
  readonly error?: string;
}

interface ProcessComponent {
  readonly kind: 'process';
  readonly name: string;
  readonly version: string;
  readonly recipe: Recipe;
  readonly platform: ResolvedPlatform;
  readonly paths: InstalledArtifacts;
  readonly runner: ComponentRunner;
  readonly restartsBefore: number;
}

interface PluginComponent {
  readonly kind: 'plugin';
  readonly name: string;
  readonly version: string;
  readonly builtin: BuiltinPlugin;
  readonly plugin: NucleusPlugin;
  readonly listeners: Set<() => void>;
  state: ComponentState;
  statusReason: string;
}

type Deployed = ProcessComponent | PluginComponent;

interface Planned {
  readonly name: string;
  readonly version: string;
  readonly recipe: Recipe | undefined;
  readonly builtin: BuiltinPlugin | undefined;
  readonly platform: ResolvedPlatform | undefined;
  readonly update: ConfigurationUpdate | undefined;
  readonly defaults: JsonObject;
}

const SVCUID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** 16 random upper-case letters, like the nucleus's SVCUID. */
export function newSvcuid(): string {
  let out = '';
  for (let i = 0; i < 16; i += 1) out += SVCUID_ALPHABET[randomInt(SVCUID_ALPHABET.length)];
  return out;
}

function defaultsOf(planned: { recipe: Recipe | undefined; builtin: BuiltinPlugin | undefined }): JsonObject {
  return structuredClone(
    (planned.recipe?.defaultConfiguration ?? planned.builtin?.defaultConfiguration ?? {}) as JsonObject,
  );
}

/** Recipe variables in configuration values (nucleus ≥2.6 with interpolateComponentConfiguration; not {configuration:}). */
function interpolateConfigValues(value: unknown, replace: (text: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((v) => interpolateConfigValues(v, replace));
  if (typeof value === 'object' && value !== null) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateConfigValues(v, replace);
    return out;
  }
  return value;
}

export class Thing {
  readonly name: string;
  readonly connection: ThingConnection;
  readonly config: ConfigStore;
  readonly socketPath: string;
  private readonly ipc: IpcServer;
  private readonly components = new Map<string, Deployed>();
  private readonly tokens = new Map<string, string>();
  private readonly svcuids = new Map<string, string>();
  private readonly host: HostPlatform;
  private readonly defaultsByComponent = new Map<string, JsonObject>();

  constructor(private readonly options: ThingOptions) {
    this.name = options.name;
    this.host = options.host ?? hostPlatform();
    this.socketPath = resolve(options.rootDir, 'ipc.socket');
    this.connection = new ThingConnection({
      thingName: options.name,
      thingGroups: options.thingGroups,
      brokerUrl: options.brokerUrl,
      log: options.log,
    });
    this.config = createConfigStore();
    let bindPath = this.socketPath;
    if (bindPath.length >= MAX_SOCKET_PATH) {
      // Like the nucleus's `nucleusRoot` link: bind through a short symlink to the root folder.
      const link = join(
        tmpdir(),
        `lc-${createHash('sha256').update(options.rootDir).digest('hex').slice(0, 10)}`,
      );
      mkdirSync(options.rootDir, { recursive: true });
      rmSync(link, { force: true });
      symlinkSync(resolve(options.rootDir), link);
      bindPath = join(link, 'ipc.socket');
    }
    this.ipc = createIpcServer({
      socketPath: bindPath,
      thingName: options.name,
      authenticate: (token) => this.tokens.get(token),
      config: this.config,
      lifecycle: {
        reportState: (component, state) => {
          const deployed = this.components.get(component);
          if (deployed?.kind === 'process') deployed.runner.reportState(state);
        },
      },
      iotCore: this.connection,
      interpolateComponentConfiguration: options.interpolateComponentConfiguration,
      log: options.log,
    });
  }

  /** Creates the root, listens on the socket and connects to the cloud. */
  async start(): Promise<void> {
    mkdirSync(this.options.rootDir, { recursive: true });
    await this.ipc.listen();
    await this.connection.goOnline();
  }

  /** Stops every component (dependents first), the plugins, the socket and the cloud connection. */
  async stop(): Promise<void> {
    const order = this.startOrder([...this.components.keys()]).reverse();
    for (const name of order) await this.stopComponent(name);
    this.components.clear();
    await this.ipc.close();
    await this.connection.close();
  }

  async setCloud(online: boolean): Promise<void> {
    if (online) await this.connection.goOnline();
    else await this.connection.goOffline();
  }

  status(): ThingStatus {
    const components: Record<string, ComponentStatus> = {};
    for (const [name, deployed] of [...this.components.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      components[name] =
        deployed.kind === 'process'
          ? {
              version: deployed.version,
              type: 'generic',
              state: deployed.runner.state,
              restarts: deployed.restartsBefore + deployed.runner.restarts,
              statusReason: deployed.runner.statusReason,
            }
          : {
              version: deployed.version,
              type: 'plugin',
              state: deployed.state,
              restarts: 0,
              statusReason: deployed.statusReason,
            };
    }
    return {
      thingName: this.name,
      thingGroups: this.options.thingGroups,
      rootDir: this.options.rootDir,
      socketPath: this.socketPath,
      cloud: {
        online: this.connection.isOnline(),
        connected: this.connection.isConnected(),
        spooledMessages: this.connection.spooled(),
      },
      components,
    };
  }

  /**
   * Applies a deployment. `notify` carries the component-update policy (absent for the initial deployment
   * of `run`, when nothing runs yet). Validation problems reject the whole deployment and change nothing.
   */
  async deploy(
    deploymentId: string,
    targets: readonly ThingTarget[],
    recipes: ReadonlyMap<string, Recipe>,
    notify: { timeoutMs: number } | undefined,
    skipMissingRecipes: boolean,
  ): Promise<ThingDeploymentResult> {
    const warnings: string[] = [];
    let plan: Map<string, Planned>;
    try {
      plan = this.plan(targets, recipes, skipMissingRecipes, warnings);
    } catch (error) {
      return {
        status: 'FAILED',
        added: [],
        removed: [],
        restarted: [],
        reconfigured: [],
        deferrals: [],
        warnings,
        error: (error as Error).message,
      };
    }

    const newConfigs = new Map<string, JsonObject>();
    for (const planned of plan.values()) {
      const existing = this.components.get(planned.name);
      const current = existing ? (this.config.get(planned.name, []) as JsonObject | undefined) : undefined;
      const previousDefaults = existing ? this.defaultsByComponent.get(planned.name) : undefined;
      let resolved = resolveConfiguration(current, previousDefaults, planned.defaults, planned.update);
      if (this.options.interpolateComponentConfiguration) {
        resolved = interpolateConfigValues(resolved, (text) =>
          text.replace(/\{(iot:thingName|kernel:rootPath)\}/g, (_m, v: string) =>
            v === 'iot:thingName' ? this.name : this.options.rootDir,
          ),
        ) as JsonObject;
      }
      newConfigs.set(planned.name, resolved);
    }

    const removed = [...this.components.keys()].filter((name) => !plan.has(name));
    const added: string[] = [];
    const restart = new Set<string>();
    const reconfigured: string[] = [];
    for (const planned of plan.values()) {
      const existing = this.components.get(planned.name);
      const config = newConfigs.get(planned.name) ?? {};
      if (existing === undefined) {
        added.push(planned.name);
        continue;
      }
      const configChanged = !deepEqual(this.config.get(planned.name, []), config);
      if (configChanged) reconfigured.push(planned.name);
      if (
        existing.version !== planned.version ||
        (existing.kind === 'plugin') !== (planned.builtin !== undefined)
      ) {
        restart.add(planned.name);
      } else if (existing.kind === 'process' && existing.runner.state === 'BROKEN') {
        restart.add(planned.name);
      } else if (existing.kind === 'process' && planned.platform !== undefined) {
        const before = this.lifecycleSnapshot(
          existing.platform,
          existing.name,
          this.config.get(existing.name, []),
        );
        const after = this.lifecycleSnapshot(planned.platform, planned.name, config);
        if (before !== after) restart.add(planned.name);
      }
    }
    // HARD dependents restart with what they depend on.
    let grew = true;
    while (grew) {
      grew = false;
      for (const planned of plan.values()) {
        if (restart.has(planned.name) || !this.components.has(planned.name)) continue;
        const deps = planned.recipe?.dependencies ?? {};
        if (
          Object.entries(deps).some(
            ([dep, d]) => d.dependencyType === 'HARD' && (restart.has(dep) || removed.includes(dep)),
          )
        ) {
          restart.add(planned.name);
          grew = true;
        }
      }
    }

    // Install artifacts of new versions before anything stops, so a missing artifact changes nothing.
    const installed = new Map<string, InstalledArtifacts>();
    try {
      for (const planned of [...plan.values()]) {
        if (planned.recipe === undefined || planned.platform === undefined) continue;
        if (!added.includes(planned.name) && !restart.has(planned.name)) continue;
        try {
          installed.set(
            planned.name,
            installArtifacts(
              this.options.rootDir,
              this.options.artifactsDir,
              planned.name,
              planned.version,
              planned.platform.artifacts,
            ),
          );
        } catch (error) {
          if (!skipMissingRecipes) throw error;
          // The initial deployment of `run` skips what cannot be installed (e.g. not built yet).
          warnings.push(`${(error as Error).message}; ${planned.name} skipped`);
          this.options.log('things.deployment.component-skipped', {
            thing: this.name,
            component: planned.name,
            reason: (error as Error).message,
          });
          plan.delete(planned.name);
          added.splice(added.indexOf(planned.name), 1);
        }
      }
    } catch (error) {
      return {
        status: 'FAILED',
        added: [],
        removed: [],
        restarted: [],
        reconfigured: [],
        deferrals: [],
        warnings,
        error: (error as Error).message,
      };
    }

    let deferrals: string[] = [];
    if (notify !== undefined) {
      const answer = await this.ipc.updates.notifyPreUpdate(deploymentId, notify.timeoutMs);
      deferrals = answer.deferrals;
    }

    const toStop = this.startOrder([...removed, ...restart].filter((n) => this.components.has(n))).reverse();
    for (const name of toStop) await this.stopComponent(name);
    for (const name of removed) {
      this.components.delete(name);
      this.defaultsByComponent.delete(name);
    }

    for (const planned of plan.values()) {
      const config = newConfigs.get(planned.name) ?? {};
      if (!deepEqual(this.config.get(planned.name, []), config) || !this.components.has(planned.name)) {
        this.config.replace(planned.name, config);
      }
      this.defaultsByComponent.set(planned.name, planned.defaults);
      const existing = this.components.get(planned.name);
      if (existing?.kind === 'plugin' && !restart.has(planned.name) && reconfigured.includes(planned.name)) {
        for (const listener of existing.listeners) listener();
      }
    }

    const toStart = this.startOrder([...added, ...restart], plan);
    for (const name of toStart) {
      const planned = plan.get(name);
      if (planned === undefined) continue;
      const previous = this.components.get(name);
      const restartsBefore =
        previous?.kind === 'process' && previous.version === planned.version
          ? previous.restartsBefore + previous.runner.restarts
          : 0;
      if (planned.builtin !== undefined) {
        await this.startPlugin(planned);
      } else if (planned.recipe !== undefined && planned.platform !== undefined) {
        const paths = installed.get(name);
        if (paths === undefined) continue;
        this.createProcess(planned, paths, restartsBefore);
      }
    }
    for (const name of toStart) {
      const deployed = this.components.get(name);
      if (deployed?.kind === 'process') void deployed.runner.start();
    }

    if (notify !== undefined) this.ipc.updates.notifyPostUpdate(deploymentId);
    const result: ThingDeploymentResult = {
      status: 'SUCCEEDED',
      added,
      removed,
      restarted: [...restart],
      reconfigured: reconfigured.filter((n) => !restart.has(n)),
      deferrals,
      warnings,
    };
    this.options.log('things.deployment.applied', { thing: this.name, deploymentId, ...result });
    return result;
  }

  private plan(
    targets: readonly ThingTarget[],
    recipes: ReadonlyMap<string, Recipe>,
    skipMissingRecipes: boolean,
    warnings: string[],
  ): Map<string, Planned> {
    const plan = new Map<string, Planned>();
    const add = (
      name: string,
      version: string | undefined,
      update: ConfigurationUpdate | undefined,
      root: boolean,
    ) => {
      const builtin = builtinPlugins.get(name);
      const recipe = builtin === undefined ? findRecipe(recipes, name, version) : undefined;
      if (builtin === undefined && recipe === undefined) {
        const message = `no recipe for ${name}${version === undefined ? '' : `@${version}`} in the recipes folder`;
        if (root && !skipMissingRecipes) throw new Error(message);
        warnings.push(`${message}; skipped`);
        this.options.log('things.deployment.component-skipped', {
          thing: this.name,
          component: name,
          reason: message,
        });
        return;
      }
      const platform = recipe === undefined ? undefined : selectManifest(recipe, this.host);
      const resolvedVersion = recipe?.componentVersion ?? version ?? builtin?.componentVersion ?? '0.0.0';
      const entry: Planned = {
        name,
        version: resolvedVersion,
        recipe,
        builtin,
        platform,
        update,
        defaults: defaultsOf({ recipe, builtin }),
      };
      plan.set(name, entry);
    };
    for (const target of targets) add(target.name, target.version, target.update, true);
    // Dependencies the deployment does not list are resolved from the recipes folder or the built-ins.
    let pending = [...plan.values()];
    while (pending.length > 0) {
      const next: Planned[] = [];
      for (const planned of pending) {
        for (const dep of Object.keys(planned.recipe?.dependencies ?? {})) {
          if (plan.has(dep)) continue;
          add(dep, undefined, undefined, false);
          const added = plan.get(dep);
          if (added !== undefined) next.push(added);
        }
      }
      pending = next;
    }
    return plan;
  }

  private lifecycleSnapshot(platform: ResolvedPlatform, name: string, configuration: unknown): string {
    const paths = this.pathsOf(name, undefined);
    const replace = (text: string) => this.interpolateFor(name, text, configuration, paths);
    const lifecycle = platform.lifecycle;
    const steps = [
      lifecycle.install,
      lifecycle.startup,
      lifecycle.run,
      lifecycle.shutdown,
      lifecycle.recover,
    ];
    return JSON.stringify({
      setenv: Object.fromEntries(Object.entries(lifecycle.setenv).map(([k, v]) => [k, replace(v)])),
      steps: steps.map((s) =>
        s === undefined
          ? null
          : {
              ...s,
              script: replace(s.script),
              setenv: Object.fromEntries(Object.entries(s.setenv).map(([k, v]) => [k, replace(v)])),
            },
      ),
    });
  }

  private pathsOf(
    name: string,
    installed: InstalledArtifacts | undefined,
  ): ComponentPaths & { version?: string } {
    const deployed = this.components.get(name);
    const paths =
      installed ??
      (deployed?.kind === 'process'
        ? deployed.paths
        : {
            artifactsPath: join(
              this.options.rootDir,
              'packages',
              'artifacts',
              name,
              deployed?.version ?? '0.0.0',
            ),
            decompressedPath: join(
              this.options.rootDir,
              'packages',
              'artifacts-unarchived',
              name,
              deployed?.version ?? '0.0.0',
            ),
          });
    return {
      configuration: this.config.get(name, []),
      artifactsPath: paths.artifactsPath,
      decompressedPath: paths.decompressedPath,
      workPath: join(this.options.rootDir, 'work', name),
    };
  }

  private interpolateFor(name: string, text: string, configuration: unknown, own: ComponentPaths): string {
    const deployed = this.components.get(name);
    const dependencies = new Map<string, ComponentPaths>();
    const recipeDeps: Record<string, RecipeDependency> =
      deployed?.kind === 'process' ? deployed.recipe.dependencies : {};
    for (const dep of Object.keys(recipeDeps)) {
      if (this.components.has(dep)) dependencies.set(dep, this.pathsOf(dep, undefined));
    }
    return interpolate(text, {
      ...own,
      configuration,
      rootPath: this.options.rootDir,
      thingName: this.name,
      dependencies,
    });
  }

  private createProcess(planned: Planned, paths: InstalledArtifacts, restartsBefore: number): void {
    const name = planned.name;
    const platform = planned.platform;
    const recipe = planned.recipe;
    if (platform === undefined || recipe === undefined) return;
    let token = this.svcuids.get(name);
    if (token === undefined) {
      token = newSvcuid();
      this.svcuids.set(name, token);
      this.tokens.set(token, name);
    }
    const svcuid = token;
    const workDir = join(this.options.rootDir, 'work', name);
    mkdirSync(workDir, { recursive: true });
    if (platform.lifecycle.bootstrap !== undefined) {
      this.options.log('supervisor.component.bootstrap-ignored', {
        thing: this.name,
        component: name,
        message: 'local-core does not run Bootstrap steps (no nucleus restart or reboot to simulate)',
      });
    }
    const runner = new ComponentRunner({
      name,
      lifecycle: platform.lifecycle,
      workDir,
      logFile: join(this.options.rootDir, 'logs', `${name}.log`),
      interpolate: (text) =>
        this.interpolateFor(name, text, this.config.get(name, []), this.pathsOf(name, paths)),
      baseEnv: () => this.environment(svcuid),
      dependenciesReady: () => this.dependenciesReady(recipe),
      onStateChange: (changed) => this.dependencyChanged(changed),
      log: (event, fields) => this.options.log(event, { thing: this.name, ...fields }),
      ...(this.options.errorResetMs === undefined ? {} : { errorResetMs: this.options.errorResetMs }),
    });
    this.components.set(name, {
      kind: 'process',
      name,
      version: planned.version,
      recipe,
      platform,
      paths,
      runner,
      restartsBefore,
    });
  }

  private environment(svcuid: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    const socket = this.socketPath;
    Object.assign(env, {
      SVCUID: svcuid,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: svcuid,
      GG_ROOT_CA_PATH: '',
      AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH: socket,
      AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT:
        socket.length >= MAX_SOCKET_PATH ? '../../ipc.socket' : socket,
      AWS_IOT_THING_NAME: this.name,
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      GGC_VERSION: NUCLEUS_VERSION,
    });
    return env;
  }

  /**
   * NUC GreengrassService.dependencyReady: a SOFT dependency is always ready; a HARD one when RUNNING,
   * FINISHED or STOPPING. A dependency the thing does not run (not deployed) does not block.
   */
  private dependenciesReady(recipe: Recipe): boolean {
    return Object.entries(recipe.dependencies).every(
      ([dep, info]) => info.dependencyType === 'SOFT' || this.hardReady(dep),
    );
  }

  private hardReady(dep: string): boolean {
    const deployed = this.components.get(dep);
    if (deployed === undefined) return true;
    const state = deployed.kind === 'process' ? deployed.runner.state : deployed.state;
    return state === 'RUNNING' || state === 'FINISHED' || state === 'STOPPING';
  }

  /** A component changed state: restart HARD dependents it left not ready, and let waiting ones start. */
  private dependencyChanged(changed: string): void {
    for (const other of this.components.values()) {
      if (other.kind !== 'process') continue;
      const info = other.recipe.dependencies[changed];
      const state = other.runner.state;
      if (
        info?.dependencyType === 'HARD' &&
        (state === 'STARTING' || state === 'RUNNING') &&
        !this.hardReady(changed)
      ) {
        this.options.log('supervisor.component.dependency-restart', {
          thing: this.name,
          component: other.name,
          dependency: changed,
        });
        void other.runner.restart();
      } else {
        other.runner.poke();
      }
    }
  }

  private async startPlugin(planned: Planned): Promise<void> {
    const builtin = planned.builtin;
    if (builtin === undefined) return;
    const listeners = new Set<() => void>();
    const plugin = builtin.create();
    const deployed: PluginComponent = {
      kind: 'plugin',
      name: planned.name,
      version: planned.version,
      builtin,
      plugin,
      listeners,
      state: 'STARTING',
      statusReason: 'starting',
    };
    this.components.set(planned.name, deployed);
    const context: PluginContext = {
      thingName: this.name,
      rootDir: this.options.rootDir,
      config: () => {
        const value = this.config.get(planned.name, []);
        return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
      },
      onConfigChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      bus: this.ipc.bus,
      operations: this.ipc.operations,
      cloud: this.connection,
      log: (event, fields) =>
        this.options.log(event, { thing: this.name, component: planned.name, ...fields }),
    };
    try {
      await plugin.start(context);
      deployed.state = 'RUNNING';
      deployed.statusReason = 'started';
    } catch (error) {
      deployed.state = 'ERRORED';
      deployed.statusReason = String(error);
      this.options.log('things.plugin.start-failed', {
        thing: this.name,
        component: planned.name,
        error: String(error),
      });
    }
    this.dependencyChanged(planned.name);
  }

  private async stopComponent(name: string): Promise<void> {
    const deployed = this.components.get(name);
    if (deployed === undefined) return;
    if (deployed.kind === 'process') {
      await deployed.runner.close();
    } else {
      try {
        await deployed.plugin.stop();
      } catch (error) {
        this.options.log('things.plugin.stop-failed', {
          thing: this.name,
          component: name,
          error: String(error),
        });
      }
      deployed.state = 'FINISHED';
      deployed.listeners.clear();
    }
  }

  /** Dependencies first (plugins before the generic components that need them). */
  private startOrder(names: readonly string[], plan?: ReadonlyMap<string, Planned>): string[] {
    const wanted = new Set(names);
    const out: string[] = [];
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const deployed = this.components.get(name);
      const recipe = plan?.get(name)?.recipe ?? (deployed?.kind === 'process' ? deployed.recipe : undefined);
      for (const dep of Object.keys(recipe?.dependencies ?? {})) visit(dep);
      if (wanted.has(name)) out.push(name);
    };
    const sorted = [...names].sort((a, b) => {
      const pa = builtinPlugins.has(a) ? 0 : 1;
      const pb = builtinPlugins.has(b) ? 0 : 1;
      return pa - pb || a.localeCompare(b);
    });
    for (const name of sorted) visit(name);
    return out;
  }
}
