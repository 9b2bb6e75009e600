/**
 * The AWS IoT Device Shadow service stand-in: the cloud copy of every thing's shadows (own version
 * counters, 8 KB limit, durable under local-core's state folder), the IoT data-plane shadow REST API
 * (Get/Update/DeleteThingShadow, ListNamedShadowsForThing, with AWS's response and error shapes so
 * @aws-sdk/client-iot-data-plane works against it), the shadow topics on the IoT Core stand-in, and
 * the registration through which each thing's ShadowManager finds it.
 */
import { join } from 'node:path';
import { NodeFileSystem } from '../../../components/shared/runtime/node-file-system.ts';
import type { CloudApiHandler, CloudService, CloudServiceContext } from '../nucleus/services.ts';
import {
  clientTokenOf,
  DEFAULT_DOCUMENT_SIZE,
  type JsonObject,
  parseShadowTopic,
  ShadowRequestError,
  validateNames,
} from './document.ts';
import { registerCloudShadows } from './registry.ts';
import { ShadowBook } from './shadow-book.ts';

type ApiResponse = Awaited<ReturnType<CloudApiHandler>>;

const ERROR_TYPES: Record<number, string> = {
  400: 'InvalidRequestException',
  401: 'UnauthorizedException',
  403: 'ForbiddenException',
  404: 'ResourceNotFoundException',
  409: 'ConflictException',
  413: 'RequestEntityTooLargeException',
  415: 'UnsupportedDocumentEncodingException',
  429: 'ThrottlingException',
  500: 'InternalFailureException',
};

/** An AWS-shaped error response: `x-amzn-ErrorType` names the exception; the body carries `message`. */
function errorResponse(status: number, message: string): ApiResponse {
  const type = ERROR_TYPES[status] ?? 'InternalFailureException';
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: { code: status, message, __type: type },
  };
}

function json(body: JsonObject): ApiResponse {
  return { status: 200, headers: { 'content-type': 'application/json' }, body };
}

/** The request body as an update payload: raw bytes, text, or what the server already parsed. */
function payloadOf(body: unknown): unknown {
  if (body === undefined || body === null) return '';
  if (body instanceof Uint8Array || typeof body === 'string') return body;
  return body;
}

export class CloudShadowService implements CloudService {
  readonly name = 'iot-device-shadow';
  private book: ShadowBook | undefined;
  private readonly cleanups: (() => void)[] = [];

  /** The cloud shadows (for tests and tools). */
  get shadows(): ShadowBook {
    if (!this.book) throw new Error('cloud shadow service is not started');
    return this.book;
  }

  async start(context: CloudServiceContext): Promise<void> {
    const fs = new NodeFileSystem();
    const dir = join(context.stateDir, 'cloud-shadows');
    await fs.mkdirp(dir);
    const book = new ShadowBook({
      file: join(dir, 'shadows.json'),
      fs,
      sizeLimit: () => DEFAULT_DOCUMENT_SIZE,
      now: () => Date.now(),
      publish: (topic, payload) => {
        context.broker.publish(topic, Buffer.from(JSON.stringify(payload))).catch((error: unknown) => {
          context.log('cloud-shadow.publish.failed', { topic, error: String(error) });
        });
      },
    });
    await book.load();
    this.book = book;

    context.route('GET', '/things/:thingName/shadow', (req) =>
      this.call(() => book.get(req.params.thingName ?? '', shadowNameOf(req.query), undefined, false)),
    );
    context.route('POST', '/things/:thingName/shadow', (req) =>
      this.call(() => book.update(req.params.thingName ?? '', shadowNameOf(req.query), payloadOf(req.body))),
    );
    context.route('DELETE', '/things/:thingName/shadow', (req) =>
      this.call(() => book.delete(req.params.thingName ?? '', shadowNameOf(req.query))),
    );
    context.route('GET', '/api/things/shadow/ListNamedShadowsForThing/:thingName', async (req) =>
      this.call(async () => {
        const pageSize = req.query.get('pageSize');
        const result = book.list(
          req.params.thingName ?? '',
          req.query.get('nextToken') ?? undefined,
          pageSize === null ? undefined : Number(pageSize),
        );
        return result as unknown as JsonObject;
      }),
    );

    const unsubscribe = await context.broker.subscribe('$aws/things/+/shadow/#', (topic, payload) => {
      void this.onMqttRequest(book, topic, payload);
    });
    this.cleanups.push(unsubscribe, registerCloudShadows(context.things.values(), { book }));
    context.log('cloud-shadow.started', { things: [...context.things.keys()] });
  }

  async stop(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.book?.flush();
  }

  private async call(body: () => Promise<JsonObject>): Promise<ApiResponse> {
    try {
      return json(await body());
    } catch (error) {
      if (error instanceof ShadowRequestError) return errorResponse(error.code, error.message);
      return errorResponse(500, 'Internal service failure');
    }
  }

  /** Device-side MQTT shadow requests (`…/get`, `…/update`, `…/delete`) sent to the IoT Core stand-in. */
  private async onMqttRequest(book: ShadowBook, topic: string, payload: Uint8Array): Promise<void> {
    const parsed = parseShadowTopic(topic);
    if (!parsed || parsed.suffix !== undefined) return;
    const { thingName, shadowName, operation } = parsed;
    try {
      validateNames(thingName, shadowName);
      const token = clientTokenOf(payload);
      if (operation === 'update') await book.update(thingName, shadowName, payload);
      else if (operation === 'get') await book.get(thingName, shadowName, token);
      else await book.delete(thingName, shadowName, token);
    } catch {
      // the book has published `/rejected` to the requester
    }
  }
}

function shadowNameOf(query: URLSearchParams): string {
  return query.get('name') ?? '';
}

/** A fresh cloud shadow service (one per local-core). */
export function createCloudShadowService(): CloudShadowService {
  return new CloudShadowService();
}
