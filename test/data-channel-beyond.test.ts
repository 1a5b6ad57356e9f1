/**
 * What DataChannel sessions add beyond ACS and Twilio (DATA-CHANNELS.md §3), between @plaza/client
 * peers under Node through a real server: large messages, receipts, retention, the server's size
 * cap, a flushing close(), and no loss or duplication across a signaling cut.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { PlazaServer } from '@plaza/server';
import { roomsOn, sessionsOf } from './support/rooms.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

let srv: TestServer;
const { join, joinAll, disconnectAll } = roomsOn(() => srv);
before(async () => {
  // A server cap (20 MiB) below what a client may be set to send (up to 64 MiB): the server must refuse.
  srv = await startTestServer({ dataMaxMessageBytes: 20 * 1024 * 1024 });
});
after(async () => {
  disconnectAll();
  await srv.close();
  PlazaServer.cleanupNative();
});

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const text = (s: string) => new TextEncoder().encode(s);

test('a 16 MiB durable message arrives whole and intact, with progress, only at its recipient', async () => {
  const [a, b, c] = await joinAll('large', 'a', 'b', 'c');
  const [gb, gc] = [sessionsOf(b!), sessionsOf(c!)];
  const sender = a!.dataChannel.createSender({ participants: ['b'] });
  const data = new Uint8Array(randomBytes(16 * 1024 * 1024));
  let lastProgress = 0;
  const started = performance.now();
  await sender.sendMessage(data, { onProgress: (sent) => (lastProgress = sent) });
  assert.equal(lastProgress, data.length);
  await waitFor(() => gb.messages.length === 1, 'the large message', 60_000);
  const seconds = (performance.now() - started) / 1000;
  console.log(`# 16 MiB in ${seconds.toFixed(2)} s (${(16 / seconds).toFixed(1)} MiB/s)`);
  assert.equal(gb.messages[0]!.data.length, data.length);
  assert.equal(sha256(gb.messages[0]!.data), sha256(data));
  assert.ok(gb.progress >= 256, `progress per 64 KiB fragment (${gb.progress})`);
  // c's receiver exists (same session) but nothing addressed to b reached it.
  await sender.sendMessage(text('still only b'));
  sender.setParticipants([]);
  await sender.sendMessage(text('now everyone'));
  await waitFor(() => gc.messages.length === 1, 'the broadcast at c');
  assert.deepEqual(new TextDecoder().decode(gc.messages[0]!.data), 'now everyone');
  assert.equal(gc.progress, 0);
});

test('over the server limit: the server refuses the message and the sender gets 53306; the session goes on', async () => {
  const [a, b] = await joinAll('server-cap', 'a', 'b');
  const gb = sessionsOf(b!);
  const sender = a!.dataChannel.createSender({ maxMessageSizeInBytes: 32 * 1024 * 1024 });
  const tooBig = sender.sendMessage(new Uint8Array(24 * 1024 * 1024), { receipt: true });
  await assert.rejects(tooBig, { code: 53306 });
  await sender.sendMessage(text('small'));
  await waitFor(() => gb.messages.length === 1, 'the next message');
  assert.equal(new TextDecoder().decode(gb.messages[0]!.data), 'small');
  assert.equal(gb.receivers[0]!.invalidMessages, 0); // the cut-off message never reached b at all
});

test('receipts name who got the message, broadcast or targeted', async () => {
  const [a, b, c] = await joinAll('receipts', 'a', 'b', 'c');
  sessionsOf(b!);
  sessionsOf(c!);
  const sender = a!.dataChannel.createSender();
  await waitFor(() => a!.participants.size === 2, 'both recipients');
  const receipt = await sender.sendMessage(text('hello'), { receipt: true });
  assert.deepEqual(receipt.receivedBy.map((p) => p.identity).sort(), ['b', 'c']);
  assert.deepEqual(receipt.notConfirmed, []);

  sender.setParticipants(['b']);
  const targeted = await sender.sendMessage(text('only b'), { receipt: true });
  assert.deepEqual(targeted.receivedBy.map((p) => p.identity), ['b']);
});

test('retention: a late subscriber first gets the last N broadcasts, marked replayed, then live ones', async () => {
  const [a] = await joinAll('retention', 'a');
  const sender = a!.dataChannel.createSender({ retain: 2 });
  for (const value of ['v1', 'v2', 'v3']) await sender.sendMessage(text(value));
  const late = await join('late', 'retention');
  const got = sessionsOf(late);
  await waitFor(() => got.messages.length === 2, 'the replayed messages');
  await sender.sendMessage(text('v4'));
  await waitFor(() => got.messages.length === 3, 'the live message');
  assert.deepEqual(
    got.messages.map((m) => [m.sequenceNumber, new TextDecoder().decode(m.data), m.replayed ?? false]),
    [
      [1, 'v2', true],
      [2, 'v3', true],
      [3, 'v4', false],
    ],
  );
});

test('durable close(): every message accepted before it arrives, then the receiver closes', async () => {
  const [a, b] = await joinAll('close-flush', 'a', 'b');
  const gb = sessionsOf(b!);
  const sender = a!.dataChannel.createSender();
  await waitFor(() => gb.receivers.length === 1, 'receiver');
  const sent = Array.from({ length: 300 }, (_, i) => sender.sendMessage(new Uint8Array(4096).fill(i & 0xff)));
  sender.close();
  await Promise.all(sent);
  await waitFor(() => gb.receivers[0]!.closed, 'the session closed');
  assert.deepEqual(
    gb.messages.map((m) => m.sequenceNumber),
    Array.from({ length: 300 }, (_, i) => i),
  );
});

test('a signaling cut in mid-stream loses and duplicates nothing', async () => {
  const [a, b] = await joinAll('signaling-cut', 'a', 'b');
  const gb = sessionsOf(b!);
  const sender = a!.dataChannel.createSender();
  await waitFor(() => gb.receivers.length === 1, 'receiver');
  const total = 3000;
  const reconnected = new Promise<void>((resolve) => a!.once('reconnected', () => resolve()));
  const sends: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    sends.push(sender.sendMessage(new Uint8Array(1024).fill(i & 0xff)));
    if (i === total / 3) srv.server.signaling.dropConnections();
    if (sender.bufferedAmount > 256 * 1024) await sends[i];
  }
  await Promise.all(sends);
  await reconnected;
  await waitFor(() => gb.messages.length >= total, 'every message', 30_000);
  assert.equal(gb.messages.length, total);
  assert.ok(gb.messages.every((m, i) => m.sequenceNumber === i && m.data[0] === (i & 0xff)), 'in order, each once, intact');
});
