/**
 * Plaza's ICE restart: a participant's peer connection is replaced by a new one negotiated over
 * signaling (libdatachannel cannot restart ICE in place), and DataChannel sessions resume on it
 * without loss or duplication (sequence- and byte-based resume, DATA-CHANNELS.md §3).
 *
 * The cut is real: the server's side of one participant's transport is closed in mid-stream, so
 * whatever was in flight on it is gone, and the client notices its peer connection died and
 * replaces it by itself. restartIce() covers the replacement an app asks for while both ends work.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { LocalDataTrack, type DataChannelMessage, type DataChannelSender, type RemoteDataTrack } from '@plaza/client';
import { PlazaServer } from '@plaza/server';
import { roomsOn, sessionsOf } from './support/rooms.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

let srv: TestServer;
const { joinAll, disconnectAll } = roomsOn(() => srv);
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  disconnectAll();
  await srv.close();
  PlazaServer.cleanupNative();
});

/** Closes the server's side of `identity`'s peer connection: the transport dies under both ends. */
function cutTransport(roomName: string, identity: string): void {
  const room = srv.server.rooms.get(roomName);
  const participant = [...(room?.participants.values() ?? [])].find((p) => p.identity === identity);
  assert.ok(participant?.endpoint, `${identity} has a peer connection`);
  participant.endpoint.close();
}

/** Message i: mostly 1 KiB, every 40th 300 KiB (so fragments are in flight at the cut too). */
function messageFor(i: number): Uint8Array {
  const size = i % 40 === 7 ? 300 * 1024 : 1024;
  const data = new Uint8Array(size);
  for (let k = 0; k < size; k += 997) data[k] = (i + k) & 0xff;
  data[0] = i & 0xff;
  data[size - 1] = (i >> 8) & 0xff;
  return data;
}

const digest = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Sends `total` messages, running `cut` once a third are accepted; pacing on bufferedAmount. */
async function stream(sender: DataChannelSender, total: number, cut: () => void | Promise<unknown>): Promise<void> {
  const sends: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    sends.push(sender.sendMessage(messageFor(i)));
    if (i === Math.floor(total / 3)) await cut();
    if (sender.bufferedAmount > 512 * 1024) await sends[i];
  }
  await Promise.all(sends);
}

function assertEveryMessageOnce(messages: DataChannelMessage[], total: number): void {
  assert.equal(messages.length, total, 'as many messages as sent');
  messages.forEach((m, i) => {
    assert.equal(m.sequenceNumber, i, `message ${i} in order, once`);
    assert.equal(digest(m.data), digest(messageFor(i)), `message ${i} intact`);
  });
}

test("the publisher's transport dies in mid-stream: it reconnects by itself, and the durable session loses and repeats nothing", async () => {
  const [a, b] = await joinAll('cut-publisher', 'a', 'b');
  const got = sessionsOf(b!);
  const sender = a!.dataChannel.createSender({ reliability: 'durable' });
  await waitFor(() => got.receivers.length === 1, 'receiver');
  const reconnecting = new Promise<number>((resolve) => a!.once('reconnecting', (error) => resolve(error.code)));
  const reconnected = new Promise<void>((resolve) => a!.once('reconnected', () => resolve()));
  const total = 1200;
  await stream(sender, total, () => cutTransport('cut-publisher', 'a'));
  assert.equal(await reconnecting, 53405, 'reconnecting with a MediaConnectionError, as the SDK on an ICE restart');
  await reconnected;
  await waitFor(() => got.messages.length >= total, 'every message', 30_000);
  assertEveryMessageOnce(got.messages, total);
  assert.equal(got.closed, 0, 'the session never closed');
  assert.equal(b!.participants.size, 1, 'nobody left');
});

test("the subscriber's transport dies in mid-stream: every message still arrives once, in order", async () => {
  const [a, b] = await joinAll('cut-subscriber', 'a', 'b');
  const got = sessionsOf(b!);
  const sender = a!.dataChannel.createSender({ reliability: 'durable' });
  await waitFor(() => got.receivers.length === 1, 'receiver');
  const reconnected = new Promise<void>((resolve) => b!.once('reconnected', () => resolve()));
  const total = 1200;
  await stream(sender, total, () => cutTransport('cut-subscriber', 'b'));
  await reconnected;
  await waitFor(() => got.messages.length >= total, 'every message', 30_000);
  assertEveryMessageOnce(got.messages, total);
  assert.equal(got.receivers.length, 1, 'the same receiver throughout');
  assert.equal(got.closed, 0);
});

test('restartIce() on both ends in mid-stream: the session goes on, and so do DataTracks and a session sent the other way', async () => {
  const [a, b] = await joinAll('restart-both', 'a', 'b');
  const gotB = sessionsOf(b!);
  const gotA = sessionsOf(a!);
  const sender = a!.dataChannel.createSender({ reliability: 'durable' });
  const back = b!.dataChannel.createSender({ reliability: 'durable' });
  const track = new LocalDataTrack();
  await a!.localParticipant.publishTrack(track);
  const onTrack: string[] = [];
  const remote = await waitFor(() => [...b!.participants.values()].find((p) => p.dataTracks.size === 2), 'a publishes 2 data tracks');
  remote.on('trackMessage', (data: unknown, t: RemoteDataTrack) => {
    if (t.name === track.name) onTrack.push(String(data));
  });
  await waitFor(() => gotB.receivers.length === 1 && gotA.receivers.length === 1, 'receivers');
  const total = 900;
  await stream(sender, total, () => Promise.all([a!.restartIce(), b!.restartIce()]));
  await waitFor(() => gotB.messages.length >= total, 'every message', 30_000);
  assertEveryMessageOnce(gotB.messages, total);

  // Everything published before the replacement works on the new peer connections.
  await back.sendMessage(new TextEncoder().encode('back'));
  await waitFor(() => gotA.messages.length === 1, 'a session message the other way');
  assert.equal(new TextDecoder().decode(gotA.messages[0]!.data), 'back');
  await waitFor(() => b!.state === 'connected' && a!.state === 'connected', 'both connected');
  track.send('after');
  await waitFor(() => onTrack.includes('after'), 'a DataTrack message after the restart');
});
