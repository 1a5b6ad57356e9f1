/**
 * The Rooms REST API over HTTP against a real server, with @plaza/client participants in Node whose
 * rooms the API ends, whose participants it removes and whose subscriptions its rules change live.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, LocalDataTrack, type Room } from '@plaza/client';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

let srv: TestServer;
let base: string;
let auth: string;
const open: Room[] = [];

before(async () => {
  srv = await startTestServer();
  base = srv.server.addresses.httpUrl;
  const c = srv.server.credentials;
  auth = 'Basic ' + Buffer.from(`${c.apiKeySid}:${c.apiKeySecret}`).toString('base64');
});
after(async () => {
  for (const r of open) r.disconnect();
  await srv.close();
});

type Json = Record<string, unknown> & { meta?: Record<string, unknown> };

async function api(method: 'GET' | 'POST', path: string, form?: Record<string, string>, authorization = auth): Promise<{ status: number; body: Json }> {
  const res = await fetch(path.startsWith('http') ? path : `${base}${path}`, {
    method,
    headers: { authorization, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function join(identity: string, room: string, tracks: LocalDataTrack[] = []): Promise<Room> {
  const r = await connect(await srv.token(identity, room), { name: room, wsServer: srv.signalingUrl, tracks });
  open.push(r);
  return r;
}

test('create a room: 201 with Twilio fields, url and links; fetch it by SID and by UniqueName', async () => {
  const { status, body } = await api('POST', '/v1/Rooms', { UniqueName: 'rest-a', MaxParticipants: '7', EmptyRoomTimeout: '2', StatusCallbackMethod: 'GET' });
  assert.equal(status, 201);
  assert.match(String(body.sid), /^RM[0-9a-f]{32}$/);
  assert.equal(body.unique_name, 'rest-a');
  assert.equal(body.status, 'in-progress');
  assert.equal(body.type, 'group');
  assert.equal(body.max_participants, 7);
  assert.equal(body.empty_room_timeout, 2);
  assert.equal(body.unused_room_timeout, 5);
  assert.equal(body.status_callback_method, 'GET');
  assert.equal(body.account_sid, srv.server.credentials.accountSid);
  assert.equal(body.url, `${base}/v1/Rooms/${String(body.sid)}`);
  assert.deepEqual(Object.keys(body.links as object).sort(), ['participants', 'recording_rules', 'recordings']);
  assert.equal((await api('GET', `/v1/Rooms/${String(body.sid)}`)).body.unique_name, 'rest-a');
  assert.equal((await api('GET', '/v1/Rooms/rest-a')).body.sid, body.sid);
});

test('errors: unknown room 20404, duplicate UniqueName 53113, bad parameters with their codes, bad auth 401', async () => {
  const unknown = await api('GET', '/v1/Rooms/RM00000000000000000000000000000000');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 20404);
  assert.equal(unknown.body.more_info, 'https://www.twilio.com/docs/errors/20404');
  await api('POST', '/v1/Rooms', { UniqueName: 'rest-dup' });
  const dup = await api('POST', '/v1/Rooms', { UniqueName: 'rest-dup' });
  assert.deepEqual([dup.status, dup.body.code], [400, 53113]);
  for (const [form, code] of [
    [{ MaxParticipants: '0' }, 53107],
    [{ Type: 'huge' }, 53108],
    [{ EmptyRoomTimeout: '61' }, 53109],
    [{ StatusCallbackMethod: 'PUT' }, 53110],
    [{ StatusCallback: 'not a url' }, 53111],
  ] as const) {
    const res = await api('POST', '/v1/Rooms', form);
    assert.deepEqual([res.status, res.body.code], [400, code], JSON.stringify(form));
  }
  const badStatus = await api('POST', '/v1/Rooms/rest-dup', { Status: 'paused' });
  assert.deepEqual([badStatus.status, badStatus.body.code], [400, 53112]);
  const noAuth = await api('GET', '/v1/Rooms', undefined, 'Basic ' + Buffer.from('SKnope:wrong').toString('base64'));
  assert.deepEqual([noAuth.status, noAuth.body.code], [401, 20003]);
  const c = srv.server.credentials;
  const accountAuth = 'Basic ' + Buffer.from(`${c.accountSid}:${c.authToken}`).toString('base64');
  assert.equal((await api('GET', '/v1/Rooms', undefined, accountAuth)).status, 200, 'account SID + auth token also works');
  const spec = await fetch(`${base}/v1/openapi.json`);
  assert.equal(spec.status, 200);
  assert.ok(((await spec.json()) as { paths: object }).paths['/v1/Rooms' as keyof object]);
});

test('list rooms: status filter, UniqueName, dates, and pagination across pages with meta', async () => {
  for (let i = 0; i < 5; i++) await api('POST', '/v1/Rooms', { UniqueName: `rest-page-${i}` });
  const first = await api('GET', '/v1/Rooms?PageSize=2');
  const meta = first.body.meta!;
  assert.equal((first.body.rooms as unknown[]).length, 2);
  assert.equal(meta.key, 'rooms');
  assert.equal(meta.page, 0);
  assert.equal(meta.previous_page_url, null);
  const seen = new Set((first.body.rooms as Json[]).map((r) => r.sid));
  let next = meta.next_page_url as string | null;
  while (next) {
    const page = await api('GET', next);
    for (const r of page.body.rooms as Json[]) seen.add(r.sid);
    next = page.body.meta!.next_page_url as string | null;
  }
  const all = await api('GET', '/v1/Rooms?PageSize=1000');
  assert.equal(seen.size, (all.body.rooms as unknown[]).length, 'following next_page_url visits every room once');
  const byName = await api('GET', '/v1/Rooms?UniqueName=rest-page-3');
  assert.deepEqual((byName.body.rooms as Json[]).map((r) => r.unique_name), ['rest-page-3']);
  const future = await api('GET', `/v1/Rooms?DateCreatedAfter=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
  assert.equal((future.body.rooms as unknown[]).length, 0);
  const completed = await api('GET', '/v1/Rooms?Status=completed');
  assert.ok((completed.body.rooms as Json[]).every((r) => r.status === 'completed'));
});

test('ending a room by REST disconnects its participants with 53118; it stays queryable as completed', async () => {
  const { body } = await api('POST', '/v1/Rooms', { UniqueName: 'rest-end' });
  const alice = await join('alice', 'rest-end');
  const disconnected = new Promise<number | undefined>((resolve) => alice.on('disconnected', (_r: Room, error?: { code: number }) => resolve(error?.code)));
  const ended = await api('POST', '/v1/Rooms/rest-end', { Status: 'completed' });
  assert.equal(ended.body.status, 'completed');
  assert.ok(ended.body.end_time);
  assert.equal(await disconnected, 53118);
  const fetched = await api('GET', `/v1/Rooms/${String(body.sid)}`);
  assert.equal(fetched.body.status, 'completed');
  assert.equal(typeof fetched.body.duration, 'number');
  const participants = await api('GET', `/v1/Rooms/${String(body.sid)}/Participants?Status=disconnected`);
  assert.deepEqual((participants.body.participants as Json[]).map((p) => p.identity), ['alice']);
});

test('participants: list and filters, fetch by identity, published tracks, kick', async () => {
  const track = new LocalDataTrack({ name: 'chat' });
  const alice = await join('alice', 'rest-people', [track]);
  const bob = await join('bob', 'rest-people');
  await waitFor(() => [...bob.participants.values()].some((p) => p.dataTracks.size === 1), 'bob subscribed to chat');
  const list = await api('GET', '/v1/Rooms/rest-people/Participants');
  assert.deepEqual((list.body.participants as Json[]).map((p) => p.identity).sort(), ['alice', 'bob']);
  const onlyBob = await api('GET', '/v1/Rooms/rest-people/Participants?Identity=bob');
  assert.deepEqual((onlyBob.body.participants as Json[]).map((p) => p.identity), ['bob']);
  const a = await api('GET', '/v1/Rooms/rest-people/Participants/alice');
  assert.equal(a.body.sid, alice.localParticipant.sid);
  assert.equal(a.body.status, 'connected');
  const published = await api('GET', '/v1/Rooms/rest-people/Participants/alice/PublishedTracks');
  assert.deepEqual((published.body.published_tracks as Json[]).map((t) => [t.name, t.kind, t.enabled]), [['chat', 'data', true]]);
  const subscribed = await api('GET', '/v1/Rooms/rest-people/Participants/bob/SubscribedTracks');
  assert.deepEqual((subscribed.body.subscribed_tracks as Json[]).map((t) => [t.name, t.publisher_sid]), [['chat', alice.localParticipant.sid]]);
  const unknown = await api('GET', '/v1/Rooms/rest-people/Participants/nobody');
  assert.equal(unknown.body.code, 20404);

  const gone = new Promise<void>((resolve) => bob.on('disconnected', () => resolve()));
  const kicked = await api('POST', '/v1/Rooms/rest-people/Participants/bob', { Status: 'disconnected' });
  assert.equal(kicked.body.status, 'disconnected');
  await gone;
  await waitFor(() => alice.participants.size === 0, 'alice sees bob leave');
});

test('subscribe rules apply live; invalid rules get 53215', async () => {
  const track = new LocalDataTrack({ name: 'cursor' });
  await join('pub', 'rest-rules', [track]);
  const sub = await join('sub', 'rest-rules');
  const subscribed = (): boolean => [...sub.participants.values()].some((p) => [...p.dataTracks.values()].some((pub) => pub.isSubscribed));
  await waitFor(subscribed, 'subscribed by default');
  const rules = await api('GET', '/v1/Rooms/rest-rules/Participants/sub/SubscribeRules');
  assert.deepEqual(rules.body.rules, [{ type: 'include', all: true }]);
  const set = await api('POST', '/v1/Rooms/rest-rules/Participants/sub/SubscribeRules', { Rules: JSON.stringify([{ type: 'exclude', all: true }]) });
  assert.equal(set.status, 200);
  await waitFor(() => !subscribed(), 'unsubscribed at once');
  await api('POST', '/v1/Rooms/rest-rules/Participants/sub/SubscribeRules', { Rules: JSON.stringify([{ type: 'include', publisher: 'pub', kind: 'data' }]) });
  await waitFor(subscribed, 'subscribed again');
  for (const bad of ['not json', '[]', JSON.stringify([{ type: 'include', all: true, kind: 'audio' }]), JSON.stringify([{ type: 'maybe', all: true }])]) {
    const res = await api('POST', '/v1/Rooms/rest-rules/Participants/sub/SubscribeRules', { Rules: bad });
    assert.deepEqual([res.status, res.body.code], [400, 53215], bad);
  }
});

test('MaxParticipants: the joining client gets 53105', async () => {
  await api('POST', '/v1/Rooms', { UniqueName: 'rest-full', MaxParticipants: '1' });
  await join('first', 'rest-full');
  await assert.rejects(join('second', 'rest-full'), (err: { code?: number }) => err.code === 53105);
});
