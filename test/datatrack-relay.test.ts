/**
 * DataTrack relay semantics with @plaza/client peers under Node (real WebRTC via node-datachannel).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, LocalDataTrack, type Room } from '@plaza/client';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

let srv: TestServer;
const open: Room[] = [];
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  for (const r of open) r.disconnect();
  await srv.close();
});

async function join(identity: string, room: string, options: { tracks?: LocalDataTrack[]; automaticSubscription?: boolean } = {}): Promise<Room> {
  const r = await connect(await srv.token(identity, room), { name: room, wsServer: srv.signalingUrl, tracks: options.tracks ?? [], ...(options.automaticSubscription === false ? { automaticSubscription: false } : {}) });
  open.push(r);
  return r;
}

function messagesOf(room: Room): Array<string | ArrayBuffer> {
  const got: Array<string | ArrayBuffer> = [];
  room.on('trackMessage', (data: string | ArrayBuffer) => got.push(data));
  return got;
}

test('a message sent right after publishTrack() resolves reaches every subscriber present', async () => {
  const a = await join('a', 'publish-then-send');
  const subs = [await join('b', 'publish-then-send'), await join('c', 'publish-then-send'), await join('d', 'publish-then-send')];
  await waitFor(() => subs.every((s) => s.participants.size === 3), 'everyone sees everyone');
  const inboxes = subs.map(messagesOf);
  const track = new LocalDataTrack();
  const publication = await a.localParticipant.publishTrack(track);
  assert.match(publication.trackSid, /^MT[0-9a-f]{32}$/);
  track.send('first');
  track.send(new Uint8Array([1, 2]));
  await waitFor(() => inboxes.every((m) => m.length === 2), 'both messages everywhere');
  for (const inbox of inboxes) {
    assert.equal(inbox[0], 'first');
    assert.ok(inbox[1] instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(inbox[1] as ArrayBuffer)], [1, 2]);
  }
});

test('automaticSubscription: false sees publications but subscribes to nothing and receives nothing', async () => {
  const track = new LocalDataTrack();
  const pub = await join('pub', 'opt-out', { tracks: [track] });
  const auto = await join('auto', 'opt-out');
  const manual = await join('manual', 'opt-out', { automaticSubscription: false });
  const published: string[] = [];
  manual.on('trackPublished', (p: { trackSid: string }) => published.push(p.trackSid));
  const autoInbox = messagesOf(auto);
  const manualInbox = messagesOf(manual);
  await waitFor(() => [...auto.participants.values()].some((p) => p.dataTracks.size === 1), 'auto subscribed');
  await waitFor(() => manual.participants.size === 2, 'manual sees the others');
  track.send('hello');
  await waitFor(() => autoInbox.length === 1, 'auto gets the message');
  assert.equal([...manual.participants.values()].find((p) => p.identity === 'pub')?.trackPublications.size, 1);
  assert.equal(manualInbox.length, 0);
  const serverView = [...(srv.server.rooms.get('opt-out')?.participants.values() ?? [])].find((p) => p.identity === 'manual');
  assert.equal(serverView?.subscriptions.size, 0);
  void pub;
});

test('reliability options reach the subscriber, and unpublish cleans up everywhere', async () => {
  const track = new LocalDataTrack({ name: 'cursor', ordered: false, maxPacketLifeTime: 250 });
  const pub = await join('pub', 'unpublish', { tracks: [track] });
  const sub = await join('sub', 'unpublish');
  const events: string[] = [];
  sub.on('trackSubscribed', (t: { name: string; ordered: boolean; maxPacketLifeTime: number | null; maxRetransmits: number | null; reliable: boolean }) =>
    events.push(`subscribed:${t.name}:${t.ordered}:${t.maxPacketLifeTime}:${t.maxRetransmits}:${t.reliable}`),
  );
  sub.on('trackUnsubscribed', () => events.push('unsubscribed'));
  sub.on('trackUnpublished', () => events.push('unpublished'));
  await waitFor(() => events.length === 1, 'subscribed');
  assert.deepEqual(events, ['subscribed:cursor:false:250:null:false']);
  assert.equal(srv.server.stats().relayLegs >= 1, true);
  pub.localParticipant.unpublishTrack(track);
  await waitFor(() => events.includes('unpublished') && events.includes('unsubscribed'), 'unpublish seen');
  const room = srv.server.rooms.get('unpublish');
  const serverPub = [...(room?.participants.values() ?? [])].find((p) => p.identity === 'pub');
  assert.equal(serverPub?.publications.size, 0);
  const serverSub = [...(room?.participants.values() ?? [])].find((p) => p.identity === 'sub');
  assert.equal(serverSub?.subscriptions.size, 0);
});

test('a message over the channel limit fails at send with 53306 and the track keeps working', async () => {
  const track = new LocalDataTrack();
  await join('big', 'too-large', { tracks: [track] });
  const sub = await join('small', 'too-large');
  const inbox = messagesOf(sub);
  await waitFor(() => [...sub.participants.values()].some((p) => p.dataTracks.size === 1), 'subscribed');
  assert.throws(() => track.send(new Uint8Array(300 * 1024)), { code: 53306 });
  track.send('still fine');
  await waitFor(() => inbox.length === 1, 'the next message');
  assert.equal(inbox[0], 'still fine');
});
