/**
 * Twilio's own Node helper library (`twilio` on npm) managing Plaza rooms unchanged: only its HTTP
 * client is told to send `https://video.twilio.com` requests to the Plaza host (README).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { connect, type Room } from '@plaza/client';
import { startTestServer, type TestServer } from './support/server.js';

let srv: TestServer;
let client: ReturnType<typeof twilio>;
const open: Room[] = [];

/** The one line an app changes: Twilio's request client, aimed at Plaza. */
class PlazaRequestClient extends twilio.RequestClient {
  constructor(private readonly plazaUrl: string) {
    super();
  }
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: opts.uri.replace('https://video.twilio.com', this.plazaUrl) });
  }
}

before(async () => {
  srv = await startTestServer();
  const c = srv.server.credentials;
  client = twilio(c.apiKeySid, c.apiKeySecret, { accountSid: c.accountSid, httpClient: new PlazaRequestClient(srv.server.addresses.httpUrl) });
});
after(async () => {
  for (const r of open) r.disconnect();
  await srv.close();
});

test('rooms.create, fetch, list with paging, participants and update to completed through the twilio package', async () => {
  const room = await client.video.v1.rooms.create({ uniqueName: 'helper-lib', maxParticipants: 10, emptyRoomTimeout: 3 });
  assert.match(room.sid, /^RM[0-9a-f]{32}$/);
  assert.equal(room.uniqueName, 'helper-lib');
  assert.equal(room.maxParticipants, 10);
  assert.equal(room.status, 'in-progress');
  assert.ok(room.dateCreated instanceof Date && !Number.isNaN(room.dateCreated.getTime()));
  assert.equal((await client.video.v1.rooms('helper-lib').fetch()).sid, room.sid);

  for (let i = 0; i < 4; i++) await client.video.v1.rooms.create({ uniqueName: `helper-page-${i}` });
  const all = await client.video.v1.rooms.list({ pageSize: 2 }); // follows next_page_url
  assert.ok(all.length >= 5, `${all.length} rooms over pages of 2`);
  assert.equal(new Set(all.map((r) => r.sid)).size, all.length);

  const alice = await connect(await srv.token('alice', 'helper-lib'), { name: 'helper-lib', wsServer: srv.signalingUrl, tracks: [] });
  open.push(alice);
  const participants = await client.video.v1.rooms(room.sid).participants.list({ status: 'connected' });
  assert.deepEqual(participants.map((p) => p.identity), ['alice']);

  const ended = await client.video.v1.rooms(room.sid).update({ status: 'completed' });
  assert.equal(ended.status, 'completed');
  await assert.rejects(client.video.v1.rooms('RM00000000000000000000000000000000').fetch(), (err: { status?: number; code?: number }) => err.status === 404 && err.code === 20404);
});
