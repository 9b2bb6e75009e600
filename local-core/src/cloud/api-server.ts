/**
 * The one loopback HTTP server behind which simulated AWS REST APIs (IoT data plane, Jobs, …) are
 * routed. Routes are `METHOD /path/:param`; bodies are JSON. Unknown routes answer 404 in AWS's
 * error shape; a throwing handler answers 500 and never stops the server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { CloudApiHandler } from '../nucleus/services.ts';

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: CloudApiHandler;
}

/** Matches `/things/:thingName/shadow` against a path; returns decoded params or undefined. */
export function matchRoute(pattern: readonly string[], path: string): Record<string, string> | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length !== pattern.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const expected = pattern[i] as string;
    const actual = parts[i] as string;
    if (expected.startsWith(':')) {
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

export interface ApiServer {
  readonly port: number;
  route(method: string, pattern: string, handler: CloudApiHandler): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_048_576;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
    ...headers,
  });
  response.end(text);
}

/** Starts the API server on 127.0.0.1:`port` (0 = random). */
export async function startApiServer(
  port: number,
  log: (event: string, fields?: Record<string, unknown>) => void,
): Promise<ApiServer> {
  const routes: Route[] = [];
  const server: Server = createServer((request, response) => {
    void handle(request, response);
  });
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://127.0.0.1');
    } catch {
      // An absolute-form target such as `http://[` passes the HTTP parser but not URL: a bad request, not a crash.
      send(response, 400, {
        message: `Invalid request target ${request.url}`,
        __type: 'BadRequestException',
      });
      return;
    }
    const method = (request.method ?? 'GET').toUpperCase();
    let route: Route | undefined;
    let params: Record<string, string> | undefined;
    for (const candidate of routes) {
      if (candidate.method !== method) continue;
      params = matchRoute(candidate.segments, url.pathname);
      if (params !== undefined) {
        route = candidate;
        break;
      }
    }
    if (route === undefined || params === undefined) {
      send(response, 404, {
        message: `No route for ${method} ${url.pathname}`,
        __type: 'ResourceNotFoundException',
      });
      return;
    }
    try {
      const text = await readBody(request);
      let body: unknown;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const result = await route.handler({
        method,
        path: url.pathname,
        params,
        query: url.searchParams,
        body,
      });
      send(response, result.status, result.body, result.headers);
    } catch (error) {
      log('cloud.api.handler-failed', { method, path: url.pathname, error: String(error) });
      send(response, 500, { message: String(error), __type: 'InternalFailureException' });
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  return {
    port: actualPort,
    route(method, pattern, handler) {
      routes.push({
        method: method.toUpperCase(),
        segments: pattern.split('/').filter((p) => p !== ''),
        handler,
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
