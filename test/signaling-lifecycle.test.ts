/**
 * Session and room lifecycle over raw TCMP: heartbeats, duplicate identities, the empty-room
 * timeout, and participant state seen by others.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, waitFor, type TestServer } from './support/server.js';
import { RawSignaling, type RawFrame } from './support/rawSignaling.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ emptyRoomTimeoutMs: 300, heartbeatTimeoutMs: 1000 });
});
after(() => srv.close());

async function join(identity: string, room: string, timeout = 1000): Promise<{ s: RawSignaling; connected: RawFrame }> {
  const s = await RawSignaling.open(srv.signalingUrl);
  s.send({
    type: 'hello',
    id: identity,
    version: 2,
    timeout,
    body: { type: 'connect', version: 2, name: room, token: await srv.token(identity), participant: { revision: 1, tracks: [] }, peer_connections: [] },
  });
  const connected = await s.next((f) => f.body?.type === 'connected', `${identity} connected`);
  return { s, connected };
}

test('welcome negotiates the smaller heartbeat timeout and the server heartbeats', async () => {
  const { s } = await join('hb', 'heartbeat', 5000);
  const welcome = await s.next((f) => f.type === 'welcome', 'welcome');
  assert.equal(welcome.negotiatedTimeout, 1000);
  await s.next((f) => f.type === 'heartbeat', 'a server heartbeat', 3000);
  s.close();
});

test('a silent client is closed with 3001 after 3 x the timeout; others see it reconnecting', async () => {
  const { s: watcher } = await join('watcher', 'silence');
  const keepAlive = setInterval(() => watcher.send({ type: 'heartbeat' }), 300);
  try {
    const { s: silent, connected } = await join('silent', 'silence');
    const sid = (connected.body as { participant: { sid: string } }).participant.sid;
    const started = Date.now();
    assert.equal((await silent.closed).code, 3001);
    assert.ok(Date.now() - started >= 2500, 'not before 3 x 1000 ms');
    // Silence is abnormal: the participant is first `reconnecting` for the others.
    const update = await watcher.next(
      (f) => f.body?.type === 'update' && JSON.stringify(f.body).includes(`"sid":"${sid}","identity":"silent","revision":`) && JSON.stringify(f.body).includes('"state":"reconnecting"'),
      'silent participant reconnecting',
    );
    assert.ok(update);
  } finally {
    clearInterval(keepAlive);
    watcher.close();
  }
});

test('a second connection with the same identity wins; the older one gets 53205', async () => {
  const first = await join('dup', 'duplicates');
  const second = await join('dup', 'duplicates');
  const err = await first.s.error();
  assert.equal(err.body?.code, 53205);
  assert.equal((await first.s.closed).code, 1000);
  const room = srv.server.rooms.get('duplicates');
  assert.equal(room?.participants.size, 1);
  assert.equal([...room!.participants.values()][0]!.sid, (second.connected.body as { participant: { sid: string } }).participant.sid);
  second.s.close();
});

test('an empty room ends after the empty-room timeout', async () => {
  const { s } = await join('lonely', 'ephemeral');
  const room = srv.server.rooms.get('ephemeral');
  assert.ok(room);
  s.send({ type: 'msg', body: { type: 'disconnect', version: 2 } });
  await waitFor(() => room.participants.size === 0, 'participant gone');
  await waitFor(() => room.status === 'completed', 'room completed after the timeout', 3000);
  assert.equal(srv.server.rooms.get('ephemeral'), undefined);
  // A new connect to the same name makes a new room.
  const again = await join('back', 'ephemeral');
  assert.notEqual((again.connected.body as { sid: string }).sid, room.sid);
  again.s.close();
});

test('a participant that joins sees the others, and they see it arrive and leave', async () => {
  const a = await join('ann', 'roster');
  const b = await join('ben', 'roster');
  const participants = (b.connected.body as { participants: Array<{ identity: string; state: string }> }).participants;
  assert.deepEqual(participants.map((p) => [p.identity, p.state]), [['ann', 'connected']]);
  await a.s.next((f) => f.body?.type === 'update' && JSON.stringify(f.body).includes('"identity":"ben"'), 'ann sees ben');
  b.s.send({ type: 'msg', body: { type: 'disconnect', version: 2 } });
  b.s.send({ type: 'bye' });
  await a.s.next(
    (f) => f.body?.type === 'update' && JSON.stringify(f.body).includes('"identity":"ben"') && JSON.stringify(f.body).includes('"state":"disconnected"'),
    'ann sees ben leave',
  );
  a.s.close();
});
