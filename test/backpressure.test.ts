/**
 * A stalled subscriber of a reliable DataTrack must not stall the publisher or anyone else, and
 * must not grow the server's memory without bound: past the relay's queue limit its one
 * subscription ends with error 53390 (README "DataTrack delivery and backpressure").
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { connect, LocalDataTrack, type Room } from '@plaza/client';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

const ROOM = 'backpressure';
const MESSAGES = 12_000;
const SIZE = 1024;

let srv: TestServer;
const rooms: Room[] = [];
before(async () => {
  srv = await startTestServer({ relayQueueLimitBytes: 512 * 1024 });
});
after(async () => {
  for (const r of rooms) await r.disconnect();
  await srv.close();
});

function startSubscriberProcess(token: string) {
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', path.resolve('test/support/subscriberProcess.ts'), srv.signalingUrl, token, ROOM],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const events: Array<{ event: string; received?: number; code?: number }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => events.push(JSON.parse(line)));
  return { child, events };
}

test('a stalled subscriber loses its subscription; the publisher and a healthy subscriber carry on', async () => {
  const track = new LocalDataTrack({ name: 'firehose' });
  const publisher = await connect(await srv.token('pub', ROOM), { name: ROOM, wsServer: srv.signalingUrl, tracks: [track] });
  rooms.push(publisher);
  const healthy = await connect(await srv.token('healthy', ROOM), { name: ROOM, wsServer: srv.signalingUrl, tracks: [] });
  rooms.push(healthy);
  const got: number[] = [];
  healthy.on('trackMessage', (data: ArrayBuffer) => got.push(new DataView(data).getUint32(0)));

  const slow = startSubscriberProcess(await srv.token('slow', ROOM));
  try {
    await waitFor(() => slow.events.some((e) => e.event === 'subscribed'), 'slow subscriber subscribed', 20_000);
    await waitFor(() => [...healthy.participants.values()].some((p) => p.dataTracks.size === 1), 'healthy subscribed');

    slow.child.kill('SIGSTOP');
    // Send at a steady pace the healthy path easily carries: ~12 MiB over a few seconds.
    const payload = new Uint8Array(SIZE);
    for (let i = 0; i < MESSAGES; i++) {
      new DataView(payload.buffer).setUint32(0, i);
      track.send(payload);
      if (i % 200 === 199) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => got.length === MESSAGES, `healthy subscriber to receive all ${MESSAGES}`, 60_000);
    assert.deepEqual(got.slice(0, 5), [0, 1, 2, 3, 4]);
    assert.ok(got.every((n, i) => n === i), 'in order, no holes');

    // The server ended the stalled subscription and holds nothing more for it.
    const room = srv.server.rooms.get(ROOM);
    const slowParticipant = [...(room?.participants.values() ?? [])].find((p) => p.identity === 'slow');
    assert.ok(slowParticipant, 'slow participant still in the room');
    assert.equal(slowParticipant.subscriptions.size, 0);
    assert.equal(slowParticipant.slowTracks.size, 1);

    slow.child.kill('SIGCONT');
    const failed = await waitFor(() => slow.events.find((e) => e.event === 'subscriptionFailed'), 'subscriptionFailed', 20_000);
    assert.equal(failed.code, 53390);
    assert.ok(slow.events.some((e) => e.event === 'unsubscribed'));
    assert.ok((failed.received ?? 0) < MESSAGES, 'the stalled subscriber did not get everything');
  } finally {
    slow.child.kill('SIGCONT');
    slow.child.stdin?.end();
    slow.child.kill();
  }
});
