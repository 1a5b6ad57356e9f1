/** The client against a fake `fetch`: request shape, paging, errors. (test/cli-rest.test.ts runs it against a real server.) */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { PlazaRestClient, PlazaRestError } from './index.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function fakeFetch(respond: (req: Seen) => Response | Promise<Response>): { fetch: typeof fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req: Seen = {
      method: init?.method ?? 'GET',
      url: String(input),
      headers: init?.headers as Record<string, string>,
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    seen.push(req);
    return respond(req);
  };
  return { fetch: fn as typeof fetch, seen };
}

const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

test('Basic auth, form-encoded PascalCase parameters, encoded path segments, base path kept', async () => {
  const { fetch, seen } = fakeFetch(() => json({ sid: 'RM1' }, 201));
  const plaza = new PlazaRestClient({ baseUrl: 'https://plaza.example.com/proxy/', apiKeySid: 'SKx', apiKeySecret: 's:cret', fetch });
  await plaza.rooms.create({ uniqueName: 'a b', maxParticipants: 4, audioOnly: true, videoCodecs: ['VP8', 'H264'] });
  assert.equal(seen[0]!.method, 'POST');
  assert.equal(seen[0]!.url, 'https://plaza.example.com/proxy/v1/Rooms');
  assert.equal(seen[0]!.headers.authorization, 'Basic ' + Buffer.from('SKx:s:cret').toString('base64'));
  assert.equal(seen[0]!.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.deepEqual(Object.fromEntries(new URLSearchParams(seen[0]!.body)), { UniqueName: 'a b', MaxParticipants: '4', AudioOnly: 'true', VideoCodecs: 'VP8,H264' });
  await plaza.participants('room/1').fetch('zoë');
  assert.equal(seen[1]!.url, 'https://plaza.example.com/proxy/v1/Rooms/room%2F1/Participants/zo%C3%AB');
  const byAccount = new PlazaRestClient({ baseUrl: 'http://h', accountSid: 'ACx', authToken: 'tok', fetch });
  await byAccount.rooms.fetch('r');
  assert.equal(seen[2]!.headers.authorization, 'Basic ' + Buffer.from('ACx:tok').toString('base64'));
});

test('list follows next_page_url (its query, on the client’s own origin) and stops at the limit', async () => {
  const all = Array.from({ length: 5 }, (_, i) => ({ sid: `RM${i}` }));
  const { fetch, seen } = fakeFetch((req) => {
    const u = new URL(req.url);
    const size = Number(u.searchParams.get('PageSize') ?? 50);
    const page = Number(u.searchParams.get('Page') ?? 0);
    const more = (page + 1) * size < all.length;
    // A server behind a TLS proxy may think it is plain http on another host.
    const next = more ? `http://internal:7880/v1/Rooms?Status=completed&PageSize=${size}&Page=${page + 1}` : null;
    return json({ rooms: all.slice(page * size, (page + 1) * size), meta: { key: 'rooms', page, page_size: size, next_page_url: next } });
  });
  const plaza = new PlazaRestClient({ baseUrl: 'https://plaza.example.com', apiKeySid: 'SK', apiKeySecret: 's', fetch });
  const rooms = await plaza.rooms.list({ status: 'completed' }, { pageSize: 2 }).toArray();
  assert.deepEqual(rooms.map((r) => r.sid), ['RM0', 'RM1', 'RM2', 'RM3', 'RM4']);
  assert.equal(seen.length, 3);
  assert.ok(seen.every((s) => s.url.startsWith('https://plaza.example.com/v1/Rooms?')), 'never leaves the configured origin');
  seen.length = 0;
  const three = await plaza.rooms.list({}, { limit: 3 }).toArray();
  assert.equal(three.length, 3);
  assert.equal(new URL(seen[0]!.url).searchParams.get('PageSize'), '3', 'pageSize defaults to the limit');
  assert.equal(seen.length, 1);
  const page = await plaza.rooms.page({}, { pageSize: 2, page: 2 });
  assert.deepEqual([page.items.length, page.hasNextPage, await page.nextPage()], [1, false, null]);
});

test('errors: Twilio body → PlazaRestError; other bodies keep the HTTP status; network errors name the request', async () => {
  const body = { code: 20404, message: 'The requested resource /Rooms/nope was not found', more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 };
  let plaza = new PlazaRestClient({ baseUrl: 'http://h', apiKeySid: 'SK', apiKeySecret: 's', fetch: fakeFetch(() => json(body, 404)).fetch });
  await assert.rejects(plaza.rooms.fetch('nope'), (err: unknown) => {
    assert.ok(err instanceof PlazaRestError);
    assert.deepEqual([err.status, err.code, err.message, err.moreInfo, err.request], [404, 20404, body.message, body.more_info, 'GET http://h/v1/Rooms/nope']);
    return true;
  });
  plaza = new PlazaRestClient({ baseUrl: 'http://h', apiKeySid: 'SK', apiKeySecret: 's', fetch: fakeFetch(() => new Response('<h1>Bad Gateway</h1>', { status: 502, statusText: 'Bad Gateway' })).fetch });
  await assert.rejects(plaza.rooms.fetch('x'), (err: unknown) => err instanceof PlazaRestError && err.code === 502 && /Bad Gateway/.test(err.message));
  const closedPort = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  plaza = new PlazaRestClient({ baseUrl: `http://127.0.0.1:${closedPort}`, apiKeySid: 'SK', apiKeySecret: 's' });
  await assert.rejects(plaza.rooms.fetch('x'), new RegExp(`^Error: GET http://127\\.0\\.0\\.1:${closedPort}/v1/Rooms/x failed: ECONNREFUSED$`));
  assert.throws(() => new PlazaRestClient({ baseUrl: 'http://h', apiKeySid: '', apiKeySecret: '' }), TypeError);
});
