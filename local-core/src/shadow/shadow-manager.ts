/**
 * aws.greengrass.ShadowManager as a local-core plugin: serves the local shadow IPC operations (with
 * the aws.greengrass.ShadowManager accessControl check), the `$aws/things/+/shadow/#` local pub/sub
 * requests, publishes the local shadow topics as binaryMessage, keeps shadows durably under the thing's
 * root, and synchronises the listed shadows with the cloud shadow service. Never syncs an unlisted shadow.
 */
import { join } from 'node:path';
import { NodeFileSystem } from '../../../components/shared/runtime/node-file-system.ts';
import type { IpcCaller, IpcErrorShape, NucleusPlugin, PluginContext } from '../nucleus/services.ts';
import { parseShadowManagerConfig, type ShadowManagerConfig } from './config.ts';
import {
  clientTokenOf,
  type JsonObject,
  parseShadowTopic,
  rejectedMessage,
  ShadowRequestError,
  shadowTopicPrefix,
  validateNames,
} from './document.ts';
import { ShadowBook } from './shadow-book.ts';
import { ShadowSynchronizer } from './sync.ts';

export const SHADOW_MANAGER = 'aws.greengrass.ShadowManager';
const OPERATIONS = [
  'GetThingShadow',
  'UpdateThingShadow',
  'DeleteThingShadow',
  'ListNamedShadowsForThing',
] as const;

/** A modeled IPC error, sent by the IPC server as the nucleus sends it. */
export class IpcError extends Error implements IpcErrorShape {
  readonly extra?: Record<string, unknown>;
  constructor(
    readonly errorCode: string,
    message: string,
    extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = errorCode;
    if (extra !== undefined) this.extra = extra;
  }
}

const encode = (payload: JsonObject) => Buffer.from(JSON.stringify(payload));

function decodeBlob(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  return undefined;
}

export class ShadowManagerPlugin implements NucleusPlugin {
  readonly name = SHADOW_MANAGER;
  private context: PluginContext | undefined;
  private book: ShadowBook | undefined;
  private sync: ShadowSynchronizer | undefined;
  private config: ShadowManagerConfig | undefined;
  private readonly cleanups: (() => void)[] = [];

  /** The local shadows (for tests and tools). */
  get shadows(): ShadowBook {
    if (!this.book) throw new Error('ShadowManager is not started');
    return this.book;
  }

  /** Resolves when queued synchronisations have finished. */
  async syncIdle(): Promise<void> {
    await this.sync?.idle();
  }

  async start(context: PluginContext): Promise<void> {
    this.context = context;
    this.config = parseShadowManagerConfig(context.config(), context.thingName);
    const dir = join(context.rootDir, 'work', SHADOW_MANAGER);
    const fs = new NodeFileSystem();
    await fs.mkdirp(dir);
    const book = new ShadowBook({
      file: join(dir, 'shadows.json'),
      fs,
      sizeLimit: () => this.config?.sizeLimit ?? 8192,
      now: () => Date.now(),
      publish: (topic, payload) => context.bus.publish(topic, { binary: encode(payload) }, SHADOW_MANAGER),
    });
    await book.load();
    this.book = book;

    for (const operation of OPERATIONS) {
      context.operations.register(operation, (request, caller) => this.handle(operation, request, caller));
    }
    this.cleanups.push(
      context.bus.subscribe(
        '$aws/things/+/shadow/#',
        (topic, message) => void this.onLocalRequest(topic, message),
        SHADOW_MANAGER,
      ),
      context.onConfigChange(() => this.reconfigure()),
    );
    this.sync = new ShadowSynchronizer(book, context.cloud, context.log);
    this.sync.start(this.config.sync);
    context.log('shadow-manager.started', {
      sizeLimit: this.config.sizeLimit,
      synchronized: [...this.config.sync.shadows],
      direction: this.config.sync.direction,
    });
  }

  async stop(): Promise<void> {
    for (const operation of OPERATIONS) this.context?.operations.unregister(operation);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.sync?.stop();
    await this.book?.flush();
  }

  private reconfigure(): void {
    const context = this.context;
    if (!context) return;
    try {
      this.config = parseShadowManagerConfig(context.config(), context.thingName);
      this.sync?.reconfigure(this.config.sync);
      context.log('shadow-manager.reconfigured', { synchronized: [...this.config.sync.shadows] });
    } catch (error) {
      context.log('shadow-manager.config.invalid', { error: (error as Error).message });
    }
  }

  private async handle(
    operation: (typeof OPERATIONS)[number],
    request: Record<string, unknown>,
    caller: IpcCaller,
  ) {
    const book = this.shadows;
    const thingName = request.thingName;
    const shadowName = typeof request.shadowName === 'string' ? request.shadowName : '';
    try {
      if (operation === 'ListNamedShadowsForThing') {
        validateNames(thingName, '');
        caller.authorize(SHADOW_MANAGER, `aws.greengrass#${operation}`, thingName as string);
        const pageSize =
          request.pageSize === undefined || request.pageSize === null ? undefined : Number(request.pageSize);
        const nextToken = typeof request.nextToken === 'string' ? request.nextToken : undefined;
        return book.list(thingName as string, nextToken, pageSize);
      }
      validateNames(thingName, request.shadowName);
      const thing = thingName as string;
      const payload = operation === 'UpdateThingShadow' ? decodeBlob(request.payload) : undefined;
      if (operation === 'UpdateThingShadow' && (payload === undefined || payload.length === 0)) {
        throw new ShadowRequestError(400, 'Missing update payload');
      }
      this.authorize(caller, operation, thing, shadowName, payload);
      if (operation === 'GetThingShadow') {
        return { payload: encode(await book.get(thing, shadowName)).toString('base64') };
      }
      if (operation === 'UpdateThingShadow') {
        return { payload: encode(await book.update(thing, shadowName, payload)).toString('base64') };
      }
      await book.delete(thing, shadowName);
      return { payload: '' };
    } catch (error) {
      throw toIpcError(error, shadowName);
    }
  }

  private authorize(
    caller: IpcCaller,
    operation: string,
    thingName: string,
    shadowName: string,
    payload: Uint8Array | undefined,
  ): void {
    try {
      caller.authorize(
        SHADOW_MANAGER,
        `aws.greengrass#${operation}`,
        shadowTopicPrefix(thingName, shadowName),
      );
    } catch (error) {
      const op =
        operation === 'GetThingShadow' ? 'get' : operation === 'UpdateThingShadow' ? 'update' : 'delete';
      const token = payload ? clientTokenOf(payload) : undefined;
      this.context?.bus.publish(
        `${shadowTopicPrefix(thingName, shadowName)}/${op}/rejected`,
        {
          binary: encode(
            rejectedMessage(
              new ShadowRequestError(401, 'Unauthorized'),
              Math.floor(Date.now() / 1000),
              token,
            ),
          ),
        },
        SHADOW_MANAGER,
      );
      throw error;
    }
  }

  /** Requests published on the local `…/shadow/…/get|update|delete` topics (run as ShadowManager itself). */
  private async onLocalRequest(
    topic: string,
    message: { json: unknown } | { binary: Uint8Array },
  ): Promise<void> {
    const parsed = parseShadowTopic(topic);
    if (!parsed || parsed.suffix !== undefined) return;
    const { thingName, shadowName, operation } = parsed;
    const body = 'json' in message ? message.json : Buffer.from(message.binary).toString('utf8');
    const token = clientTokenOf(body);
    const book = this.shadows;
    try {
      if (operation === 'update') await book.update(thingName, shadowName, body);
      else if (operation === 'get') await book.get(thingName, shadowName, token);
      else await book.delete(thingName, shadowName, token);
    } catch (error) {
      if (!(error instanceof ShadowRequestError)) {
        this.context?.log('shadow-manager.request.failed', { topic, error: String(error) });
      }
    }
  }
}

function toIpcError(error: unknown, shadowName: string): unknown {
  if (error instanceof ShadowRequestError) {
    if (error.code === 404) {
      return new IpcError('ResourceNotFoundError', error.message, {
        resourceType: 'shadow',
        resourceName: shadowName,
      });
    }
    return new IpcError(error.ipcErrorCode, error.message);
  }
  return error;
}

/** A fresh plugin instance (one per thing). */
export function createShadowManagerPlugin(): ShadowManagerPlugin {
  return new ShadowManagerPlugin();
}
