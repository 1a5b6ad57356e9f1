/**
 * DataChannel sessions with the peer connection and the room faked: what a sender puts in its track
 * state and on its channel, and how a receiver reads envelopes. End to end: test/data-channel.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientErrorCode, ControlKind, decodeControl, decodeEnvelope, encodeControl, encodeEnvelope, ErrorCode, EnvelopeFlag, type Envelope } from '@plaza/protocol';
import { DataChannelFeature, DataChannelReceiver, MAX_RECEIVER_BUFFERED_MESSAGES, type DataChannelGap, type DataChannelMessage } from './DataChannels.js';
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
  bufferedAmount: number;
  sent: Uint8Array[];
  open(): void;
  /** The network took everything and the server says so: bufferedAmount 0, Received, 'bufferedamountlow'. */
  drain(): void;
  /** A notice from the server on this (publisher's) channel. */
  notice(bytes: Uint8Array): void;
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
        bufferedAmount: 0,
        sentBytes: 0,
        sent: [] as Uint8Array[],
        send(data: Uint8Array) {
          channel.sent.push(new Uint8Array(data));
          channel.bufferedAmount += data.byteLength;
          channel.sentBytes += data.byteLength;
        },
        drain() {
          channel.bufferedAmount = 0;
          channel.notice(encodeControl({ kind: ControlKind.Received, sequence: channel.sentBytes >>> 0 }));
          channel.dispatchEvent(new Event('bufferedamountlow'));
        },
        notice(bytes: Uint8Array) {
          channel.dispatchEvent(new MessageEvent('message', { data: bytes.slice().buffer }));
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
  return { localParticipant, participants, addRemote, feature, channels, accept, envelopes, factory };
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
    const { feature, channels, accept, envelopes } = setup({ maxMessageSize: 1000 });
    const sender = feature.createSender({ channelId: 3, maxMessageSizeInBytes: 2000 });
    channels[0]!.open();
    accept();
    assert.equal(sender.maxMessageSizeInBytes, 2000);
    await sender.sendMessage(new Uint8Array(2000).fill(7)); // three fragments of a 1000-byte channel
    assert.deepEqual(
      envelopes(channels[0]!).map((e) => [e.flags & WHOLE, e.payload.length, e.total]),
      [
        [EnvelopeFlag.FragmentStart, 860, 2000],
        [0, 860, undefined],
        [EnvelopeFlag.FragmentEnd, 280, undefined],
      ],
    );
    await assert.rejects(sender.sendMessage(new Uint8Array(2001)), (e: TwilioError) => e.code === ErrorCode.TrackDataMessageTooLarge);
    assert.throws(() => feature.createSender({ maxMessageSizeInBytes: 64 * 1024 * 1024 + 1 }), RangeError);
    channels[0]!.close(); // the channel fails under us
    await assert.rejects(sender.sendMessage(bytes(1)), (e: TwilioError) => e.code === DATA_CHANNEL_SEND_FAILED_CODE && /channel closed/.test(e.message));
  });

  it('durable close(): what was accepted still goes out, in order, then End; unpublished when the server answers End', async () => {
    const { feature, channels, accept, envelopes, localParticipant } = setup();
    const sender = feature.createSender({ channelId: 4 });
    const queued = [sender.sendMessage(bytes(1)), sender.sendMessage(bytes(2))]; // wait for the publication
    sender.close();
    assert.equal(sender.closed, true);
    await assert.rejects(sender.sendMessage(bytes(3)), { name: 'DataChannelSendError', channelId: 4 });
    accept();
    channels[0]!.open();
    await Promise.all(queued);
    const sent = envelopes(channels[0]!);
    assert.deepEqual(sent.slice(0, 2).map((e) => [...e.payload]), [[1], [2]]);
    assert.deepEqual(decodeControl(sent[2]!), { kind: ControlKind.End, sequence: 2 });
    assert.equal(channels[0]!.readyState, 'open'); // the server has not confirmed yet
    channels[0]!.notice(encodeControl({ kind: ControlKind.End, sequence: 2 }));
    assert.equal(channels[0]!.readyState, 'closed');
    assert.deepEqual(localParticipant.getState().tracks, []);
  });

  it('durable: when the channel closes and no new peer connection takes over, what was sent rejects', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { feature, channels, accept } = setup();
    const sender = feature.createSender();
    accept();
    await tick();
    const pending = sender.sendMessage(bytes(1)); // queued in the channel until it opens
    await tick();
    channels[0]!.close();
    let settled = false;
    pending.then(() => (settled = true), () => (settled = true));
    await tick();
    assert.equal(settled, false, 'held: the room may be replacing its transport');
    const later = sender.sendMessage(bytes(2));
    later.catch(() => undefined);
    t.mock.timers.tick(20_000);
    await assert.rejects(pending, (e: TwilioError) => e.code === DATA_CHANNEL_SEND_FAILED_CODE);
    await assert.rejects(later, (e: TwilioError) => e.code === DATA_CHANNEL_SEND_FAILED_CODE);
    assert.equal(sender.closed, true);
  });

  it('durable: on a new peer connection it holds everything until Rewind, then sends again exactly what the server lacks, in order', async () => {
    const { feature, channels, accept, localParticipant, factory } = setup();
    const sender = feature.createSender();
    channels[0]!.open();
    accept();
    await tick();
    const first = [bytes(0), bytes(1, 1), bytes(2, 2, 2)];
    await Promise.all(first.map((m) => sender.sendMessage(m)));
    const old = channels[0]!;
    assert.equal(old.sent.length, 3);
    const sizes = old.sent.map((b) => b.byteLength);
    old.notice(encodeControl({ kind: ControlKind.Received, sequence: sizes[0]! })); // the server had message 0

    localParticipant._moveTo(factory as unknown as ChannelFactory);
    const next = channels[1]!;
    assert.equal(next.label, old.label, 'the same track on the new peer connection');
    const during = sender.sendMessage(bytes(3, 3, 3, 3));
    next.open();
    await tick();
    assert.equal(next.sent.length, 0, 'nothing before the server says where to resume');

    // The server got messages 0 and 1 before the old transport died: 2 goes again, then 3.
    next.notice(encodeControl({ kind: ControlKind.Rewind, sequence: sizes[0]! + sizes[1]! }));
    await during;
    await tick();
    assert.deepEqual(
      next.sent.map((b) => [...(decodeEnvelope(b) as Envelope).payload]),
      [[2, 2, 2], [3, 3, 3, 3]],
    );
    assert.deepEqual(next.sent.map((b) => (decodeEnvelope(b) as Envelope).sequence), [2, 3]);
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
    assert.ok(durable.bufferedAmount >= 984); // the two messages waiting for tokens
    await Promise.all(sends);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 900, `the durable messages waited for tokens (${elapsed} ms)`);
    assert.deepEqual(envelopes(channels[0]!).map((e) => e.sequence), [0, 1, 2]);

    for (let i = 0; i < 5; i++) await lossy.sendMessage(new Uint8Array(492));
    assert.deepEqual(envelopes(channels[1]!).map((e) => e.sequence), [0, 1]); // 2 × 500 B, then dropped
  });

  it('priority: while a high sender has more than its channel takes, normal senders hand over nothing', async () => {
    const { feature, channels, accept } = setup();
    const normal = feature.createSender({ channelId: 1 });
    const high = feature.createSender({ channelId: 2, priority: 'high' });
    accept();
    for (const channel of channels) channel.open();
    await tick();
    const [normalChannel, highChannel] = channels as [FakeChannel, FakeChannel];
    const big = () => new Uint8Array(200 * 1024); // whole messages; 6 pass the 1 MiB mark
    const normalSent = Array.from({ length: 10 }, () => normal.sendMessage(big()));
    assert.equal(normalChannel.sent.length, 6); // alone: up to the high-water mark
    const highSent = Array.from({ length: 10 }, () => high.sendMessage(big()));
    assert.equal(highChannel.sent.length, 6); // not held back by normal traffic
    normalChannel.drain();
    assert.equal(normalChannel.sent.length, 6); // held back: high is congested
    highChannel.drain();
    assert.equal(highChannel.sent.length, 10);
    assert.equal(normalChannel.sent.length, 10); // high has nothing left waiting: normal goes
    await Promise.all([...highSent, ...normalSent]);
  });

  it("backpressure: bufferedAmount counts what waits; 'bufferedAmountLow' fires when it falls to the threshold", async () => {
    const { feature, channels, accept } = setup();
    const sender = feature.createSender();
    sender.bufferedAmountLowThreshold = 1000;
    let low = 0;
    sender.on('bufferedAmountLow', () => low++);
    const sent = Array.from({ length: 8 }, () => sender.sendMessage(new Uint8Array(200 * 1024)));
    assert.equal(sender.bufferedAmount, 8 * 200 * 1024);
    accept();
    channels[0]!.open();
    await tick();
    assert.ok(sender.bufferedAmount > 1000 && low === 0);
    channels[0]!.drain(); // the rest goes to the channel
    await tick();
    assert.equal(low, 0); // still in the channel
    channels[0]!.drain();
    await tick();
    assert.equal(sender.bufferedAmount, 0);
    assert.equal(low, 1);
    await Promise.all(sent);
  });

  it('large messages report progress fragment by fragment, and the receiver gets the same bytes back', async () => {
    const { feature, channels, accept, envelopes } = setup();
    const sender = feature.createSender();
    accept();
    channels[0]!.open();
    const data = Uint8Array.from({ length: 300 * 1024 }, (_, i) => (i * 7) & 0xff);
    const progress: number[] = [];
    await sender.sendMessage(data, { onProgress: (sent, total) => progress.push(total === data.length ? sent : -1) });
    assert.deepEqual(progress, [65536, 131072, 196608, 262144, 307200]);
    const fragments = envelopes(channels[0]!);
    const joined = new Uint8Array(fragments.reduce((n, e) => n + e.payload.length, 0));
    fragments.reduce((at, e) => (joined.set(e.payload, at), at + e.payload.length), 0);
    assert.deepEqual(joined, data);
    assert.ok(fragments.every((e) => e.sequence === 0));
  });

  it('receipts: resolves with who confirmed once every confirming recipient did; the rest after the timeout', async () => {
    const { feature, channels, accept, addRemote, envelopes } = setup();
    const bob = addRemote('PA1', 'bob', 1);
    const carol = addRemote('PA2', 'carol', 2);
    const sdkUser = addRemote('PA3', 'sdk', 3);
    const sender = feature.createSender();
    accept();
    channels[0]!.open();
    const channel = channels[0]!;
    const full = sender.sendMessage(bytes(1), { receipt: true });
    await tick();
    assert.ok(envelopes(channel)[0]!.flags & EnvelopeFlag.ReceiptRequested);
    channel.notice(encodeControl({ kind: ControlKind.Routed, sequence: 0, confirming: [1, 2], unconfirming: [3] }));
    channel.notice(encodeControl({ kind: ControlKind.Receipt, sequence: 0, from: 1 }));
    channel.notice(encodeControl({ kind: ControlKind.Receipt, sequence: 0, from: 2 }));
    const receipt = await full;
    assert.deepEqual(receipt.receivedBy, [bob, carol]);
    assert.deepEqual(receipt.notConfirmed, [sdkUser]);

    const partial = sender.sendMessage(bytes(2), { receipt: true, receiptTimeoutMs: 50 });
    await tick();
    channel.notice(encodeControl({ kind: ControlKind.Routed, sequence: 1, confirming: [1, 2], unconfirming: [] }));
    channel.notice(encodeControl({ kind: ControlKind.Receipt, sequence: 1, from: 2 }));
    const late = await partial;
    assert.deepEqual(late.receivedBy, [carol]);
    assert.deepEqual(late.notConfirmed, [bob]);
    await assert.rejects(feature.createSender({ reliability: 'lossy' }).sendMessage(bytes(1), { receipt: true }), TypeError);
  });

  it('durable: at most a window (1 MiB) beyond what the server reported received is in flight', async () => {
    const { feature, channels, accept } = setup();
    const sender = feature.createSender();
    accept();
    channels[0]!.open();
    await tick();
    const channel = channels[0]!;
    Object.defineProperty(channel, 'bufferedAmount', { get: () => 0, set: () => undefined }); // SCTP took it all
    const sent = Array.from({ length: 10 }, () => sender.sendMessage(new Uint8Array(200 * 1024)));
    assert.equal(channel.sent.length, 6); // the 6th passes 1 MiB
    const firstThree = channel.sent.slice(0, 3).reduce((n, m) => n + m.byteLength, 0);
    channel.notice(encodeControl({ kind: ControlKind.Received, sequence: firstThree }));
    assert.equal(channel.sent.length, 9);
    const all = channel.sent.reduce((n, m) => n + m.byteLength, 0);
    channel.notice(encodeControl({ kind: ControlKind.Received, sequence: all }));
    await Promise.all(sent);
    assert.equal(channel.sent.length, 10);
  });

  it('the server pauses a sender while a recipient is behind, and resumes it', async () => {
    const { feature, channels, accept } = setup();
    const sender = feature.createSender();
    accept();
    channels[0]!.open();
    await tick();
    channels[0]!.notice(encodeControl({ kind: ControlKind.Pause, sequence: 0 }));
    const held = sender.sendMessage(bytes(1));
    await tick();
    assert.equal(channels[0]!.sent.length, 0);
    channels[0]!.notice(encodeControl({ kind: ControlKind.Resume, sequence: 0 }));
    await held;
    assert.equal(channels[0]!.sent.length, 1);
  });

  it('close() with a receipt still awaited ends the session once the receipt is settled', async () => {
    const { feature, channels, accept, envelopes } = setup();
    const sender = feature.createSender();
    accept();
    channels[0]!.open();
    await tick();
    const receipt = sender.sendMessage(bytes(1), { receipt: true, receiptTimeoutMs: 20 });
    sender.close();
    await receipt; // times out: nobody confirmed
    const last = envelopes(channels[0]!).at(-1)!;
    assert.deepEqual(decodeControl(last), { kind: ControlKind.End, sequence: 1 });
  });

  it('an onProgress that throws breaks neither the message nor the sender', async () => {
    const { feature, channels, accept } = setup();
    const sender = feature.createSender();
    accept();
    channels[0]!.open();
    await tick();
    await sender.sendMessage(new Uint8Array(300 * 1024), {
      onProgress: () => {
        throw new Error('app bug');
      },
    });
    channels[0]!.drain();
    await sender.sendMessage(bytes(2));
    assert.equal(channels[0]!.sent.length, 6); // 5 fragments, then the next message
  });

  it('a Received count ahead of what was sent does not read as a full window', async () => {
    const { feature, channels, accept } = setup();
    const sender = feature.createSender();
    accept();
    channels[0]!.open();
    await tick();
    channels[0]!.notice(encodeControl({ kind: ControlKind.Received, sequence: 5000 }));
    await sender.sendMessage(bytes(1));
    assert.equal(channels[0]!.sent.length, 1);
  });

  it("a high sender the server paused does not hold normal senders back; lossy messages leave room for the server's previous", async () => {
    const { feature, channels, accept } = setup();
    const high = feature.createSender({ channelId: 1, priority: 'high' });
    const normal = feature.createSender({ channelId: 2 });
    const lossy = feature.createSender({ channelId: 3, reliability: 'lossy' });
    accept();
    for (const channel of channels) channel.open();
    await tick();
    channels[0]!.notice(encodeControl({ kind: ControlKind.Pause, sequence: 0 }));
    void high.sendMessage(bytes(1));
    await normal.sendMessage(bytes(2));
    assert.equal(channels[1]!.sent.length, 1);
    assert.equal(lossy.maxMessageSizeInBytes, 262144 - 8 - 4);
  });

  it("the server's refusal rejects a message still in flight with its code", async () => {
    const { feature, channels, accept } = setup();
    const sender = feature.createSender();
    accept();
    channels[0]!.open();
    const refused = sender.sendMessage(new Uint8Array(300 * 1024), { receipt: true });
    await tick();
    channels[0]!.notice(encodeControl({ kind: ControlKind.Rejected, sequence: 0, code: ErrorCode.TrackDataMessageTooLarge }));
    await assert.rejects(refused, (e: TwilioError) => e.code === ErrorCode.TrackDataMessageTooLarge);
    await sender.sendMessage(bytes(1)); // the session goes on
  });

  it('a full send queue rejects with 53307', async () => {
    const { feature } = setup();
    const sender = feature.createSender(); // never published: everything waits
    const limit = sender.track.queueLimits.maxMessages;
    const waiting = Array.from({ length: limit }, () => sender.sendMessage(bytes(1)));
    await assert.rejects(sender.sendMessage(bytes(1)), (e: TwilioError) => e.code === ClientErrorCode.DataTrackSendQueueFull);
    feature._close('the room disconnected');
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
    const upstream: Uint8Array[] = [];
    const track = { _receiver: { sendUpstream: (data: Uint8Array) => upstream.push(data) } } as unknown as RemoteDataTrack;
    const r = new DataChannelReceiver({ channelId: 9, reliability: 'lossy', priority: 'normal' }, sender, track, log, () => closed++);
    const deliver = (sequence: number, payload: Uint8Array, flags = WHOLE, extra: { total?: number; previous?: number } = {}) => {
      const envelope = encodeEnvelope({ flags, sequence, recipients: [], payload, ...extra });
      r._sink.message(envelope.buffer.slice(envelope.byteOffset, envelope.byteOffset + envelope.byteLength) as ArrayBuffer);
    };
    return { r, deliver, closed: () => closed, upstream };
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

  it('drops strings, malformed envelopes and broken fragment runs', () => {
    const { r, deliver } = receiver();
    const got: DataChannelMessage[] = [];
    r.on('message', (m) => got.push(m));
    r._sink.message('text');
    r._sink.message(new Uint8Array([1, 2, 3]).buffer);
    deliver(1, bytes(1), 0); // a middle fragment of nothing
    deliver(2, bytes(2), EnvelopeFlag.FragmentStart, { total: 4 });
    deliver(3, bytes(3), EnvelopeFlag.FragmentEnd); // another message's end
    deliver(4, bytes(4), EnvelopeFlag.FragmentStart, { total: 2 });
    deliver(4, bytes(4, 4), EnvelopeFlag.FragmentEnd); // more than announced
    deliver(5, bytes(5), EnvelopeFlag.FragmentStart, { total: 3 });
    deliver(5, bytes(5), EnvelopeFlag.FragmentEnd); // less than announced
    deliver(6, bytes(6), EnvelopeFlag.FragmentStart, { total: 64 * 1024 * 1024 + 1 }); // over MAX_MESSAGE_BYTES
    deliver(7, bytes(7));
    assert.deepEqual(got.map((m) => m.sequenceNumber), [7]);
    assert.equal(r.invalidMessages, 7);
  });

  it('reassembles a fragmented message, with progress, and answers a receipt request after delivery', () => {
    const { r, deliver, upstream } = receiver();
    const events: string[] = [];
    r.on('progress', (p) => events.push(`progress ${p.sequenceNumber} ${p.receivedBytes}/${p.totalBytes}`));
    r.on('message', (m) => events.push(`message ${m.sequenceNumber} ${[...m.data].join(',')} receipts so far ${upstream.length}`));
    const asked = EnvelopeFlag.ReceiptRequested;
    deliver(8, bytes(1, 2), EnvelopeFlag.FragmentStart | asked, { total: 5 });
    deliver(8, bytes(3, 4), asked);
    deliver(8, bytes(5), EnvelopeFlag.FragmentEnd | asked);
    assert.deepEqual(events, ['progress 8 2/5', 'progress 8 4/5', 'progress 8 5/5', 'message 8 1,2,3,4,5 receipts so far 0']);
    assert.equal(upstream.length, 1);
    const receipt = decodeEnvelope(upstream[0]!) as Envelope;
    assert.deepEqual(decodeControl(receipt), { kind: ControlKind.Receipt, sequence: 8, from: null });
  });

  it('lossy: reports a gap only when the server says something addressed to us came before', () => {
    const { r, deliver } = receiver();
    const gaps: DataChannelGap[] = [];
    r.on('gap', (g) => gaps.push(g));
    r.on('message', () => undefined);
    deliver(0, bytes(0)); // first message to us: nothing before it
    deliver(5, bytes(5), WHOLE | EnvelopeFlag.Previous, { previous: 0 }); // 1–4 were for others
    deliver(9, bytes(9), WHOLE | EnvelopeFlag.Previous, { previous: 7 }); // 7 was for us and is missing
    assert.deepEqual(gaps, [{ lastReceived: 5, nextReceived: 9 }]);
    assert.equal(r.gaps, 1);
  });

  it("the server's End (in band, behind the last message) closes the session, and is answered", () => {
    const { r, deliver, closed, upstream } = receiver();
    const events: string[] = [];
    r.on('message', (m) => events.push(`message ${m.sequenceNumber}`));
    r.on('close', () => events.push('close'));
    deliver(0, bytes(0));
    const end = encodeControl({ kind: ControlKind.End, sequence: 0 });
    r._sink.message(end.buffer.slice(end.byteOffset, end.byteOffset + end.byteLength) as ArrayBuffer);
    deliver(1, bytes(1)); // nothing after End
    assert.deepEqual(events, ['message 0', 'close']);
    assert.equal(closed(), 1);
    assert.deepEqual(decodeControl(decodeEnvelope(upstream[0]!) as Envelope), { kind: ControlKind.End, sequence: 0 });
  });

  it('replayed messages are marked and never confirmed', () => {
    const { r, deliver, upstream } = receiver();
    const got: DataChannelMessage[] = [];
    r.on('message', (m) => got.push(m));
    deliver(3, bytes(3), WHOLE | EnvelopeFlag.Replayed | EnvelopeFlag.ReceiptRequested);
    deliver(4, bytes(4));
    assert.deepEqual(got, [
      { sequenceNumber: 3, data: bytes(3), replayed: true },
      { sequenceNumber: 4, data: bytes(4) },
    ]);
    assert.equal(upstream.length, 0);
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
