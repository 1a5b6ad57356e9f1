/**
 * DataChannel sessions with the peer connection and the room faked: what a sender puts in its track
 * state and on its channel, and how a receiver reads envelopes. End to end: test/data-channel.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientErrorCode, decodeEnvelope, encodeEnvelope, ErrorCode, EnvelopeFlag, type Envelope } from '@plaza/protocol';
import { DataChannelFeature, DataChannelReceiver, MAX_RECEIVER_BUFFERED_MESSAGES, type DataChannelMessage } from './DataChannels.js';
import { DATA_CHANNEL_SEND_FAILED_CODE, type TwilioError } from './errors.js';
import { LocalParticipant, type ChannelFactory } from './LocalParticipant.js';
import { Logger } from './Logger.js';
import type { RemoteDataTrack } from './RemoteDataTrack.js';
import { RemoteParticipant } from './RemoteParticipant.js';

const log = new Logger('off');
const tick = () => new Promise((resolve) => setImmediate(resolve));
const WHOLE = EnvelopeFlag.FragmentStart | EnvelopeFlag.FragmentEnd;

interface FakeChannel extends EventTarget {
  label: string;
  init: RTCDataChannelInit;
  readyState: RTCDataChannelState;
  sent: Uint8Array[];
  open(): void;
}

function setup(options: { maxMessageSize?: number } = {}) {
  const channels: FakeChannel[] = [];
  const factory = {
    maxMessageSize: options.maxMessageSize ?? 262144,
    createDataChannel(label: string, init: RTCDataChannelInit) {
      const channel = Object.assign(new EventTarget(), {
        label,
        init,
        readyState: 'connecting' as RTCDataChannelState,
        sent: [] as Uint8Array[],
        send(data: Uint8Array) {
          channel.sent.push(new Uint8Array(data));
        },
        close() {
          channel.readyState = 'closed';
          channel.dispatchEvent(new Event('close'));
        },
        open() {
          channel.readyState = 'open';
          channel.dispatchEvent(new Event('open'));
        },
      });
      channels.push(channel);
      return channel as unknown as RTCDataChannel;
    },
  };
  const localParticipant = new LocalParticipant(log);
  localParticipant._setChannelFactory(factory as unknown as ChannelFactory);
  localParticipant._connect('PA0', 'me', 0);
  localParticipant._setUpdateCallback(() => undefined);
  const participants = new Map<string, RemoteParticipant>();
  const addRemote = (sid: string, identity: string, index: number | undefined) => {
    const participant = new RemoteParticipant({ sid, identity, revision: 1, state: 'connected', tracks: [], plaza_index: index }, log);
    participants.set(sid, participant);
    return participant;
  };
  const feature = new DataChannelFeature({ localParticipant, participants }, log);
  let publishedRevision = 0;
  /** The server accepts every track in our state (`published ... ready`). */
  const accept = () => {
    const tracks = localParticipant.getState().tracks.map((t, i) => ({ id: t.id, sid: `MT${i}`, state: 'ready' as const }));
    localParticipant._handlePublished({ revision: ++publishedRevision, tracks });
  };
  const envelopes = (channel: FakeChannel) => channel.sent.map((bytes) => decodeEnvelope(bytes) as Envelope);
  return { localParticipant, participants, addRemote, feature, channels, accept, envelopes };
}

const bytes = (...values: number[]) => new Uint8Array(values);

describe('DataChannelSender', () => {
  it('publishes a data track named plaza-channel-<id> whose state carries plaza_channel', () => {
    const { feature, localParticipant, channels } = setup();
    const durable = feature.createSender({ channelId: 7, priority: 'high' });
    const lossy = feature.createSender({ channelId: 8, reliability: 'lossy' });
    assert.equal(durable.reliability, 'durable');
    assert.equal(durable.priority, 'high');
    assert.equal(lossy.priority, 'normal');
    const tracks = localParticipant.getState().tracks;
    assert.deepEqual(
      tracks.map((t) => ({ name: t.name, ordered: t.ordered, max_retransmits: t.max_retransmits, plaza_channel: t.plaza_channel })),
      [
        { name: 'plaza-channel-7', ordered: true, max_retransmits: null, plaza_channel: { channel_id: 7, reliability: 'durable', priority: 'high' } },
        { name: 'plaza-channel-8', ordered: false, max_retransmits: 0, plaza_channel: { channel_id: 8, reliability: 'lossy', priority: 'normal' } },
      ],
    );
    assert.deepEqual(
      channels.map((c) => c.init),
      [{ ordered: true }, { ordered: false, maxRetransmits: 0 }],
    );
  });

  it('waits for the publication, then sends whole-message envelopes with consecutive sequence numbers', async () => {
    const { feature, channels, accept, envelopes } = setup();
    const sender = feature.createSender();
    const first = sender.sendMessage(bytes(1));
    const second = sender.sendMessage(bytes(2, 2));
    channels[0]!.open();
    await tick();
    assert.equal(channels[0]!.sent.length, 0); // not before the server reports the track ready
    accept();
    await Promise.all([first, second]);
    await sender.sendMessage(bytes(3).buffer);
    assert.deepEqual(envelopes(channels[0]!), [
      { flags: WHOLE, sequence: 0, recipients: [], payload: bytes(1) },
      { flags: WHOLE, sequence: 1, recipients: [], payload: bytes(2, 2) },
      { flags: WHOLE, sequence: 2, recipients: [], payload: bytes(3) },
    ]);
  });

  it('names recipients by room index, skips those who left, and sends nothing when all named are gone', async () => {
    const { feature, channels, accept, envelopes, addRemote, participants } = setup();
    const bob = addRemote('PA1', 'bob', 1);
    addRemote('PA2', 'carol', 2);
    addRemote('PA3', 'noindex', undefined);
    const sender = feature.createSender({ participants: [bob, 'carol', 'PA3', 'nobody-here'] });
    channels[0]!.open();
    accept();
    await sender.sendMessage(bytes(1));
    sender.setParticipants(['PA2']);
    await sender.sendMessage(bytes(2));
    bob._disconnect();
    participants.delete('PA2');
    sender.setParticipants([bob, 'carol']);
    await sender.sendMessage(bytes(3)); // resolves, not sent (above all: not to everyone)
    sender.setParticipants([]);
    await sender.sendMessage(bytes(4));
    assert.deepEqual(
      envelopes(channels[0]!).map((e) => [e.sequence, e.recipients]),
      [
        [0, [1, 2]],
        [1, [2]],
        [2, []],
      ],
    );
    assert.throws(() => sender.setParticipants(Array.from({ length: 65 }, (_, i) => `p${i}`)), RangeError);
    assert.throws(() => sender.setParticipants([42 as unknown as string]), TypeError);
  });

  it('allocates the lowest free channel id and closes an open sender whose id is reused', async () => {
    const { feature, localParticipant, accept, channels } = setup();
    const a = feature.createSender();
    const b = feature.createSender({ channelId: 0 });
    const c = feature.createSender({ channelId: 5 });
    assert.deepEqual([a.channelId, b.channelId, c.channelId], [1, 2, 5]);
    a.close();
    assert.equal(feature.createSender().channelId, 1);
    accept();
    const replacement = feature.createSender({ channelId: 5, reliability: 'lossy' });
    assert.equal(c.closed, true);
    assert.equal(replacement.closed, false);
    assert.deepEqual(
      feature.senders.map((s) => s.channelId).sort((x, y) => x - y),
      [1, 2, 5],
    );
    assert.deepEqual(
      localParticipant.getState().tracks.map((t) => t.name).sort(),
      ['plaza-channel-1', 'plaza-channel-2', 'plaza-channel-5'],
    );
    assert.equal(channels.filter((ch) => ch.readyState === 'closed').length, 2); // a's and c's
    assert.throws(() => feature.createSender({ channelId: 65536 }), RangeError);
    assert.throws(() => feature.createSender({ reliability: 'reliable' as 'durable' }), RangeError);
    assert.throws(() => feature.createSender({ bitrateInKbps: -1 }), RangeError);
  });

  it('durable: a closed sender, an oversized message and a failed channel reject with typed errors', async () => {
    const { feature, channels, accept } = setup({ maxMessageSize: 1000 });
    const sender = feature.createSender({ channelId: 3 });
    channels[0]!.open();
    accept();
    assert.equal(sender.maxMessageSizeInBytes, 1000 - 8);
    await sender.sendMessage(new Uint8Array(992));
    await assert.rejects(sender.sendMessage(new Uint8Array(993)), (e: TwilioError) => e.code === ErrorCode.TrackDataMessageTooLarge);
    channels[0]!.close(); // the channel fails under us
    await assert.rejects(sender.sendMessage(bytes(1)), (e: TwilioError) => e.code === DATA_CHANNEL_SEND_FAILED_CODE && /channel closed/.test(e.message));

    const other = feature.createSender({ channelId: 4 });
    const queued = other.sendMessage(bytes(1)); // waits for the publication
    other.close();
    await assert.rejects(queued, (e: TwilioError) => e.code === DATA_CHANNEL_SEND_FAILED_CODE);
    await assert.rejects(other.sendMessage(bytes(1)), { name: 'DataChannelSendError', channelId: 4 });
  });

  it('durable: messages handed to a channel that closes before opening reject', async () => {
    const { feature, channels, accept } = setup();
    const sender = feature.createSender();
    accept();
    await tick();
    const pending = sender.sendMessage(bytes(1)); // queued in the channel until it opens
    await tick();
    channels[0]!.close();
    await assert.rejects(pending, (e: TwilioError) => e.code === DATA_CHANNEL_SEND_FAILED_CODE);
  });

  it('lossy: never rejects, drops what it cannot send', async () => {
    const { feature, channels, accept } = setup({ maxMessageSize: 100 });
    const sender = feature.createSender({ reliability: 'lossy' });
    channels[0]!.open();
    accept();
    await sender.sendMessage(new Uint8Array(500));
    await sender.sendMessage(bytes(1));
    sender.close();
    await sender.sendMessage(bytes(2));
    assert.equal(channels[0]!.sent.length, 1);
  });

  it('bitrateInKbps: durable messages wait for tokens in order, lossy ones beyond the rate are dropped', async () => {
    const { feature, channels, accept, envelopes } = setup();
    // 8 kbit/s = 1000 B/s, burst 1000 B: one 992-byte message (1000 with its envelope) per second.
    const durable = feature.createSender({ bitrateInKbps: 8 });
    const lossy = feature.createSender({ bitrateInKbps: 8, reliability: 'lossy' });
    for (const channel of channels) channel.open();
    accept();
    const started = performance.now();
    const sends = [durable.sendMessage(new Uint8Array(992)), durable.sendMessage(new Uint8Array(492)), durable.sendMessage(new Uint8Array(492))];
    await sends[0];
    assert.equal(channels[0]!.sent.length, 1);
    assert.ok(durable.bufferedAmount >= 1000);
    await Promise.all(sends);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 900, `the durable messages waited for tokens (${elapsed} ms)`);
    assert.deepEqual(envelopes(channels[0]!).map((e) => e.sequence), [0, 1, 2]);

    for (let i = 0; i < 5; i++) await lossy.sendMessage(new Uint8Array(492));
    assert.deepEqual(envelopes(channels[1]!).map((e) => e.sequence), [0, 1]); // 2 × 500 B, then dropped
  });

  it('a full send queue rejects with 53307', async () => {
    const { feature } = setup();
    const sender = feature.createSender(); // never published: everything waits
    const limit = sender.track.queueLimits.maxMessages;
    const waiting = Array.from({ length: limit }, () => sender.sendMessage(bytes(1)));
    await assert.rejects(sender.sendMessage(bytes(1)), (e: TwilioError) => e.code === ClientErrorCode.DataTrackSendQueueFull);
    sender.close();
    const results = await Promise.allSettled(waiting);
    assert.ok(results.every((r) => r.status === 'rejected'));
  });

  it('closing the room closes every sender', async () => {
    const { feature } = setup();
    const sender = feature.createSender();
    const queued = sender.sendMessage(bytes(1));
    feature._close('the room disconnected');
    assert.equal(sender.closed, true);
    assert.deepEqual(feature.senders, []);
    await assert.rejects(queued, /room disconnected/);
  });
});

describe('DataChannelReceiver', () => {
  function receiver() {
    const sender = new RemoteParticipant({ sid: 'PA1', identity: 'bob', revision: 1, state: 'connected', tracks: [] }, log);
    let closed = 0;
    const r = new DataChannelReceiver({ channelId: 9, reliability: 'lossy', priority: 'normal' }, sender, {} as RemoteDataTrack, log, () => closed++);
    const deliver = (sequence: number, payload: Uint8Array, flags = WHOLE) => {
      const envelope = encodeEnvelope({ flags, sequence, recipients: [], payload });
      r._sink.message(envelope.buffer.slice(envelope.byteOffset, envelope.byteOffset + envelope.byteLength) as ArrayBuffer);
    };
    return { r, deliver, closed: () => closed };
  }

  it("emits each message to 'message' listeners with its sequence number", () => {
    const { r, deliver } = receiver();
    const got: DataChannelMessage[] = [];
    r.on('message', (m) => got.push(m));
    deliver(4, bytes(1, 2));
    deliver(0xffffffff, bytes());
    assert.deepEqual(got, [
      { sequenceNumber: 4, data: bytes(1, 2) },
      { sequenceNumber: 0xffffffff, data: bytes() },
    ]);
    assert.equal(r.readMessage(), undefined); // given to listeners, not kept
  });

  it("without 'message' listeners, keeps the latest messages for readMessage() and signals messageReady", () => {
    const { r, deliver } = receiver();
    let ready = 0;
    r.on('messageReady', () => ready++);
    for (let i = 0; i < MAX_RECEIVER_BUFFERED_MESSAGES + 2; i++) deliver(i, bytes(i & 0xff));
    assert.equal(ready, MAX_RECEIVER_BUFFERED_MESSAGES + 2);
    assert.equal(r.bufferedMessages, MAX_RECEIVER_BUFFERED_MESSAGES);
    assert.equal(r.droppedMessages, 2);
    assert.equal(r.readMessage()?.sequenceNumber, 2);
    assert.equal(r.readMessage()?.sequenceNumber, 3);
  });

  it('drops strings, malformed envelopes and fragments', () => {
    const { r, deliver } = receiver();
    const got: DataChannelMessage[] = [];
    r.on('message', (m) => got.push(m));
    r._sink.message('text');
    r._sink.message(new Uint8Array([1, 2, 3]).buffer);
    deliver(1, bytes(1), EnvelopeFlag.FragmentStart);
    deliver(2, bytes(2));
    assert.deepEqual(got.map((m) => m.sequenceNumber), [2]);
    assert.equal(r.invalidMessages, 3);
  });

  it("emits 'close' once, and nothing after", () => {
    const { r, deliver, closed } = receiver();
    const events: string[] = [];
    r.on('close', () => events.push('close'));
    r.on('message', () => events.push('message'));
    r._sink.close();
    r._sink.close();
    deliver(1, bytes(1));
    assert.deepEqual(events, ['close']);
    assert.equal(closed(), 1);
    assert.equal(r.closed, true);
  });
});
