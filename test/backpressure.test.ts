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
  const events: Array<{ event: string; received?: number; outOfOrder?: number; code?: number }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => events.push(JSON.parse(line)));
  const count = async (): Promise<{ received: number; outOfOrder: number }> => {
    const before = events.length;
    child.stdin.write('count\n');
    const reply = await waitFor(() => events.slice(before).find((e) => e.event === 'count'), 'a count');
    return { received: reply.received ?? 0, outOfOrder: reply.outOfOrder ?? 0 };
  };
  const stop = (): void => {
    child.kill('SIGCONT');
    child.stdin.end();
  };
  return { child, events, count, stop };
}

test('a stalled subscriber loses its subscription; the publisher and a healthy subscriber carry on', async () => {
  const track = new LocalDataTrack({ name: 'firehose' });
  const publisher = await connect(await srv.token('pub', ROOM), { name: ROOM, wsServer: srv.signalingUrl, tracks: [track] });
  rooms.push(publisher);
  const healthy = startSubscriberProcess(await srv.token('healthy', ROOM));
  const slow = startSubscriberProcess(await srv.token('slow', ROOM));
  try {
    for (const sub of [healthy, slow]) {
      await waitFor(() => sub.events.some((e) => e.event === 'subscribed'), 'subscribed', 20_000);
    }
    slow.child.kill('SIGSTOP');
    // 12 MiB at a steady ~4 MB/s, a rate the healthy path carries easily.
    const payload = new Uint8Array(SIZE);
    const started = Date.now();
    for (let i = 0; i < MESSAGES; i++) {
      new DataView(payload.buffer).setUint32(0, i);
      track.send(payload);
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, Math.max(0, started + (i * 1000) / 4000 - Date.now())));
    }
    await waitFor(async () => (await healthy.count()).received === MESSAGES, `healthy subscriber to receive all ${MESSAGES}`, 60_000);
    assert.deepEqual(await healthy.count(), { received: MESSAGES, outOfOrder: 0 });

    // The server ended the stalled subscription and holds nothing more for it.
    const room = srv.server.rooms.get(ROOM);
    const slowParticipant = [...(room?.participants.values() ?? [])].find((p) => p.identity === 'slow');
    assert.ok(slowParticipant, 'slow participant still in the room');
    assert.equal(slowParticipant.subscriptions.size, 0);
    assert.equal(slowParticipant.slowTracks.size, 1);
    assert.equal(srv.server.stats().relayLegs, 1, 'only the healthy leg is left');

    slow.child.kill('SIGCONT');
    const failed = await waitFor(() => slow.events.find((e) => e.event === 'subscriptionFailed'), 'subscriptionFailed', 20_000);
    assert.equal(failed.code, 53390);
    assert.ok(slow.events.some((e) => e.event === 'unsubscribed'));
    assert.ok((await slow.count()).received < MESSAGES, 'the stalled subscriber did not get everything');
  } finally {
    healthy.stop();
    slow.stop();
  }
});
