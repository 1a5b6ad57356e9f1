/**
 * DataChannel sessions: the Azure Communication Services DataChannel model (DATA-CHANNELS.md §2),
 * as `room.dataChannel`, on top of Plaza's DataTracks.
 *
 * ```ts
 * const sender = room.dataChannel.createSender({ channelId: 10000, reliability: 'durable' });
 * sender.setParticipants([bob]);              // RemoteParticipants, identities or SIDs; [] = everyone
 * await sender.sendMessage(new TextEncoder().encode('hi'));
 * room.dataChannel.on('dataChannelReceiverCreated', (receiver) => {
 *   receiver.on('message', ({ sequenceNumber, data }) => ...);   // or: 'messageReady' + readMessage()
 *   receiver.on('close', () => ...);
 * });
 * ```
 *
 * Names, against the ACS Web Calling SDK (`call.feature(Features.DataChannel)`):
 *
 * | ACS                                                 | Plaza (@plaza/client)                                      |
 * |-----------------------------------------------------|------------------------------------------------------------|
 * | `call.feature(Features.DataChannel)`                | `room.dataChannel` (DataChannelFeature)                    |
 * | `createDataChannelSender(options)`                  | `createSender(options)` (alias `createDataChannelSender`)  |
 * | options `channelId`, `reliability`, `priority`, `bitrateInKbps`, `participants` | same names and values     |
 * | `sender.setParticipants([{ communicationUserId }])` | `sender.setParticipants([participant \| identity \| sid])` |
 * | `sender.sendMessage(Uint8Array)`                    | same (also takes ArrayBuffer / any ArrayBufferView)        |
 * | `sender.close()`, `sender.channelId`, `sender.maxMessageSizeInBytes` | same; plus `reliability`, `priority`, `retain`, `bufferedAmount`, `bufferedAmountLowThreshold`, event `bufferedAmountLow`, `closed` |
 * | (none)                                              | `sendMessage(data, { onProgress, receipt, receiptTimeoutMs })` |
 * | event `dataChannelReceiverCreated(receiver)`        | same                                                       |
 * | `receiver.senderParticipantIdentifier`              | `receiver.senderParticipant` (a RemoteParticipant)         |
 * | `receiver.channelId`                                | same; plus `reliability`, `priority`, `track`, `closed`    |
 * | event `messageReady` + `receiver.readMessage()`     | same; or event `message(message)` (see DataChannelReceiver)|
 * | `DataChannelMessage { sequenceNumber, data }`       | same; plus `replayed` (retention)                          |
 * | (none)                                              | receiver events `progress` (large messages), `gap` (lossy) |
 * | event `close`                                       | same                                                       |
 *
 * How a session travels (the wire format is shared with the server: @plaza/protocol data-envelope.ts):
 *  - A sender is a LocalDataTrack named `plaza-channel-<channelId>`, published with `plaza_channel:
 *    {channel_id, reliability, priority, retain?}` in its track state. Durable = ordered and reliable; lossy =
 *    unordered with maxRetransmits 0. The official SDK sees an ordinary DataTrack of that name and
 *    gets bare payloads; its publication shows in `localParticipant.dataTracks` like any other.
 *  - Every message is one binary envelope (or, when larger than one channel message, a run of
 *    fragment envelopes): flags, the session's u32 sequence number (from 0, one per message
 *    accepted by sendMessage, wrapping at 2^32), and the room indexes (`plaza_index`) of the
 *    recipients, none = everyone. The server forwards it to those only, without the list. The
 *    server sends notices back on the sender's own channel (receipts, refusals).
 *  - Recipients are resolved when sendMessage() is called. A named participant who left (or has no
 *    index) is skipped; if none of the named is left, the message is not sent at all (it is never
 *    widened to everyone), and sendMessage() resolves. Recipients see gaps in sequence numbers when
 *    the list changes (as in ACS), and lossy receivers see gaps where messages were dropped.
 *  - A remote session shows as a RemoteDataTrack in the sender's `dataTracks` (the official model),
 *    but its envelopes are never emitted as `message`/`trackMessage`: the DataChannelReceiver is the
 *    API for them.
 *
 * Semantics and limits:
 *  - createSender() returns at once; the session is published in the background and sendMessage()
 *    waits for it (so messages sent right away are not lost). A channelId in use by another open
 *    sender of ours closes that sender first; 0 or none allocates the lowest free id.
 *  - durable: ordered and lossless. sendMessage() resolves once the whole message is handed to the
 *    RTCDataChannel, and rejects with DataChannelSendError (53391) if the sender is closed, the
 *    session could not be published or its channel failed (also for messages still queued then),
 *    with DataTrackMessageTooLargeError (53306) over `maxMessageSizeInBytes` (default 16 MiB, at
 *    most 64 MiB), with DataTrackSendQueueFullError (53307) when the queue is full (8192 messages /
 *    max(8 MiB, maxMessageSizeInBytes)), or with the server's code if it refuses the message (a
 *    server configured with a lower size limit: 53306). A message larger than one channel message
 *    travels as 64 KiB fragments, reassembled by the receivers (`progress` events on both sides:
 *    sendMessage's `onProgress`, the receiver's 'progress'); official-SDK subscribers only get
 *    messages that fit one channel message.
 *  - Receipts (durable, opt-in per message): `sendMessage(data, { receipt: true })` resolves with
 *    `{ sequenceNumber, receivedBy, notConfirmed }` once every Plaza recipient's app got it, or
 *    after `receiptTimeoutMs` (default 10 s) with the rest in notConfirmed. The server tells the
 *    sender whom it forwarded the message to; official-SDK recipients cannot confirm.
 *  - lossy: unordered, no retransmission. sendMessage() rejects only a call that is wrong in itself
 *    (not bytes, a receipt asked for); a message that cannot be sent is dropped (size violations are logged as a warning); no fragmentation. Receivers see
 *    `gap` events when messages addressed to them went missing (the server stamps each message with
 *    the previous sequence number it addressed to that receiver, so recipient changes are not gaps).
 *  - bitrateInKbps caps a sender with a token bucket holding one second's worth: durable messages
 *    (fragments) wait for tokens, in order; lossy messages beyond the rate are dropped.
 *  - priority: each sender hands its channel at most SESSION_HIGH_WATER (1 MiB) at a time, and
 *    while a high-priority sender has more waiting than its channel (or its 1 MiB window of bytes
 *    the server has not confirmed) takes, normal senders hand over nothing: under congestion high
 *    goes first, with at most ~1 MiB of normal traffic ahead of it. A high sender the server
 *    paused (a slow recipient of its own) does not hold the others back.
 *  - Backpressure: `bufferedAmount` (queue + channel) and the 'bufferedAmountLow' event when it
 *    falls to `bufferedAmountLowThreshold` (default 256 KiB).
 *  - retain (opt-in): the server replays the last N messages sent to everyone (1 = last value; at
 *    most 64 and 1 MiB) to participants who subscribe later, with `replayed: true`.
 *  - close(): durable messages already accepted still go out (their promises settle as usual), then
 *    the session ends; lossy ones are dropped. Receivers get `close` when the session ends or the
 *    sender leaves.
 *  - Text is not a message type: encode it (TextEncoder) as in ACS. Strings on a session channel,
 *    malformed envelopes and broken fragment runs are dropped by the receiver (`invalidMessages`).
 */
import { MAX_RETAINED_MESSAGES } from '@plaza/protocol';
import { allocateChannelId, validateChannelId } from './DataChannelAddressing.js';
import { DataChannelReceiver } from './DataChannelReceiver.js';
import { DataChannelSender, validateMaxMessageSize, validateParticipants } from './DataChannelSender.js';
import type { DataChannelHost, DataChannelSenderOptions } from './DataChannelTypes.js';
import type { Logger } from './Logger.js';
import type { RemoteDataTrack } from './RemoteDataTrack.js';
import type { RemoteDataTrackPublication } from './RemoteDataTrackPublication.js';
import type { RemoteParticipant } from './RemoteParticipant.js';
import { TypedEmitter } from './TypedEmitter.js';

export { DataChannelReceiver, MAX_RECEIVER_BUFFERED_BYTES, MAX_RECEIVER_BUFFERED_MESSAGES } from './DataChannelReceiver.js';
export type { DataChannelReceiverEvents } from './DataChannelReceiver.js';
export { DataChannelSender, DEFAULT_MAX_DURABLE_MESSAGE_BYTES, FRAGMENT_BYTES, SESSION_HIGH_WATER } from './DataChannelSender.js';
export type { DataChannelSenderEvents } from './DataChannelSender.js';
export type * from './DataChannelTypes.js';

export type DataChannelFeatureEvents = {
  /** A remote participant's session we are subscribed to: once per (sender, session, subscription). */
  dataChannelReceiverCreated: [receiver: DataChannelReceiver];
};

/** `room.dataChannel`. */
export class DataChannelFeature extends TypedEmitter<DataChannelFeatureEvents> {
  readonly #host: DataChannelHost;
  readonly #log: Logger;
  /** Open senders by channelId. */
  readonly #senders = new Map<number, DataChannelSender>();
  /** Senders that may still have something to send (open ones, and closed durable ones flushing). */
  readonly #active = new Set<DataChannelSender>();
  readonly #receivers = new Set<DataChannelReceiver>();
  #scheduling = false;
  #scheduleAgain = false;

  constructor(host: DataChannelHost, log: Logger) {
    super();
    this.#host = host;
    this.#log = log;
  }

  /** Open senders of ours. */
  get senders(): DataChannelSender[] {
    return [...this.#senders.values()];
  }

  /** Receivers not closed yet. */
  get receivers(): DataChannelReceiver[] {
    return [...this.#receivers];
  }

  /**
   * Opens a session and returns its sender at once (publishing goes on in the background).
   * Throws RangeError/TypeError on invalid options.
   */
  createSender(options: DataChannelSenderOptions = {}): DataChannelSender {
    const requested = validateChannelId(options.channelId);
    const reliability = options.reliability ?? 'durable';
    if (reliability !== 'durable' && reliability !== 'lossy') throw new RangeError("reliability must be 'durable' or 'lossy'");
    const priority = options.priority ?? 'normal';
    if (priority !== 'high' && priority !== 'normal') throw new RangeError("priority must be 'high' or 'normal'");
    const bitrate = options.bitrateInKbps ?? null;
    if (bitrate !== null && (typeof bitrate !== 'number' || !(bitrate > 0) || !Number.isFinite(bitrate))) {
      throw new RangeError('bitrateInKbps must be a positive number');
    }
    const retain = options.retain ?? null;
    if (retain !== null && (!Number.isInteger(retain) || retain < 1 || retain > MAX_RETAINED_MESSAGES)) {
      throw new RangeError(`retain must be an integer from 1 to ${MAX_RETAINED_MESSAGES}`);
    }
    const maxMessageSizeInBytes = validateMaxMessageSize(options.maxMessageSizeInBytes);
    const participants = validateParticipants(options.participants ?? []);
    if (requested !== 0) this.#senders.get(requested)?.close();
    const channelId = requested || allocateChannelId(this.#senders);
    const sender = new DataChannelSender({
      channelId,
      reliability,
      priority,
      bitrateInKbps: bitrate,
      maxMessageSizeInBytes,
      retain,
      participants,
      host: this.#host,
      log: this.#log,
      schedule: () => this.#schedule(),
      onClosed: (closed) => {
        if (this.#senders.get(closed.channelId) === closed) this.#senders.delete(closed.channelId);
      },
    });
    this.#senders.set(channelId, sender);
    this.#active.add(sender);
    return sender;
  }

  /** ACS name of createSender(). */
  createDataChannelSender(options: DataChannelSenderOptions = {}): DataChannelSender {
    return this.createSender(options);
  }

  /** @internal A subscribed session track (RemoteParticipant, before its delivery starts). */
  _sessionSubscribed(track: RemoteDataTrack, publication: RemoteDataTrackPublication, participant: RemoteParticipant): void {
    const session = publication._plazaChannel;
    if (!session) return;
    const receiver = new DataChannelReceiver(session, participant, track, this.#log, () => this.#receivers.delete(receiver));
    this.#receivers.add(receiver);
    track._setSessionSink(receiver._sink);
    this.emit('dataChannelReceiverCreated', receiver);
  }

  /** @internal The room disconnected: every sender closes (receivers close with their tracks). */
  _close(reason: string): void {
    for (const sender of [...this.#active]) sender._close(reason);
    this.#active.clear();
  }

  /**
   * Lets senders hand messages to their channels, high priority first: while a high sender is
   * congested (more waiting than its channel takes), normal senders wait, so the link carries the
   * high one's messages. Re-entrant calls (from callbacks inside a pump) run once more after.
   */
  #schedule(): void {
    if (this.#scheduling) {
      this.#scheduleAgain = true;
      return;
    }
    this.#scheduling = true;
    try {
      do {
        this.#scheduleAgain = false;
        let highCongested = false;
        for (const sender of this.#active) {
          // Only a full link holds normal senders back; a high sender the server paused does not.
          if (sender.priority === 'high' && sender._pump() === 'congested') highCongested = true;
        }
        if (!highCongested) for (const sender of this.#active) if (sender.priority === 'normal') sender._pump();
        for (const sender of this.#active) if (sender._finished) this.#active.delete(sender);
      } while (this.#scheduleAgain);
    } finally {
      this.#scheduling = false;
    }
  }
}
