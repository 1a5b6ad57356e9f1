/**
 * The demo's HTTP side with real HTTP: `POST /demo/token` (rules, errors, a grant limited to one
 * demo room, checked by joining), the app's files at /, and `--no-demo` / PLAZA_DEMO turning both
 * off, without ever shadowing the REST API, /healthz or signaling.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { decodeJwt } from 'jose';
import { connect, TwilioError } from '@plaza/client';
import { configFromArgs, PlazaServer, verifyAccessToken } from '@plaza/server';
import { createDemoApp, findDemoAssets } from '../packages/server/src/demo/DemoApp.js';
import { createLogger } from '../packages/server/src/log.js';
import { startTestServer, type TestServer } from './support/server.js';

let on: TestServer;
let off: TestServer;
let secret: string;

before(async () => {
  // `npm install` builds the app; build it here if this checkout was never built.
  if (!findDemoAssets()) execFileSync('npm', ['run', '--silent', 'build', '-w', '@plaza/meet'], { stdio: 'inherit' });
  on = await startTestServer();
  off = await startTestServer({ demo: false });
  secret = on.server.credentials.apiKeySecret;
});
after(async () => {
  await on?.close();
  await off?.close();
  PlazaServer.cleanupNative(); // libdatachannel's threads (the Node clients): let the process exit now
});

const url = (srv: TestServer, path: string): string => `${srv.server.addresses.httpUrl}${path}`;

function requestToken(srv: TestServer, body: unknown, init: { contentType?: string; raw?: string } = {}) {
  return fetch(url(srv, '/demo/token'), {
    method: 'POST',
    headers: { 'content-type': init.contentType ?? 'application/json' },
    body: init.raw ?? JSON.stringify(body),
  });
}

async function errorOf(response: Response): Promise<{ status: number; code: number; message: string }> {
  const body = (await response.json()) as { code: number; message: string; status: number };
  assert.equal(body.status, response.status);
  return { status: response.status, code: body.code, message: body.message };
}

test('POST /demo/token grants one demo room, for an hour, signed with the server key, without the secret', async () => {
  const response = await requestToken(on, { identity: '  Zoë O\'Neill ', room: 'demo-standup' });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const text = await response.text();
  assert.ok(!text.includes(secret), 'the response never holds the API key secret');
  const body = JSON.parse(text) as { token: string; identity: string; room: string; ttl: number };
  assert.deepEqual({ identity: body.identity, room: body.room, ttl: body.ttl }, { identity: "Zoë O'Neill", room: 'demo-standup', ttl: 3600 });
  const claims = decodeJwt(body.token);
  assert.deepEqual(claims.grants, { identity: "Zoë O'Neill", video: { room: 'demo-standup' } });
  assert.equal(claims.exp! - claims.iat!, 3600);
  assert.deepEqual(await verifyAccessToken(body.token, on.server.credentials), { identity: "Zoë O'Neill", room: 'demo-standup' });
  // "demo" itself is a demo room too.
  assert.equal((await requestToken(on, { identity: 'bob', room: 'demo' })).status, 200);
});

test('the token opens its room and no other (signaling refuses it with 20106)', async () => {
  const { token } = (await (await requestToken(on, { identity: 'carol', room: 'demo-only' })).json()) as { token: string };
  const room = await connect(token, { name: 'demo-only', wsServer: on.signalingUrl, tracks: [] });
  assert.equal(room.localParticipant.identity, 'carol');
  room.disconnect();
  for (const other of ['private-board-meeting', 'demo-other']) {
    await assert.rejects(connect(token, { name: other, wsServer: on.signalingUrl, tracks: [] }), (err: unknown) => {
      assert.ok(err instanceof TwilioError);
      assert.equal(err.code, 20106);
      return true;
    });
  }
});

test('bad requests get a 400 that says what is wrong', async () => {
  const cases: Array<[string, Response, RegExp]> = [
    ['no identity', await requestToken(on, { room: 'demo' }), /^identity must be 1-64 letters/],
    ['empty identity', await requestToken(on, { identity: '   ', room: 'demo' }), /^identity must be/],
    ['identity too long', await requestToken(on, { identity: 'a'.repeat(65), room: 'demo' }), /^identity must be 1-64/],
    ['identity with markup', await requestToken(on, { identity: '<script>', room: 'demo' }), /^identity must be/],
    ['identity of punctuation only', await requestToken(on, { identity: '...', room: 'demo' }), /at least one letter or digit/],
    ['identity not a string', await requestToken(on, { identity: 42, room: 'demo' }), /^identity must be/],
    ['no room', await requestToken(on, { identity: 'alice' }), /^room must be "demo" or "demo-"/],
    ['a room outside the demo', await requestToken(on, { identity: 'alice', room: 'standup' }), /demo rooms only/],
    ['a prefix without a name', await requestToken(on, { identity: 'alice', room: 'demo-' }), /^room must be/],
    ['uppercase', await requestToken(on, { identity: 'alice', room: 'demo-Standup' }), /lowercase/],
    ['room too long', await requestToken(on, { identity: 'alice', room: `demo-${'a'.repeat(41)}` }), /1-40/],
    ['not an object', await requestToken(on, ['alice', 'demo']), /^body must be a JSON object/],
    ['not JSON', await requestToken(on, null, { raw: '{identity: alice' }), /^body is not valid JSON/],
    ['a form post', await requestToken(on, null, { contentType: 'application/x-www-form-urlencoded', raw: 'identity=a&room=demo' }), /^Content-Type must be application\/json/],
  ];
  for (const [what, response, message] of cases) {
    const error = await errorOf(response);
    assert.equal(error.status, 400, what);
    assert.equal(error.code, 20001, what);
    assert.match(error.message, message, what);
  }
  const huge = await errorOf(await requestToken(on, { identity: 'a', room: 'demo', padding: 'x'.repeat(10_000) }));
  assert.deepEqual([huge.status, huge.message], [413, 'request body too large']);
  const get = await errorOf(await fetch(url(on, '/demo/token')));
  assert.equal(get.status, 404, 'tokens only by POST');
});

test('the app is served at / with its assets, and the API, /healthz and signaling stay where they were', async () => {
  const index = await fetch(url(on, '/'));
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  const html = await index.text();
  assert.match(html, /<title>Plaza Meet<\/title>/);
  assert.equal(html, readFileSync(`${findDemoAssets()}/index.html`, 'utf8'));
  const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(script, 'index.html loads a hashed script');
  const asset = await fetch(url(on, script));
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('content-type') ?? '', /javascript/);
  assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal((await fetch(url(on, '/favicon.svg'))).status, 200);

  const missing = await errorOf(await fetch(url(on, '/no-such-page')));
  assert.deepEqual([missing.status, missing.code], [404, 20404]);
  assert.equal((await fetch(url(on, '/assets/%2e%2e/%2e%2e/package.json'))).status, 404);
  assert.equal((await fetch(url(on, '/healthz'))).status, 200);
  const rest = await fetch(url(on, '/v1/Rooms'));
  assert.equal(rest.status, 401, 'the REST API still asks for credentials');
  assert.equal((await fetch(url(on, '/v1/openapi.json'))).status, 200);
  // Signaling is untouched: the demo's own token joins over it (previous test).
});

test('with the demo off there is neither a token endpoint nor an app, and the rest works', async () => {
  const token = await requestToken(off, { identity: 'alice', room: 'demo' });
  assert.deepEqual([token.status, (await token.json()).code], [404, 20404]);
  const index = await fetch(url(off, '/'));
  assert.deepEqual([index.status, (await index.json()).code], [404, 20404]);
  assert.equal((await fetch(url(off, '/healthz'))).status, 200);
  const room = await connect(await off.token('dave', 'demo'), { name: 'demo', wsServer: off.signalingUrl, tracks: [] });
  room.disconnect();
});

test('--no-demo and PLAZA_DEMO turn the demo off; it is on by default', () => {
  assert.equal(configFromArgs([], {}).demo, true);
  assert.equal(configFromArgs(['--no-demo'], {}).demo, false);
  assert.equal(configFromArgs([], { PLAZA_DEMO: 'off' }).demo, false);
  assert.equal(configFromArgs([], { PLAZA_DEMO: '0' }).demo, false);
  assert.equal(configFromArgs([], { PLAZA_DEMO: 'on' }).demo, true);
  assert.equal(configFromArgs(['--no-demo'], { PLAZA_DEMO: 'on' }).demo, false, 'the flag wins');
  assert.throws(() => configFromArgs([], { PLAZA_DEMO: 'maybe' }), /PLAZA_DEMO must be on or off/);
});

test('an unbuilt app gets a 503 that says how to build it; tokens still work', async () => {
  const app = createDemoApp({ credentials: on.server.credentials, log: createLogger('silent'), assetsDir: null });
  const index = await app.request('/');
  assert.equal(index.status, 503);
  assert.match(((await index.json()) as { message: string }).message, /npm run build/);
  const token = await app.request('/demo/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"identity":"a","room":"demo"}' });
  assert.equal(token.status, 200);
});
