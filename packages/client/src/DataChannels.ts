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
 * | `sender.close()`, `sender.channelId`, `sender.maxMessageSizeInBytes` | same; plus `reliability`, `priority`, `bufferedAmount`, `closed` |
 * | event `dataChannelReceiverCreated(receiver)`        | same                                                       |
 * | `receiver.senderParticipantIdentifier`              | `receiver.senderParticipant` (a RemoteParticipant)         |
 * | `receiver.channelId`                                | same; plus `reliability`, `priority`, `track`, `closed`    |
 * | event `messageReady` + `receiver.readMessage()`     | same; or event `message(message)` (see DataChannelReceiver)|
 * | `DataChannelMessage { sequenceNumber, data }`       | same                                                       |
 * | event `close`                                       | same                                                       |
 *
 * How a session travels (the wire format is shared with the server: @plaza/protocol data-envelope.ts):
 *  - A sender is a LocalDataTrack named `plaza-channel-<channelId>`, published with `plaza_channel:
 *    {channel_id, reliability, priority}` in its track state. Durable = ordered and reliable; lossy =
 *    unordered with maxRetransmits 0. The official SDK sees an ordinary DataTrack of that name and
 *    gets bare payloads; its publication shows in `localParticipant.dataTracks` like any other.
 *  - Every message is one binary envelope: flags FragmentStart|FragmentEnd (messages are not
 *    fragmented yet: one message must fit the channel), the session's u32 sequence number (from 0,
 *    one per message accepted by sendMessage, wrapping at 2^32), and the room indexes (`plaza_index`)
 *    of the recipients, none = everyone. The server forwards it to those only, without the list.
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
 *  - durable: sendMessage() resolves once the message is handed to the RTCDataChannel (in order),
 *    and rejects with DataChannelSendError (53391) if the sender is closed, the session could not be
 *    published or its channel failed (also for messages still queued then), with
 *    DataTrackMessageTooLargeError (53306) over the size limit (`maxMessageSizeInBytes`), or with
 *    DataTrackSendQueueFullError (53307) when the send queue (the LocalDataTrack default, 8192
 *    messages / 8 MiB) is full. It cannot tell whether a recipient received it (no receipts yet).
 *  - lossy: sendMessage() never rejects; a message that cannot be sent for any of those reasons is
 *    dropped (size violations are logged as a warning).
 *  - bitrateInKbps caps a sender with a token bucket holding one second's worth: durable messages
 *    wait for tokens (in order), lossy messages beyond the rate are dropped.
 *  - priority is announced to the server and receivers but not enforced yet (no scheduling between
 *    a sender's channels).
 *  - close() ends the session at once: messages not yet handed to the channel are rejected
 *    (durable) or dropped; await the last sendMessage() first to let it out.
 *  - Text is not a message type: encode it (TextEncoder) as in ACS. Strings on a session channel,
 *    malformed envelopes and fragments are dropped by the receiver (counted in `invalidMessages`).
 */
import { ENVELOPE_HEADER_BYTES, EnvelopeFlag, MAX_RECIPIENTS, decodeEnvelope, encodeEnvelope } from '@plaza/protocol';
import { allocateChannelId, resolveRecipients, validateChannelId } from './DataChannelAddressing.js';
import type { DataMessage } from './DataTrackReceiver.js';
import { DataChannelSendError, DataTrackMessageTooLargeError, DataTrackSendQueueFullError, TwilioError } from './errors.js';
import { LocalDataTrack } from './LocalDataTrack.js';
import type { LocalParticipant } from './LocalParticipant.js';
import type { Logger } from './Logger.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from './PeerConnectionV2.js';
import type { RemoteDataTrack } from './RemoteDataTrack.js';
import type { RemoteDataTrackPublication } from './RemoteDataTrackPublication.js';
import { RemoteParticipant } from './RemoteParticipant.js';
import { TokenBucket } from './TokenBucket.js';
import { TypedEmitter } from './TypedEmitter.js';

export type DataChannelReliability = 'durable' | 'lossy';
export type DataChannelPriority = 'high' | 'normal';
/** A recipient: a RemoteParticipant of the room, or its identity or SID. */
export type DataChannelParticipant = RemoteParticipant | string;

export interface DataChannelSenderOptions {
  /** 1–65535; 0 or absent: the lowest id not used by another open sender of ours. */
  channelId?: number;
  /** Recipients; empty or absent = everyone in the room. At most 64 (MAX_RECIPIENTS). */
  participants?: readonly DataChannelParticipant[];
  /** Default 'durable'. */
  reliability?: DataChannelReliability;
  /** Default 'normal'. Announced, not enforced yet. */
  priority?: DataChannelPriority;
  /** Rate cap (token bucket); absent or null = none. */
  bitrateInKbps?: number | null;
}

export interface DataChannelMessage {
  /** The sender's u32 sequence number of this message in its session. */
  sequenceNumber: number;
  data: Uint8Array;
}

export type DataChannelFeatureEvents = {
  /** A remote participant's session we are subscribed to: once per (sender, session, subscription). */
  dataChannelReceiverCreated: [receiver: DataChannelReceiver];
};

/** What the feature needs from its room (Room passes itself; unit tests may pass a fake). */
export interface DataChannelHost {
  readonly localParticipant: LocalParticipant;
  /** Remote participants by SID. */
  readonly participants: ReadonlyMap<string, RemoteParticipant>;
}

/** `room.dataChannel`. */
export class DataChannelFeature extends TypedEmitter<DataChannelFeatureEvents> {
  readonly #host: DataChannelHost;
  readonly #log: Logger;
  /** Open senders by channelId. */
  readonly #senders = new Map<number, DataChannelSender>();
  readonly #receivers = new Set<DataChannelReceiver>();

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
    const participants = validateParticipants(options.participants ?? []);
    if (requested !== 0) this.#senders.get(requested)?.close();
    const channelId = requested || allocateChannelId(this.#senders);
    const sender = new DataChannelSender({
      channelId,
      reliability,
      priority,
      bitrateInKbps: bitrate,
      participants,
      host: this.#host,
      log: this.#log,
      onClosed: (closed) => {
        if (this.#senders.get(closed.channelId) === closed) this.#senders.delete(closed.channelId);
      },
    });
    this.#senders.set(channelId, sender);
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
    for (const sender of [...this.#senders.values()]) sender._close(reason);
  }
}

interface Pending {
  bytes: Uint8Array;
  resolve: () => void;
  reject: (error: TwilioError) => void;
}

interface SenderInit {
  channelId: number;
  reliability: DataChannelReliability;
  priority: DataChannelPriority;
  bitrateInKbps: number | null;
  participants: DataChannelParticipant[];
  host: DataChannelHost;
  log: Logger;
  onClosed: (sender: DataChannelSender) => void;
}

/** One session, sending side. Created by `room.dataChannel.createSender()`. */
export class DataChannelSender {
  readonly channelId: number;
  readonly reliability: DataChannelReliability;
  /** Announced; not enforced yet. */
  readonly priority: DataChannelPriority;
  readonly bitrateInKbps: number | null;
  readonly #track: LocalDataTrack;
  readonly #host: DataChannelHost;
  readonly #log: Logger;
  readonly #onClosed: (sender: DataChannelSender) => void;
  readonly #bucket: TokenBucket | null;
  #participants: DataChannelParticipant[];
  #sequence = 0;
  #ready = false;
  /** Why the sender cannot send any more: closed, publish failed, channel failed. */
  #failure: string | null = null;
  #closed = false;
  #pending: Pending[] = [];
  #pendingBytes = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #warnedTooLarge = false;

  /** @internal Use room.dataChannel.createSender(). */
  constructor(init: SenderInit) {
    this.channelId = init.channelId;
    this.reliability = init.reliability;
    this.priority = init.priority;
    this.bitrateInKbps = init.bitrateInKbps;
    this.#participants = init.participants;
    this.#host = init.host;
    this.#log = init.log;
    this.#onClosed = init.onClosed;
    this.#track = new LocalDataTrack(
      init.reliability === 'durable'
        ? { name: `plaza-channel-${init.channelId}` }
        : { name: `plaza-channel-${init.channelId}`, ordered: false, maxRetransmits: 0 },
    );
    this.#bucket =
      init.bitrateInKbps === null ? null : TokenBucket.forKbps(init.bitrateInKbps, performance.now(), ENVELOPE_HEADER_BYTES + 1);
    init.host.localParticipant
      ._publishSession(this.#track, { channel_id: init.channelId, reliability: init.reliability, priority: init.priority })
      .then(
        () => {
          this.#ready = true;
          this.#pump();
        },
        (error: unknown) => {
          if (this.#closed) return;
          const reason = error instanceof TwilioError ? `${error.code} ${error.message}` : String(error);
          this.#log.warn(`DataChannel ${this.channelId} could not be opened: ${reason}`);
          this.#fail(`the session could not be published (${reason})`);
        },
      );
  }

  /** True after close() (or when the room disconnected). */
  get closed(): boolean {
    return this.#closed;
  }

  /** The recipients as set (empty = everyone). */
  get participants(): DataChannelParticipant[] {
    return [...this.#participants];
  }

  /** Largest `data` sendMessage() takes now, for the current recipient list. */
  get maxMessageSizeInBytes(): number {
    const max = this.#track._maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    return max - ENVELOPE_HEADER_BYTES - 2 * Math.min(this.#participants.length, MAX_RECIPIENTS);
  }

  /** Bytes accepted by sendMessage() and not yet on the network (envelopes included). */
  get bufferedAmount(): number {
    return this.#pendingBytes + this.#track.bufferedAmount;
  }

  /**
   * The session's DataTrack, as the official SDK and other participants see it. Send with
   * sendMessage() only: the server drops whatever is sent on the track itself (not an envelope).
   */
  get track(): LocalDataTrack {
    return this.#track;
  }

  /** Recipients of the next messages: participants, identities or SIDs; empty = everyone. */
  setParticipants(participants: readonly DataChannelParticipant[]): void {
    this.#participants = validateParticipants(participants);
  }

  sendMessage(data: Uint8Array | ArrayBuffer | ArrayBufferView): Promise<void> {
    let payload: Uint8Array;
    if (data instanceof Uint8Array) payload = data;
    else if (data instanceof ArrayBuffer) payload = new Uint8Array(data);
    else if (ArrayBuffer.isView(data)) payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else return Promise.reject(new TypeError('sendMessage() takes a Uint8Array (or ArrayBuffer / ArrayBufferView)'));

    if (this.#failure === null && this.#ready && !this.#track._hasOpenChannel) this.#fail('the channel closed');
    if (this.#failure !== null) return this.#notSent(new DataChannelSendError(this.channelId, this.#failure));

    const recipients = resolveRecipients(this.#participants, (entry) => this.#indexOf(entry));
    if (recipients === 'nobody') {
      this.#log.debug(`DataChannel ${this.channelId}: none of the named recipients is in the room; message not sent`);
      return Promise.resolve();
    }
    const list = recipients === 'everyone' ? [] : recipients;
    const size = ENVELOPE_HEADER_BYTES + 2 * list.length + payload.byteLength;
    const max = this.#track._maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    if (size > max) {
      const error = new DataTrackMessageTooLargeError(payload.byteLength, max - (size - payload.byteLength));
      if (this.reliability === 'lossy' && !this.#warnedTooLarge) {
        this.#warnedTooLarge = true;
        this.#log.warn(`DataChannel ${this.channelId} (lossy) drops messages over the size limit: ${error.message}`);
      }
      return this.#notSent(error);
    }
    const limits = this.#track.queueLimits;
    if (this.#pending.length + 1 > limits.maxMessages || this.#pendingBytes + size > limits.maxBytes) {
      return this.#notSent(new DataTrackSendQueueFullError(`${limits.maxMessages} messages / ${limits.maxBytes} bytes`));
    }

    const sequence = this.#sequence;
    this.#sequence = (sequence + 1) >>> 0;
    // Encoding copies the payload: the app may reuse its buffer as soon as sendMessage() returns.
    const bytes = encodeEnvelope({ flags: EnvelopeFlag.FragmentStart | EnvelopeFlag.FragmentEnd, sequence, recipients: list, payload });
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ bytes, resolve, reject });
      this.#pendingBytes += bytes.byteLength;
      this.#pump();
    });
  }

  /** Ends the session (unpublishes its track; receivers get `close`). Idempotent. */
  close(): void {
    this._close('the sender was closed');
  }

  /** @internal */
  _close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#fail(reason);
    this.#host.localParticipant.unpublishTrack(this.#track);
    this.#onClosed(this);
  }

  /** Sends what may go now: after publication, in order, as the bucket allows. */
  #pump(): void {
    if (!this.#ready || this.#timer !== null) return;
    while (this.#pending.length > 0 && this.#failure === null) {
      const head = this.#pending[0] as Pending;
      const size = head.bytes.byteLength;
      if (this.#bucket) {
        const wait = this.#bucket.take(size, performance.now());
        if (wait > 0 && this.reliability === 'durable') {
          this.#timer = setTimeout(() => {
            this.#timer = null;
            this.#pump();
          }, wait);
          return;
        }
        if (wait > 0) {
          this.#shift();
          head.resolve(); // lossy, beyond the rate: dropped
          continue;
        }
      }
      this.#shift();
      try {
        this.#track._send(head.bytes, (failure) => {
          if (failure === null) {
            head.resolve();
            return;
          }
          if (!this.#track._hasOpenChannel) this.#fail('the channel closed');
          this.#settle(head, new DataChannelSendError(this.channelId, failure));
        });
      } catch (error) {
        // The negotiated size limit shrank below what was checked, or the channel's queue is full.
        this.#settle(head, error instanceof TwilioError ? error : new DataChannelSendError(this.channelId, String(error)));
      }
    }
  }

  #shift(): void {
    const head = this.#pending.shift();
    if (head) this.#pendingBytes -= head.bytes.byteLength;
  }

  /** Durable: reject; lossy: drop (resolve). */
  #settle(pending: Pending, error: TwilioError): void {
    if (this.reliability === 'durable') pending.reject(error);
    else pending.resolve();
  }

  #notSent(error: TwilioError): Promise<void> {
    return this.reliability === 'durable' ? Promise.reject(error) : Promise.resolve();
  }

  /** No more sending: queued messages are rejected (durable) or dropped (lossy). */
  #fail(reason: string): void {
    if (this.#failure !== null) return;
    this.#failure = reason;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const item of pending) this.#settle(item, new DataChannelSendError(this.channelId, reason));
  }

  /** The room index of a recipient still in the room, or undefined. */
  #indexOf(entry: DataChannelParticipant): number | undefined {
    if (entry instanceof RemoteParticipant) return entry.state === 'disconnected' ? undefined : entry._plazaIndex;
    const participants = this.#host.participants;
    const bySid = participants.get(entry);
    if (bySid) return bySid._plazaIndex;
    for (const participant of participants.values()) if (participant.identity === entry) return participant._plazaIndex;
    return undefined;
  }
}

export type DataChannelReceiverEvents = {
  /** A message, to 'message' listeners when there are some (it is then not buffered). */
  message: [message: DataChannelMessage];
  /** A message was buffered for readMessage() (there was no 'message' listener). */
  messageReady: [];
  /** The session ended: the sender closed it or left, or we unsubscribed or left the room. */
  close: [];
};

/** Messages readMessage() keeps at most (the oldest are dropped first; see droppedMessages). */
export const MAX_RECEIVER_BUFFERED_MESSAGES = 1024;
/** Bytes readMessage() keeps at most. */
export const MAX_RECEIVER_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * One remote session we receive. Two ways to consume it: listen to 'message' (each message goes to
 * the listeners and is not kept), or, with no 'message' listener, pull with readMessage() (on
 * 'messageReady' or whenever): the receiver keeps the latest 1024 messages / 16 MiB for it.
 */
export class DataChannelReceiver extends TypedEmitter<DataChannelReceiverEvents> {
  readonly channelId: number;
  readonly reliability: DataChannelReliability;
  readonly priority: DataChannelPriority;
  readonly senderParticipant: RemoteParticipant;
  /** The session's RemoteDataTrack (it emits no `message` of its own). */
  readonly track: RemoteDataTrack;
  /** Messages dropped from the readMessage() buffer because it was full. */
  droppedMessages = 0;
  /** Strings, malformed envelopes and fragments received on the session's channel (dropped). */
  invalidMessages = 0;
  readonly #log: Logger;
  readonly #onClosed: () => void;
  #buffer: DataChannelMessage[] = [];
  #bufferedBytes = 0;
  #closed = false;

  /** @internal Created by room.dataChannel. */
  constructor(
    session: { channelId: number; reliability: DataChannelReliability; priority: DataChannelPriority },
    sender: RemoteParticipant,
    track: RemoteDataTrack,
    log: Logger,
    onClosed: () => void,
  ) {
    super();
    this.channelId = session.channelId;
    this.reliability = session.reliability;
    this.priority = session.priority;
    this.senderParticipant = sender;
    this.track = track;
    this.#log = log;
    this.#onClosed = onClosed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Messages waiting for readMessage(). */
  get bufferedMessages(): number {
    return this.#buffer.length;
  }

  /** The oldest buffered message, or undefined. Still works after close for what was buffered. */
  readMessage(): DataChannelMessage | undefined {
    const message = this.#buffer.shift();
    if (message) this.#bufferedBytes -= message.data.byteLength;
    return message;
  }

  /** @internal What the session's RemoteDataTrack delivers to. */
  readonly _sink = {
    message: (data: DataMessage) => this.#onData(data),
    close: () => this.#close(),
  };

  #onData(raw: DataMessage): void {
    if (this.#closed) return;
    if (typeof raw === 'string') {
      this.#invalid('a string');
      return;
    }
    const envelope = decodeEnvelope(new Uint8Array(raw));
    if (typeof envelope === 'string') {
      this.#invalid(envelope);
      return;
    }
    const whole = EnvelopeFlag.FragmentStart | EnvelopeFlag.FragmentEnd;
    if ((envelope.flags & whole) !== whole) {
      this.#invalid('a fragment (not supported yet)');
      return;
    }
    const message: DataChannelMessage = { sequenceNumber: envelope.sequence, data: envelope.payload };
    if (this.listenerCount('message') > 0) {
      this.emit('message', message);
      return;
    }
    this.#buffer.push(message);
    this.#bufferedBytes += message.data.byteLength;
    while (this.#buffer.length > MAX_RECEIVER_BUFFERED_MESSAGES || (this.#bufferedBytes > MAX_RECEIVER_BUFFERED_BYTES && this.#buffer.length > 1)) {
      const dropped = this.#buffer.shift() as DataChannelMessage;
      this.#bufferedBytes -= dropped.data.byteLength;
      this.droppedMessages++;
    }
    this.emit('messageReady');
  }

  #invalid(what: string): void {
    if (this.invalidMessages++ === 0) this.#log.warn(`DataChannel ${this.channelId} from ${this.senderParticipant.identity}: dropped ${what}`);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClosed();
    this.emit('close');
  }
}

function validateParticipants(participants: readonly DataChannelParticipant[]): DataChannelParticipant[] {
  if (!Array.isArray(participants)) throw new TypeError('participants must be an array');
  if (participants.length > MAX_RECIPIENTS) throw new RangeError(`at most ${MAX_RECIPIENTS} participants`);
  for (const entry of participants) {
    if (typeof entry !== 'string' && !(entry instanceof RemoteParticipant)) {
      throw new TypeError('participants must be RemoteParticipants, identities or SIDs');
    }
  }
  return [...participants];
}
