/** Fetch behaviour against a real HTTP server on 127.0.0.1. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError } from '../../components/scraper/src/errors.ts';
import { DocumentFetcher, type FetchPolicy } from '../../components/scraper/src/http-fetch.ts';
import { SystemClock } from '../../components/shared/runtime/system-clock.ts';
import { MemoryFileSystem } from '../fakes/index.ts';

const ICS = 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n';
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Handler>();
const seen: IncomingMessage[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    const handler = routes.get(req.url ?? '');
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

const policy: FetchPolicy = {
  timeoutMs: 500,
  retries: 2,
  backoffBaseMs: 10,
  backoffMaxMs: 40,
  maxBytes: 10_000,
  maxRedirects: 2,
  userAgent: 'matchday-alert-scraper/test',
  contentTypes: ['text/calendar'],
};

const fetcher = () => new DocumentFetcher(new SystemClock(), new MemoryFileSystem(), '/work');
const hits = (path: string) => seen.filter((r) => r.url === path).length;
const calendar: Handler = (_req, res) =>
  res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8' }).end(ICS);

describe('DocumentFetcher over HTTP', () => {
  it('fetches a document and names the project in its User-Agent', async () => {
    routes.set('/ok', calendar);
    const result = await fetcher().fetch(`${base}/ok`, policy);
    expect(result.body).toBe(ICS);
    expect(seen.findLast((r) => r.url === '/ok')?.headers['user-agent']).toBe('matchday-alert-scraper/test');
  });

  it('gives up on a server that never answers within the timeout, after its retries', async () => {
    routes.set('/hang', () => undefined);
    const error = await fetcher()
      .fetch(`${base}/hang`, policy)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).message).toMatch(/within 500 ms/);
    expect(hits('/hang')).toBe(3);
  });

  it('gives up on a slow drip that never completes within the timeout', async () => {
    routes.set('/drip', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/calendar' });
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write('X')), 50);
    });
    const error = await fetcher()
      .fetch(`${base}/drip`, { ...policy, retries: 0 })
      .catch((e: unknown) => e);
    expect((error as FetchError).message).toMatch(/No complete response .* within 500 ms/);
  });

  it('sends the validators back and reuses the last body on 304', async () => {
    routes.set('/etag', (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') res.writeHead(304).end();
      else
        res
          .writeHead(200, {
            'content-type': 'text/calendar',
            etag: '"v1"',
            'last-modified': 'Tue, 01 Sep 2026 10:00:00 GMT',
          })
          .end(ICS);
    });
    const f = fetcher();
    const first = await f.fetch(`${base}/etag`, policy);
    const second = await f.fetch(`${base}/etag`, policy);
    expect([first.notModified, second.notModified, second.body]).toEqual([false, true, ICS]);
    const last = seen.findLast((r) => r.url === '/etag')!;
    expect([last.headers['if-none-match'], last.headers['if-modified-since']]).toEqual([
      '"v1"',
      'Tue, 01 Sep 2026 10:00:00 GMT',
    ]);
  });

  it('retries a 500 with backoff and succeeds when the server recovers', async () => {
    let calls = 0;
    routes.set('/flaky', (req, res) => (++calls < 3 ? res.writeHead(500).end() : calendar(req, res)));
    const result = await fetcher().fetch(`${base}/flaky`, policy);
    expect([result.body, calls]).toEqual([ICS, 3]);
  });

  it('fails on a 500 that persists past the retries, saying so', async () => {
    routes.set('/down', (_req, res) => res.writeHead(500).end());
    await expect(fetcher().fetch(`${base}/down`, policy)).rejects.toThrow(/got 500/);
  });

  it('does not retry a 404', async () => {
    await expect(fetcher().fetch(`${base}/missing`, policy)).rejects.toThrow(/got 404/);
    expect(hits('/missing')).toBe(1);
  });

  it('refuses a body larger than the limit while it streams', async () => {
    routes.set('/huge', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/calendar' });
      for (let i = 0; i < 20; i++) res.write('X'.repeat(1000));
      res.end();
    });
    await expect(fetcher().fetch(`${base}/huge`, policy)).rejects.toThrow(/at most 10000 bytes/);
  });

  it('refuses a declared Content-Length larger than the limit before reading', async () => {
    routes.set('/declared', (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/calendar', 'content-length': '50000' })
        .end('X'.repeat(50_000)),
    );
    await expect(fetcher().fetch(`${base}/declared`, policy)).rejects.toThrow(/50000 declared/);
  });

  it('refuses a wrong content type, naming what it got', async () => {
    routes.set('/html', (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'),
    );
    await expect(fetcher().fetch(`${base}/html`, policy)).rejects.toThrow(
      'Expected content type text/calendar, got `text/html`',
    );
  });

  it('follows redirects up to the limit', async () => {
    routes.set('/r1', (_req, res) => res.writeHead(301, { location: '/r2' }).end());
    routes.set('/r2', (_req, res) => res.writeHead(302, { location: `${base}/ok` }).end());
    routes.set('/ok', calendar);
    expect((await fetcher().fetch(`${base}/r1`, policy)).body).toBe(ICS);
  });

  it('stops at a redirect loop', async () => {
    routes.set('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
    await expect(fetcher().fetch(`${base}/loop`, policy)).rejects.toThrow(/at most 2 redirects/);
  });

  it('refuses a redirect to a non-http scheme', async () => {
    routes.set('/to-file', (_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    await expect(fetcher().fetch(`${base}/to-file`, policy)).rejects.toThrow(/http\(s\) URL/);
  });
});

describe('DocumentFetcher over file: URLs', () => {
  it('resolves a relative file: URL against the work folder', async () => {
    const fs = new MemoryFileSystem();
    fs.files.set('/work/feeds/demo.ics', new TextEncoder().encode(ICS));
    const f = new DocumentFetcher(new SystemClock(), fs, '/work');
    expect((await f.fetch('file:feeds/demo.ics', policy)).body).toBe(ICS);
    expect((await f.fetch('file:///work/feeds/demo.ics', policy)).body).toBe(ICS);
  });

  it('fails on a missing file and on a file over the size limit', async () => {
    const fs = new MemoryFileSystem();
    fs.files.set('/work/big.ics', new Uint8Array(20_000));
    const f = new DocumentFetcher(new SystemClock(), fs, '/work');
    await expect(f.fetch('file:nope.ics', policy)).rejects.toThrow('File not found: /work/nope.ics');
    await expect(f.fetch('file:big.ics', policy)).rejects.toThrow(/at most 10000 bytes/);
  });
});
