/**
 * @plaza/sdk and the `plaza rooms` / `plaza participants` commands against a real in-process server:
 * every sdk method over HTTP (pagination, errors, tokens the server admits, callbacks whose signature
 * the sdk validates), then the CLI as a child process with @plaza/client participants in Node.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, LocalDataTrack, type Room } from '@plaza/client';
import { createAccessToken, PlazaRestClient, PlazaRestError, validateCallbackSignature } from '@plaza/sdk';
import { PlazaServer } from '@plaza/server';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

let srv: TestServer;
let baseUrl: string;
let plaza: PlazaRestClient;
/** Every request the sdk client made, as `METHOD url`. */
const requests: string[] = [];
const open: Room[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

before(async () => {
  srv = await startTestServer();
  baseUrl = srv.server.addresses.httpUrl;
  const c = srv.server.credentials;
  const counting: typeof fetch = (input, init) => {
    requests.push(`${init?.method ?? 'GET'} ${String(input)}`);
    return fetch(input, init);
  };
  plaza = new PlazaRestClient({ baseUrl, apiKeySid: c.apiKeySid, apiKeySecret: c.apiKeySecret, fetch: counting });
});
after(async () => {
  for (const r of open) r.disconnect();
  for (const c of cleanups.reverse()) await c();
  await srv.close();
  PlazaServer.cleanupNative(); // libdatachannel's threads (the Node clients): let the process exit now
});

async function join(identity: string, room: string, tracks: LocalDataTrack[] = []): Promise<Room> {
  const r = await connect(await srv.token(identity, room), { name: room, wsServer: srv.signalingUrl, tracks });
  open.push(r);
  return r;
}

async function rejectsWith(promise: Promise<unknown>, status: number, code: number, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof PlazaRestError, `expected PlazaRestError, got ${String(err)}`);
    assert.deepEqual([err.status, err.code], [status, code], err.message);
    assert.equal(err.moreInfo, `https://www.twilio.com/docs/errors/${code}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** A status callback receiver; keeps the raw request so the sdk can validate its signature. */
async function startReceiver() {
  const received: Array<{ url: string; params: Record<string, string>; signature: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({
        url: `http://${req.headers.host}${req.url}`,
        params: Object.fromEntries(new URLSearchParams(body)),
        signature: String(req.headers['x-twilio-signature'] ?? ''),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/video?app=sdk` };
}

test('sdk rooms: create, fetch by SID and name, page, list across pages with limit, update/end, errors', async () => {
  const room = await plaza.rooms.create({ uniqueName: 'sdk-a', maxParticipants: 7, emptyRoomTimeout: 2, statusCallbackMethod: 'GET', videoCodecs: ['VP8', 'H264'] });
  assert.match(room.sid, /^RM[0-9a-f]{32}$/);
  assert.deepEqual(
    [room.unique_name, room.status, room.max_participants, room.empty_room_timeout, room.status_callback_method, room.video_codecs, room.end_time],
    ['sdk-a', 'in-progress', 7, 2, 'GET', ['VP8', 'H264'], null],
  );
  assert.equal(room.url, `${baseUrl}/v1/Rooms/${room.sid}`);
  assert.equal((await plaza.rooms.fetch(room.sid)).unique_name, 'sdk-a');
  assert.equal((await plaza.rooms.fetch('sdk-a')).sid, room.sid);

  for (let i = 0; i < 4; i++) await plaza.rooms.create({ uniqueName: `sdk-page-${i}` });
  const everything = await plaza.rooms.page({}, { pageSize: 1000 });
  const total = everything.items.length;
  assert.ok(total >= 5);
  assert.equal(everything.hasNextPage, false);

  const first = await plaza.rooms.page({}, { pageSize: 2 });
  assert.deepEqual([first.items.length, first.meta.key, first.meta.page, first.meta.page_size, first.hasNextPage], [2, 'rooms', 0, 2, true]);
  const second = (await first.nextPage())!;
  assert.equal(second.meta.page, 1);
  assert.ok(second.items.every((r) => !first.items.some((f) => f.sid === r.sid)));

  requests.length = 0;
  const all = await plaza.rooms.list({}, { pageSize: 2 }).toArray();
  assert.equal(new Set(all.map((r) => r.sid)).size, total, 'every room once');
  assert.equal(requests.length, Math.ceil(total / 2), 'one request per page, following next_page_url');
  requests.length = 0;
  const limited: string[] = [];
  for await (const r of plaza.rooms.list({}, { pageSize: 2, limit: 3 })) limited.push(r.sid);
  assert.equal(limited.length, 3);
  assert.equal(requests.length, 2, 'stops fetching once the limit is reached');
  assert.deepEqual((await plaza.rooms.list({ uniqueName: 'sdk-page-2' }).toArray()).map((r) => r.unique_name), ['sdk-page-2']);
  assert.equal((await plaza.rooms.list({ dateCreatedAfter: new Date(Date.now() + 60_000) }).toArray()).length, 0);

  const updated = await plaza.rooms.update('sdk-page-0', { status: 'completed' });
  assert.equal(updated.status, 'completed');
  const ended = await plaza.rooms.end(room.sid);
  assert.equal(ended.status, 'completed');
  assert.ok(ended.end_time);
  assert.equal(typeof ended.duration, 'number');
  const completed = await plaza.rooms.list({ status: 'completed' }).toArray();
  assert.deepEqual(completed.map((r) => r.unique_name).sort(), ['sdk-a', 'sdk-page-0']);

  await rejectsWith(plaza.rooms.fetch('no-such-room'), 404, 20404, /\/Rooms\/no-such-room was not found/);
  await rejectsWith(plaza.rooms.end('RM' + '0'.repeat(32)), 404, 20404);
  await rejectsWith(plaza.rooms.create({ uniqueName: 'sdk-page-1' }), 400, 53113);
  await rejectsWith(plaza.rooms.create({ maxParticipants: 0 }), 400, 53107);
  const c = srv.server.credentials;
  await rejectsWith(new PlazaRestClient({ baseUrl, apiKeySid: c.apiKeySid, apiKeySecret: 'wrong' }).rooms.list().toArray(), 401, 20003);
  const byAccount = new PlazaRestClient({ baseUrl, accountSid: c.accountSid, authToken: c.authToken });
  assert.equal((await byAccount.rooms.fetch('sdk-page-1')).unique_name, 'sdk-page-1', 'account SID + auth token also works');
});

test('sdk participants, published/subscribed tracks and subscribe rules; tokens from the sdk admit clients', async () => {
  const c = srv.server.credentials;
  const token = (identity: string): Promise<string> => createAccessToken(c, { identity, room: 'sdk-people', ttl: 300 });
  const track = new LocalDataTrack({ name: 'chat' });
  const alice = await connect(await token('alice'), { name: 'sdk-people', wsServer: srv.signalingUrl, tracks: [track] });
  open.push(alice);
  const bob = await connect(await token('bob'), { name: 'sdk-people', wsServer: srv.signalingUrl });
  open.push(bob);
  const bobSubscribed = (): boolean => [...bob.participants.values()].some((p) => [...p.dataTracks.values()].some((pub) => pub.isSubscribed));
  await waitFor(bobSubscribed, 'bob subscribed to chat');

  const people = plaza.participants('sdk-people');
  assert.deepEqual((await people.list().toArray()).map((p) => p.identity).sort(), ['alice', 'bob']);
  assert.deepEqual((await people.list({ identity: 'bob' }).toArray()).map((p) => p.sid), [bob.localParticipant.sid]);
  const page = await people.page({ status: 'connected' }, { pageSize: 1 });
  assert.deepEqual([page.items.length, page.meta.key, page.hasNextPage], [1, 'participants', true]);
  assert.equal((await people.list({}, { pageSize: 1 }).toArray()).length, 2);
  const a = await people.fetch('alice');
  assert.deepEqual([a.sid, a.status, a.identity, a.end_time], [alice.localParticipant.sid, 'connected', 'alice', null]);
  assert.equal((await people.fetch(a.sid)).identity, 'alice');

  const published = await plaza.publishedTracks('sdk-people', 'alice').list().toArray();
  assert.deepEqual(published.map((t) => [t.name, t.kind, t.enabled, t.participant_sid]), [['chat', 'data', true, a.sid]]);
  assert.equal((await plaza.publishedTracks('sdk-people', a.sid).fetch('chat')).sid, published[0]!.sid);
  assert.equal((await plaza.publishedTracks('sdk-people', 'alice').page()).meta.key, 'published_tracks');
  const subscribed = await plaza.subscribedTracks('sdk-people', 'bob').list().toArray();
  assert.deepEqual(subscribed.map((t) => [t.name, t.publisher_sid, t.subscriber_sid]), [['chat', a.sid, bob.localParticipant.sid]]);
  assert.equal((await plaza.subscribedTracks('sdk-people', 'bob').fetch(subscribed[0]!.sid)).name, 'chat');
  assert.equal((await plaza.subscribedTracks('sdk-people', 'bob').page({ pageSize: 5 })).meta.page_size, 5);

  const rules = plaza.subscribeRules('sdk-people', 'bob');
  assert.deepEqual((await rules.fetch()).rules, [{ type: 'include', all: true }]);
  const set = await rules.update([{ type: 'exclude', all: true }]);
  assert.deepEqual([set.participant_sid, set.rules], [bob.localParticipant.sid, [{ type: 'exclude', all: true }]]);
  await waitFor(() => !bobSubscribed(), 'bob unsubscribed at once');
  await rules.update([{ type: 'include', publisher: 'alice', kind: 'data' }]);
  await waitFor(bobSubscribed, 'bob subscribed again');
  await rejectsWith(rules.update([]), 400, 53215);

  await rejectsWith(people.fetch('nobody'), 404, 20404);
  await rejectsWith(plaza.participants('no-such-room').list().toArray(), 404, 20404);
  const gone = new Promise<void>((resolve) => bob.on('disconnected', () => resolve()));
  const kicked = await people.kick('bob');
  assert.equal(kicked.status, 'disconnected');
  await gone;
  const aliceGone = new Promise<void>((resolve) => alice.on('disconnected', () => resolve()));
  assert.equal((await people.update(a.sid, { status: 'disconnected' })).status, 'disconnected');
  await aliceGone;
  assert.deepEqual((await people.list({ status: 'disconnected' }).toArray()).map((p) => p.identity).sort(), ['alice', 'bob']);
});

test('sdk validateCallbackSignature accepts the status callbacks the server sends', async () => {
  const receiver = await startReceiver();
  await plaza.rooms.create({ uniqueName: 'sdk-callbacks', statusCallback: receiver.url });
  await join('carol', 'sdk-callbacks');
  await plaza.rooms.end('sdk-callbacks');
  await waitFor(() => receiver.received.some((r) => r.params.StatusCallbackEvent === 'room-ended'), 'room-ended callback');
  const authToken = srv.server.credentials.authToken;
  assert.ok(receiver.received.length >= 3);
  for (const hit of receiver.received) {
    assert.ok(validateCallbackSignature(authToken, hit.signature, hit.url, hit.params), hit.params.StatusCallbackEvent);
    assert.ok(!validateCallbackSignature('0'.repeat(32), hit.signature, hit.url, hit.params));
    assert.ok(!validateCallbackSignature(authToken, hit.signature, hit.url, { ...hit.params, RoomName: 'forged' }));
  }
});

// --- the CLI, as a child process ---

const CLI = path.resolve('packages/server/src/cli.ts');
const NODE_ARGS = ['--conditions=development', '--import', 'tsx', CLI];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `plaza <args>` with PLAZA_* cleared from the environment, then `env` added. */
function plazaCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PLAZA_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [...NODE_ARGS, ...args], { env: { ...clean, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Against the test server, with the credentials in its data dir. */
const cli = (...args: string[]): Promise<Run> => plazaCli([...args, '--url', baseUrl, '--data-dir', srv.server.config.dataDir]);

test('plaza rooms create / list / end and participants list / kick against a running server', async () => {
  const created = await cli('rooms', 'create', 'cli-room', '--max-participants', '5', '--empty-room-timeout', '3', '--unused-room-timeout', '4');
  assert.equal(created.code, 0, created.stderr);
  const sid = /RM[0-9a-f]{32}/.exec(created.stdout)?.[0];
  assert.ok(sid, created.stdout);
  assert.match(created.stdout, /^SID\s+UNIQUE NAME\s+STATUS/);
  const room = await plaza.rooms.fetch(sid);
  assert.deepEqual([room.unique_name, room.max_participants, room.empty_room_timeout, room.unused_room_timeout], ['cli-room', 5, 3, 4]);

  const listed = await cli('rooms', 'list');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`${sid}\\s+cli-room\\s+in-progress`));
  const byName = await cli('rooms', 'list', '--unique-name', 'cli-room', '--json');
  assert.deepEqual((JSON.parse(byName.stdout) as Array<{ sid: string }>).map((r) => r.sid), [sid]);

  const dave = await join('dave', 'cli-room');
  const erin = await join('erin', 'cli-room');
  const people = await cli('participants', 'list', 'cli-room');
  assert.equal(people.code, 0, people.stderr);
  assert.match(people.stdout, /^SID\s+IDENTITY\s+STATUS/);
  assert.match(people.stdout, new RegExp(`${dave.localParticipant.sid}\\s+dave\\s+connected`));
  assert.match(people.stdout, /\serin\s+connected/);

  const erinGone = new Promise<void>((resolve) => erin.on('disconnected', () => resolve()));
  const kicked = await cli('participants', 'kick', sid, 'erin');
  assert.equal(kicked.code, 0, kicked.stderr);
  assert.match(kicked.stdout, /\serin\s+disconnected/);
  await erinGone;
  const connected = await cli('participants', 'list', 'cli-room', '--status', 'connected', '--json');
  assert.deepEqual((JSON.parse(connected.stdout) as Array<{ identity: string }>).map((p) => p.identity), ['dave']);

  const daveGone = new Promise<void>((resolve) => dave.on('disconnected', () => resolve()));
  const ended = await cli('rooms', 'end', 'cli-room');
  assert.equal(ended.code, 0, ended.stderr);
  assert.match(ended.stdout, new RegExp(`${sid}\\s+cli-room\\s+completed`));
  await daveGone;
  assert.equal((await plaza.rooms.fetch(sid)).status, 'completed');
  const completed = await cli('rooms', 'list', '--status', 'completed', '--unique-name', 'cli-room');
  assert.match(completed.stdout, new RegExp(`${sid}\\s+cli-room\\s+completed`));
  assert.equal((await cli('rooms', 'list', '--unique-name', 'cli-room')).stdout, 'no rooms\n');
});

test('plaza rooms/participants: Twilio errors exit 1; env credentials and PLAZA_URL; missing credentials are not created', async () => {
  const unknown = await cli('rooms', 'end', 'cli-nope');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^plaza: The requested resource \/Rooms\/cli-nope was not found \(20404/);
  assert.equal(unknown.stdout, '');
  const noRoom = await cli('participants', 'list', 'cli-nope');
  assert.deepEqual([noRoom.code, /was not found/.test(noRoom.stderr)], [1, true]);
  await plaza.rooms.create({ uniqueName: 'cli-dup' });
  const dup = await cli('rooms', 'create', 'cli-dup');
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /53113/);
  const tooBig = await cli('rooms', 'create', 'cli-big', '--empty-room-timeout', '61');
  assert.deepEqual([tooBig.code, /53109/.test(tooBig.stderr)], [1, true]);

  const c = srv.server.credentials;
  const viaEnv = await plazaCli(['rooms', 'list', '--json'], { PLAZA_URL: baseUrl, PLAZA_API_KEY_SID: c.apiKeySid, PLAZA_API_KEY_SECRET: c.apiKeySecret });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.ok((JSON.parse(viaEnv.stdout) as Array<{ unique_name: string }>).some((r) => r.unique_name === 'cli-dup'));
  const wrongKey = await plazaCli(['rooms', 'list'], { PLAZA_URL: baseUrl, PLAZA_API_KEY_SID: c.apiKeySid, PLAZA_API_KEY_SECRET: 'wrong' });
  assert.deepEqual([wrongKey.code, /20003/.test(wrongKey.stderr)], [1, true]);

  const emptyDir = mkdtempSync(path.join(tmpdir(), 'plaza-cli-rest-'));
  try {
    const missing = await plazaCli(['rooms', 'list', '--url', baseUrl, '--data-dir', emptyDir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no credentials: .*credentials\.json does not exist/);
    assert.ok(!existsSync(path.join(emptyDir, 'credentials.json')), 'nothing generated');
  } finally {
    rmSync(emptyDir, { recursive: true, force: true });
  }
  const usage = await cli('rooms', 'create');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /expected <UniqueName>/);
  const closedPort = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const unreachable = await plazaCli(['rooms', 'list', '--url', `http://127.0.0.1:${closedPort}`, '--data-dir', srv.server.config.dataDir]);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /failed: ECONNREFUSED/);
});
