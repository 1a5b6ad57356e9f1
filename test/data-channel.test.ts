/**
 * DataChannel sessions (ACS model, DATA-CHANNELS.md §2) between @plaza/client peers under Node, through
 * a real server: routing by recipient, sequence numbers, reliability, channel ids and session ends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type DataChannelReceiver, type RemoteParticipant, type Room } from '@plaza/client';
import { roomsOn } from './support/rooms.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

let srv: TestServer;
const { joinAll, disconnectAll } = roomsOn(() => srv);
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  disconnectAll();
  await srv.close();
});

interface Inbox {
  receivers: DataChannelReceiver[];
  /** `${channelId}:${sequenceNumber}:${text}` per message, in arrival order. */
  messages: string[];
  closed: number[];
  trackMessages: number;
}

/** Records every session this room receives (from the moment its receiver is created). */
function inboxOf(room: Room): Inbox {
  const inbox: Inbox = { receivers: [], messages: [], closed: [], trackMessages: 0 };
  room.dataChannel.on('dataChannelReceiverCreated', (receiver) => {
    inbox.receivers.push(receiver);
    receiver.on('message', ({ sequenceNumber, data }) => {
      inbox.messages.push(`${receiver.channelId}:${sequenceNumber}:${new TextDecoder().decode(data)}`);
    });
    receiver.on('close', () => inbox.closed.push(receiver.channelId));
  });
  room.on('trackMessage', () => inbox.trackMessages++);
  return inbox;
}

const text = (s: string) => new TextEncoder().encode(s);
const participant = (room: Room, identity: string) =>
  [...room.participants.values()].find((p) => p.identity === identity) as RemoteParticipant;

test('a targeted message reaches only its recipient, a broadcast reaches everyone', async () => {
  const [a, b, c, d] = await joinAll('targeted', 'a', 'b', 'c', 'd');
  const [ib, ic, id] = [inboxOf(b!), inboxOf(c!), inboxOf(d!)];
  const sender = a!.dataChannel.createSender({ channelId: 100 });
  await waitFor(() => [ib, ic, id].every((i) => i.receivers.length === 1), 'every receiver created');
  for (const inbox of [ib, ic, id]) {
    const receiver = inbox.receivers[0]!;
    assert.equal(receiver.channelId, 100);
    assert.equal(receiver.reliability, 'durable');
    assert.equal(receiver.senderParticipant.identity, 'a');
    assert.equal(receiver.track.name, 'plaza-channel-100');
  }

  sender.setParticipants([participant(a!, 'b')]);
  await sender.sendMessage(text('only b'));
  sender.setParticipants([]);
  await sender.sendMessage(text('everyone'));
  await waitFor(() => [ib, ic, id].every((i) => i.messages.includes('100:1:everyone')), 'the broadcast everywhere');
  // Same channel, in order: had c or d got the targeted message, it would be there by now.
  assert.deepEqual(ib.messages, ['100:0:only b', '100:1:everyone']);
  assert.deepEqual(ic.messages, ['100:1:everyone']);
  assert.deepEqual(id.messages, ['100:1:everyone']);
  // The session's envelopes never surface as plain DataTrack messages.
  assert.deepEqual([ib.trackMessages, ic.trackMessages, id.trackMessages], [0, 0, 0]);
  assert.equal(participant(b!, 'a').dataTracks.size, 1);
});

test('recipients by identity and SID; sequence numbers show gaps when the recipients change', async () => {
  const [a, b, c, d] = await joinAll('sequence', 'a', 'b', 'c', 'd');
  const [ib, ic, id] = [inboxOf(b!), inboxOf(c!), inboxOf(d!)];
  const sender = a!.dataChannel.createSender({ channelId: 7, participants: ['b'] });
  // Sent at once: waits for the session to be published, and is not lost.
  await sender.sendMessage(text('m0'));
  sender.setParticipants([participant(a!, 'c').sid]);
  await sender.sendMessage(text('m1'));
  sender.setParticipants(['b', 'c']);
  await sender.sendMessage(text('m2'));
  sender.setParticipants(['gone-already']);
  await sender.sendMessage(text('nobody')); // named but unknown: not sent at all
  sender.setParticipants([]);
  await sender.sendMessage(text('m3'));
  await waitFor(() => [ib, ic, id].every((i) => i.messages.some((m) => m.endsWith(':m3'))), 'the last broadcast everywhere');
  assert.deepEqual(ib.messages, ['7:0:m0', '7:2:m2', '7:3:m3']);
  assert.deepEqual(ic.messages, ['7:1:m1', '7:2:m2', '7:3:m3']);
  assert.deepEqual(id.messages, ['7:3:m3']);
});

test('a lossy sender: unordered, no retransmits, announced as lossy', async () => {
  const [a, b] = await joinAll('lossy', 'a', 'b');
  const ib = inboxOf(b!);
  const sender = a!.dataChannel.createSender({ reliability: 'lossy', priority: 'high', bitrateInKbps: 512 });
  assert.equal(sender.channelId, 1);
  await waitFor(() => ib.receivers.length === 1, 'receiver created');
  const receiver = ib.receivers[0]!;
  assert.equal(receiver.reliability, 'lossy');
  assert.equal(receiver.priority, 'high');
  assert.equal(receiver.track.ordered, false);
  assert.equal(receiver.track.maxRetransmits, 0);
  assert.equal(receiver.track.reliable, false);
  await sender.sendMessage(text('fast'));
  await waitFor(() => ib.messages.length === 1, 'the message (loopback does not lose it)');
  assert.deepEqual(ib.messages, ['1:0:fast']);
});

test('channel ids: the lowest free one is allocated; reusing one closes the old session', async () => {
  const [a, b] = await joinAll('channel-ids', 'a', 'b');
  const ib = inboxOf(b!);
  const first = a!.dataChannel.createSender();
  const second = a!.dataChannel.createSender({ channelId: 0 });
  assert.deepEqual([first.channelId, second.channelId], [1, 2]);
  await waitFor(() => ib.receivers.length === 2, 'two receivers');
  const oldReceiver = ib.receivers.find((r) => r.channelId === 1)!;

  const replacement = a!.dataChannel.createSender({ channelId: 1, reliability: 'lossy' });
  assert.equal(first.closed, true);
  await assert.rejects(first.sendMessage(text('x')), { code: 53391 });
  await waitFor(() => ib.closed.includes(1) && ib.receivers.length === 3, 'old session closed, new one received');
  assert.equal(oldReceiver.closed, true);
  const newReceiver = ib.receivers[2]!;
  assert.equal(newReceiver.channelId, 1);
  assert.equal(newReceiver.reliability, 'lossy');
  await replacement.sendMessage(text('new'));
  await waitFor(() => ib.messages.length === 1, 'a message on the new session');
  assert.deepEqual(ib.messages, ['1:0:new']);
  assert.equal(second.closed, false);
  assert.deepEqual(
    a!.dataChannel.senders.map((s) => s.channelId).sort(),
    [1, 2],
  );
});

test("closing a sender, or its participant leaving, emits 'close' on the receivers", async () => {
  const [a, b, c] = await joinAll('session-end', 'a', 'b', 'c');
  const [ib, ic] = [inboxOf(b!), inboxOf(c!)];
  const closing = a!.dataChannel.createSender({ channelId: 1 });
  b!.dataChannel.createSender({ channelId: 2 });
  await waitFor(() => ib.receivers.length === 1 && ic.receivers.length === 2, 'receivers created');
  await closing.sendMessage(text('last'));
  await waitFor(() => ib.messages.length === 1, 'the message before close');
  closing.close();
  await waitFor(() => ib.closed.includes(1) && ic.closed.includes(1), "'close' after sender.close()");
  await assert.rejects(closing.sendMessage(text('after')), { name: 'DataChannelSendError' });
  assert.equal(ic.closed.includes(2), false);

  b!.disconnect();
  await waitFor(() => ic.closed.includes(2), "'close' after the sender left");
  assert.deepEqual(c!.dataChannel.receivers, []);
});
