import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiServer, matchRoute, startApiServer } from '../../../local-core/src/cloud/api-server.ts';

describe('cloud API server', () => {
  let server: ApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('matches path parameters and decodes them', () => {
    expect(matchRoute(['things', ':thingName', 'shadow'], '/things/pi%3Akitchen/shadow')).toEqual({
      thingName: 'pi:kitchen',
    });
    expect(matchRoute(['things', ':thingName', 'shadow'], '/things/a/b/shadow')).toBeUndefined();
  });

  it('routes by method and path, passing the JSON body and query', async () => {
    server = await startApiServer(0, () => undefined);
    server.route('POST', '/things/:thingName/shadow', async (request) => ({
      status: 200,
      body: { thing: request.params.thingName, body: request.body, name: request.query.get('name') },
    }));
    const response = await fetch(`http://127.0.0.1:${server.port}/things/T1/shadow?name=cfg`, {
      method: 'POST',
      body: JSON.stringify({ state: { desired: { on: true } } }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      thing: 'T1',
      body: { state: { desired: { on: true } } },
      name: 'cfg',
    });
  });

  it('answers 404 for an unknown route and 500 for a failing handler, and keeps serving', async () => {
    server = await startApiServer(0, () => undefined);
    server.route('GET', '/boom', async () => {
      throw new Error('bad');
    });
    server.route('GET', '/ok', async () => ({ status: 200, body: { ok: true } }));
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/boom`)).status).toBe(500);
    expect(await (await fetch(`${base}/ok`)).json()).toEqual({ ok: true });
  });

  it('answers 400 to a request target that is not a URL, and keeps serving', async () => {
    server = await startApiServer(0, () => undefined);
    server.route('GET', '/ok', async () => ({ status: 200, body: { ok: true } }));
    const port = server.port;
    const statusLine = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write('GET http://[ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'),
      );
      let text = '';
      const done = () => resolve(text.split('\r\n')[0] ?? '');
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('close', done);
      socket.on('error', done);
      setTimeout(() => socket.destroy(), 2_000).unref();
    });
    expect(statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(await (await fetch(`http://127.0.0.1:${port}/ok`)).json()).toEqual({ ok: true });
  });
});
