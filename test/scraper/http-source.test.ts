/** A source read over HTTP from a real loopback server, through the core. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScraper } from '../../components/scraper/src/scraper.ts';
import { SystemClock } from '../../components/shared/runtime/system-clock.ts';
import { InMemoryBus, MemoryFileSystem, RecordingLogger, RecordingMetrics } from '../fakes/index.ts';
import { configWith, fixtureText, icsSource } from './helpers.ts';

const FEED = fixtureText('ics/odoral-sportscalendars_gent_20250204T0138_386fb1c.ics');
let server: Server;
let base: string;
const conditional: (string | undefined)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    conditional.push(req.headers['if-none-match']);
    if (req.headers['if-none-match'] === '"gent-1"') res.writeHead(304).end();
    else res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', etag: '"gent-1"' }).end(FEED);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

describe('an http source', () => {
  it('gives the same ok snapshot content when the server answers 304 the second time', async () => {
    const bus = new InMemoryBus();
    const unused = () => {
      throw new Error('unused');
    };
    const scraper = createScraper({
      config: configWith([icsSource('tv', `${base}/gent.ics`)]),
      pubsub: bus.endpoint('scraper'),
      iotCore: { publish: unused, subscribe: unused },
      shadows: { get: unused, update: unused, delete: unused },
      lifecycle: { reportState: async () => undefined, onUpdate: unused, deferUpdate: unused },
      clock: new SystemClock(),
      logger: new RecordingLogger(),
      metrics: new RecordingMetrics(),
      fs: new MemoryFileSystem(),
      workDir: '/work',
      thingName: 't',
    });
    const first = await scraper.scrapeNow();
    const second = await scraper.scrapeNow();
    expect(conditional).toEqual([undefined, '"gent-1"']);
    expect([first.ok, second.ok]).toEqual([true, true]);
    expect(second.fixtures).toEqual(first.fixtures);
    expect(second.fixtures.map((f) => f.key)).toEqual(['2024-25:uecl:kaa-gent:real-betis#1']);
  });
});
