/**
 * Bad input on the signaling socket: each case gets a clear error (Twilio code where one exists)
 * and never disturbs the server or anyone else in it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { connect, LocalDataTrack, type Room } from '@plaza/client';
import { startTestServer, waitFor, type TestServer } from './support/server.js';
import { RawSignaling } from './support/rawSignaling.js';

let srv: TestServer;
// Two well-behaved participants in the same server, connected through all the abuse below.
let healthyTrack: LocalDataTrack;
let healthyPub: Room;
let healthySub: Room;
const healthyInbox: unknown[] = [];
before(async () => {
  srv = await startTestServer({ maxFrameBytes: 64 * 1024 });
  healthyTrack = new LocalDataTrack();
  healthyPub = await connect(await srv.token('steady-pub', 'bad-input'), { name: 'bad-input', wsServer: srv.signalingUrl, tracks: [healthyTrack] });
  healthySub = await connect(await srv.token('steady-sub', 'bad-input'), { name: 'bad-input', wsServer: srv.signalingUrl });
  healthySub.on('trackMessage', (data: unknown) => healthyInbox.push(data));
  await waitFor(() => [...healthySub.participants.values()].some((p) => p.dataTracks.size === 1), 'healthy pair subscribed');
});
after(async () => {
  healthyPub.disconnect();
  healthySub.disconnect();
  await srv.close();
});

async function connectBody(token: string, overrides: object = {}): Promise<object> {
  return {
    type: 'connect',
    version: 2,
    name: 'bad-input',
    token,
    participant: { revision: 1, tracks: [] },
    peer_connections: [],
    ...overrides,
  };
}

test('malformed JSON gets a bad frame and the socket stays usable', async () => {
  const s = await RawSignaling.open(srv.signalingUrl);
  s.sendRaw('{not json');
  const bad = await s.next((f) => f.type === 'bad', 'bad');
  assert.match(bad.reason ?? '', /Malformed JSON/);
  s.hello({ type: 'ice', version: 1, token: await srv.token('a') });
  await s.next((f) => f.type === 'welcome', 'welcome after a bad frame');
  await s.next((f) => f.body?.type === 'iced', 'iced');
  s.close();
});

test('an unknown frame type is reported as bad', async () => {
  const s = await RawSignaling.open(srv.signalingUrl);
  s.send({ type: 'teleport' });
  const bad = await s.next((f) => f.type === 'bad', 'bad');
  assert.match(bad.reason ?? '', /Unknown message type: teleport/);
  s.close();
});

test('a hello with the wrong TCMP version is refused and closed', async () => {
  const s = await RawSignaling.open(srv.signalingUrl);
  s.send({ type: 'hello', id: 'x', version: 1, timeout: 5000 });
  const bad = await s.next((f) => f.type === 'bad', 'bad');
  assert.match(bad.reason ?? '', /Unsupported TCMP version 1/);
  assert.equal((await s.closed).code, 3002);
});

test('an unknown RSP message type gets error 53004 and a closed session', async () => {
  const s = await RawSignaling.open(srv.signalingUrl);
  s.hello({ type: 'warp', version: 2 });
  const err = await s.error();
  assert.equal(err.body?.code, 53004);
  assert.match(err.body?.message ?? '', /Unknown RSP message type: warp/);
  assert.equal((await s.closed).code, 1000);
});

test('a connect with the wrong RSP version gets error 53004', async () => {
  const s = await RawSignaling.open(srv.signalingUrl);
  s.hello(await connectBody(await srv.token('v'), { version: 3 }));
  const err = await s.error();
  assert.equal(err.body?.code, 53004);
  assert.match(err.body?.message ?? '', /version/);
});

test('a frame over the size limit closes the socket with 1009', async () => {
  const s = await RawSignaling.open(srv.signalingUrl);
  s.hello({ type: 'ice', version: 1, token: 'x'.repeat(70 * 1024) });
  assert.equal((await s.closed).code, 1009);
});

test('an offer with garbage SDP gets error 53403', async () => {
  const s = await RawSignaling.open(srv.signalingUrl);
  s.hello(
    await connectBody(await srv.token('garbage'), {
      peer_connections: [{ id: 'pc1', description: { type: 'offer', revision: 1, sdp: 'this is not sdp' } }],
    }),
  );
  const err = await s.error();
  assert.equal(err.body?.code, 53403);
  assert.equal((await s.closed).code, 1000);
});

test('a token for another room gets error 20106', async () => {
  const s = await RawSignaling.open(srv.signalingUrl);
  s.hello(await connectBody(await srv.token('eve', 'other-room')));
  const err = await s.error();
  assert.equal(err.body?.code, 20106);
  assert.match(err.body?.message ?? '', /other-room/);
});

test('an expired token gets error 20104 already at ice', async () => {
  const { credentials } = srv.server;
  const now = Math.floor(Date.now() / 1000);
  const expired = await new SignJWT({ grants: { identity: 'old', video: {} } })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' })
    .setIssuer(credentials.apiKeySid)
    .setSubject(credentials.accountSid)
    .setExpirationTime(now - 60)
    .sign(new TextEncoder().encode(credentials.apiKeySecret));
  const s = await RawSignaling.open(srv.signalingUrl);
  s.hello({ type: 'ice', version: 1, edge: 'roaming', token: expired });
  const err = await s.error();
  assert.equal(err.body?.code, 20104);
  assert.equal((await s.closed).code, 1000);
});

test('a forged token gets error 20107', async () => {
  const s = await RawSignaling.open(srv.signalingUrl);
  const token = await srv.token('mallory');
  const [h, p] = token.split('.');
  s.hello({ type: 'ice', version: 1, token: `${h}.${p}.${'A'.repeat(43)}` });
  assert.equal((await s.error()).body?.code, 20107);
});

test('the server and the participants already there are unaffected by all of that', async () => {
  const res = await fetch(srv.server.addresses.httpUrl + '/healthz');
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { status: string }).status, 'ok');
  assert.equal(healthyPub.state, 'connected');
  assert.equal(healthySub.state, 'connected');
  assert.deepEqual([...healthySub.participants.values()].map((p) => p.identity), ['steady-pub']);
  healthyTrack.send('still here');
  await waitFor(() => healthyInbox.length === 1, 'a message after the abuse');
  assert.deepEqual(healthyInbox, ['still here']);
});
