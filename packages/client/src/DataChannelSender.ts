/**
 * One DataChannel session, sending side (see DataChannels.ts for the model and the wire format).
 *
 * Messages wait in the sender's queue and are handed to the session's LocalDataTrack by `_pump()`,
 * which the feature's scheduler calls (so high-priority senders go first). A message larger than
 * one channel message travels as 64 KiB fragments; each hand-over waits until the channel holds
 * less than SESSION_HIGH_WATER, so a big transfer never fills the channel for minutes and other
 * senders' messages are not stuck behind it.
 *
 * A durable session survives a transport replacement (Room: Plaza's ICE restart): every envelope
 * handed to the channel is kept until the server reports it received (Received, at most
 * SESSION_WINDOW in flight). When the track's channel moves to a new peer connection, the sender
 * holds everything until the server's Rewind on the new channel, which says how many bytes of the
 * session it has; the envelopes after that go again, in order, then the queue goes on. Nothing is
 * lost with the old transport and nothing arrives twice.
 */
import {
  ControlKind,
  decodeControl,
  decodeEnvelope,
  encodeControl,
  encodeEnvelope,
  envelopeOverhead,
  EnvelopeFlag,
  ErrorCode,
  MAX_MESSAGE_BYTES,
  MAX_RECIPIENTS,
  WHOLE_MESSAGE,
  type Control,
} from '@plaza/protocol';
import { resolveRecipients } from './DataChannelAddressing.js';
import type {
  DataChannelHost,
  DataChannelParticipant,
  DataChannelPriority,
  DataChannelReceipt,
  DataChannelReliability,
  SendMessageOptions,
} from './DataChannelTypes.js';
import { MIGRATED, OVER_MAX_MESSAGE_SIZE } from './DataTrackSender.js';
import { DataChannelSendError, DataTrackMessageTooLargeError, DataTrackSendQueueFullError, TwilioError } from './errors.js';
import { LocalDataTrack } from './LocalDataTrack.js';
import type { Logger } from './Logger.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from './PeerConnectionV2.js';
import { RemoteParticipant } from './RemoteParticipant.js';
import { TokenBucket } from './TokenBucket.js';
import { TypedEmitter } from './TypedEmitter.js';

/** Durable messages up to this size by default (maxMessageSizeInBytes). */
export const DEFAULT_MAX_DURABLE_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Payload bytes per fragment of a large message. */
export const FRAGMENT_BYTES = 64 * 1024;
/** A sender hands more to its channel only while the channel holds less than this. */
export const SESSION_HIGH_WATER = 1024 * 1024;
/**
 * Durable sessions: bytes handed to the channel that the server has not yet reported received
 * (its Received notices). Bounds what is in flight where bufferedAmount cannot see it (SCTP).
 */
export const SESSION_WINDOW = 1024 * 1024;
/** Default bufferedAmountLowThreshold; the channel is refilled from our queue at this mark. */
export const SESSION_LOW_WATER = 256 * 1024;
const DEFAULT_RECEIPT_TIMEOUT_MS = 10_000;
/** How long close() waits for the server to confirm it routed everything (End) before unpublishing anyway. */
const END_TIMEOUT_MS = 10_000;
/** After a transport replacement: how long a durable session waits for the server's Rewind. */
const REWIND_TIMEOUT_MS = 20_000;

/**
 * Why a sender stopped: 'congested' = its channel (or window) is full, so lower priorities are held
 * back for it; 'held' = the server paused it for a slow recipient of its own, which is no reason
 * to hold other sessions; 'idle' = nothing it can send now.
 */
export type PumpResult = 'congested' | 'held' | 'idle';

export type DataChannelSenderEvents = {
  /** bufferedAmount fell to bufferedAmountLowThreshold or below (after having been above it). */
  bufferedAmountLow: [];
  /** The server refused a message after sendMessage() had resolved (e.g. over its size limit). */
  messageRejected: [sequenceNumber: number, error: TwilioError];
};

interface Outgoing {
  sequence: number;
  /** Room indexes; empty = everyone. */
  recipients: number[];
  /** Our own copy of the app's bytes. */
  payload: Uint8Array;
  /** Extra envelope flags (ReceiptRequested). */
  flags: number;
  /** Payload bytes handed to the channel so far. */
  offset: number;
  settled: boolean;
  onProgress: ((sent: number, total: number) => void) | undefined;
  receipt: ReceiptWait | null;
  resolve: (receipt: DataChannelReceipt | void) => void;
  reject: (error: TwilioError) => void;
}

/**
 * Durable: an envelope handed to the channel, kept until the server reports it received. `pending`
 * is set while its hand-over failed with the transport: it settles when it goes out again.
 */
interface Unconfirmed {
  bytes: Uint8Array;
  /** #handedBytes once it was handed over. */
  end: number;
  pending: { resolve: () => void; reject: (error: TwilioError) => void } | null;
}

interface ReceiptWait {
  timeoutMs: number;
  timer: ReturnType<typeof setTimeout> | null;
  sent: boolean;
  /** From the server's Routed notice: who will confirm, who cannot. */
  routed: { confirming: number[]; unconfirming: number[] } | null;
  received: Map<number, RemoteParticipant>;
  /** The recipients as resolved at send time (for a timeout without a Routed notice). */
  intended: number[];
}

export interface SenderInit {
  channelId: number;
  reliability: DataChannelReliability;
  priority: DataChannelPriority;
  bitrateInKbps: number | null;
  maxMessageSizeInBytes: number;
  retain: number | null;
  participants: DataChannelParticipant[];
  host: DataChannelHost;
  log: Logger;
  /** Ask the feature's scheduler to run (something may be sent now). */
  schedule: () => void;
  onClosed: (sender: DataChannelSender) => void;
}

/** One session, sending side. Created by `room.dataChannel.createSender()`. */
export class DataChannelSender extends TypedEmitter<DataChannelSenderEvents> {
  readonly channelId: number;
  readonly reliability: DataChannelReliability;
  readonly priority: DataChannelPriority;
  readonly bitrateInKbps: number | null;
  /** Messages the server replays to late subscribers (null = no retention). */
  readonly retain: number | null;
  readonly #track: LocalDataTrack;
  readonly #host: DataChannelHost;
  readonly #log: Logger;
  readonly #schedule: () => void;
  readonly #onClosed: (sender: DataChannelSender) => void;
  readonly #bucket: TokenBucket | null;
  readonly #maxDurableBytes: number;
  #participants: DataChannelParticipant[];
  #sequence = 0;
  #ready = false;
  /** Why the sender cannot send any more: publish failed, channel failed, room left. */
  #failure: string | null = null;
  /** close() was called: no new messages; durable ones already queued still go out. */
  #closing = false;
  /** Durable close: End sent in band / answered by the server. */
  #end: 'none' | 'sent' | 'confirmed' = 'none';
  #endTimer: ReturnType<typeof setTimeout> | null = null;
  /** The server asked us to hold messages: a recipient is behind (durable sessions). */
  #paused = false;
  /** Bytes handed to the channel, and the server's count of those received (both mod 2^32). */
  #handedBytes = 0;
  #receivedBytes = 0;
  /** Durable: envelopes handed over and not yet reported received, with the count each ends at. */
  #unconfirmed: Unconfirmed[] = [];
  /**
   * Holding everything: the channel failed under us (its transport, most likely: the room replaces
   * it) or moved to a new peer connection and a durable session waits for the server's Rewind.
   * The timer fails the sender if neither comes.
   */
  #rewindTimer: ReturnType<typeof setTimeout> | null = null;
  #unpublished = false;
  #queue: Outgoing[] = [];
  #queuedBytes = 0;
  /** Messages sent with { receipt: true } whose receipt is not complete yet, by sequence. */
  readonly #receipts = new Map<number, Outgoing>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #warnedTooLarge = false;
  #lowThreshold = SESSION_LOW_WATER;
  #aboveLow = false;

  /** @internal Use room.dataChannel.createSender(). */
  constructor(init: SenderInit) {
    super();
    this.channelId = init.channelId;
    this.reliability = init.reliability;
    this.priority = init.priority;
    this.bitrateInKbps = init.bitrateInKbps;
    this.retain = init.retain;
    this.#maxDurableBytes = init.maxMessageSizeInBytes;
    this.#participants = init.participants;
    this.#host = init.host;
    this.#log = init.log;
    this.#schedule = init.schedule;
    this.#onClosed = init.onClosed;
    const name = `plaza-channel-${init.channelId}`;
    this.#track = new LocalDataTrack(init.reliability === 'durable' ? { name } : { name, ordered: false, maxRetransmits: 0 });
    this.#track._setSessionHooks({ drained: () => this.#onDrained(), notice: (data) => this.#onNotice(data), migrated: () => this.#onMigrated() });
    this.#track._setLowWaterMark(SESSION_LOW_WATER);
    this.#bucket =
      init.bitrateInKbps === null ? null : TokenBucket.forKbps(init.bitrateInKbps, performance.now(), envelopeOverhead(0, WHOLE_MESSAGE) + 1);
    const state = { channel_id: init.channelId, reliability: init.reliability, priority: init.priority, ...(init.retain ? { retain: init.retain } : {}) };
    init.host.localParticipant._publishSession(this.#track, state).then(
      () => {
        this.#ready = true;
        this.#schedule();
      },
      (error: unknown) => {
        if (this.#unpublished) return;
        const reason = error instanceof TwilioError ? `${error.code} ${error.message}` : String(error);
        this.#log.warn(`DataChannel ${this.channelId} could not be opened: ${reason}`);
        this.#fail(`the session could not be published (${reason})`);
      },
    );
  }

  /** True once close() was called (or the room disconnected): sendMessage() rejects. */
  get closed(): boolean {
    return this.#closing || this.#failure !== null;
  }

  /** @internal Closed and done: nothing of this sender is left to send. */
  get _finished(): boolean {
    return this.#unpublished;
  }

  /** The recipients as set (empty = everyone). */
  get participants(): DataChannelParticipant[] {
    return [...this.#participants];
  }

  /** Largest `data` sendMessage() takes: the configured limit (durable), one channel message (lossy). */
  get maxMessageSizeInBytes(): number {
    return this.reliability === 'durable' ? this.#maxDurableBytes : this.#singleMessageCapacity(this.#participants.length);
  }

  /** Bytes accepted by sendMessage() and not yet on the network (envelopes of handed-over ones included). */
  get bufferedAmount(): number {
    return this.#queuedBytes + this.#track.bufferedAmount;
  }

  /** 'bufferedAmountLow' fires when bufferedAmount falls to this or below. Default 256 KiB. */
  get bufferedAmountLowThreshold(): number {
    return this.#lowThreshold;
  }

  set bufferedAmountLowThreshold(bytes: number) {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError('bufferedAmountLowThreshold must be a non-negative integer');
    this.#lowThreshold = bytes;
    // The channel must tell us when it drains that far (it is refilled at the same mark).
    this.#track._setLowWaterMark(Math.min(bytes, SESSION_LOW_WATER));
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

  sendMessage(data: Uint8Array | ArrayBuffer | ArrayBufferView, options: SendMessageOptions & { receipt: true }): Promise<DataChannelReceipt>;
  sendMessage(data: Uint8Array | ArrayBuffer | ArrayBufferView, options?: SendMessageOptions): Promise<void>;
  sendMessage(data: Uint8Array | ArrayBuffer | ArrayBufferView, options: SendMessageOptions = {}): Promise<DataChannelReceipt | void> {
    const payload = toBytes(data);
    if (payload === null) return Promise.reject(new TypeError('sendMessage() takes a Uint8Array (or ArrayBuffer / ArrayBufferView)'));
    if (options.receipt && this.reliability !== 'durable') return Promise.reject(new TypeError('receipts are for durable sessions'));
    const timeout = options.receiptTimeoutMs;
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout >= 0)) return Promise.reject(new RangeError('receiptTimeoutMs must be a finite number >= 0'));
    if (this.#failure === null && this.#ready && !this.#track._hasOpenChannel) this.#holdForTransport();
    if (this.#closing || this.#failure !== null) {
      return this.#notSent(new DataChannelSendError(this.channelId, this.#failure ?? 'the sender was closed'));
    }

    const recipients = resolveRecipients(this.#participants, (entry) => this.#indexOf(entry));
    if (recipients === 'nobody') {
      this.#log.debug(`DataChannel ${this.channelId}: none of the named recipients is in the room; message not sent`);
      return Promise.resolve(options.receipt ? { sequenceNumber: this.#sequence, receivedBy: [], notConfirmed: [] } : undefined);
    }
    const list = recipients === 'everyone' ? [] : recipients;
    const max = this.reliability === 'durable' ? this.#maxDurableBytes : this.#singleMessageCapacity(list.length);
    if (payload.byteLength > max) {
      const error = new DataTrackMessageTooLargeError(payload.byteLength, max);
      if (this.reliability === 'lossy' && !this.#warnedTooLarge) {
        this.#warnedTooLarge = true;
        this.#log.warn(`DataChannel ${this.channelId} (lossy) drops messages over the size limit: ${error.message}`);
      }
      return this.#notSent(error);
    }
    const limits = this.#track.queueLimits;
    // One message of the maximum size always fits an empty queue.
    const maxQueued = Math.max(limits.maxBytes, this.#maxDurableBytes);
    if (this.#queue.length > 0 && (this.#queue.length + 1 > limits.maxMessages || this.#queuedBytes + payload.byteLength > maxQueued)) {
      return this.#notSent(new DataTrackSendQueueFullError(`${limits.maxMessages} messages / ${maxQueued} bytes`));
    }

    const sequence = this.#sequence;
    this.#sequence = (sequence + 1) >>> 0;
    return new Promise<DataChannelReceipt | void>((resolve, reject) => {
      const message: Outgoing = {
        sequence,
        recipients: list,
        payload: payload.slice(), // the app may reuse its buffer as soon as sendMessage() returns
        flags: options.receipt ? EnvelopeFlag.ReceiptRequested : 0,
        offset: 0,
        settled: false,
        onProgress: options.onProgress,
        receipt: options.receipt
          ? { timeoutMs: options.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS, timer: null, sent: false, routed: null, received: new Map(), intended: list }
          : null,
        resolve,
        reject,
      };
      if (message.receipt) this.#receipts.set(sequence, message);
      this.#queue.push(message);
      this.#queuedBytes += payload.byteLength;
      if (this.bufferedAmount > this.#lowThreshold) this.#aboveLow = true;
      this.#schedule();
    });
  }

  /**
   * Ends the session. Durable: messages already accepted still go out (and their promises settle as
   * usual), then the track is unpublished; lossy: at once. Receivers get `close`. Idempotent.
   */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#onClosed(this);
    if (this.reliability === 'lossy') this.#dropQueue('the sender was closed');
    this.#finishIfFlushed();
  }

  /** @internal The room disconnected: nothing more goes out. */
  _close(reason: string): void {
    if (!this.#closing) {
      this.#closing = true;
      this.#onClosed(this);
    }
    this.#fail(reason);
  }

  /** @internal Hands what may go now to the channel (called by the feature's scheduler). */
  _pump(): PumpResult {
    if (!this.#ready || this.#failure !== null) return 'idle';
    while (this.#queue.length > 0) {
      if (this.#timer !== null) return 'idle'; // waiting for tokens
      if (this.#paused || this.#rewindTimer !== null) return 'held';
      if (this.#inFlight() >= SESSION_WINDOW || this.#track.bufferedAmount >= SESSION_HIGH_WATER) return 'congested';
      const head = this.#queue[0] as Outgoing;
      const chunk = this.#nextChunk(head);
      if (chunk === null) {
        // Lossy, and the channel turned out to take less than when it was accepted.
        this.#shiftQueue();
        this.#settle(head, null);
        continue;
      }
      if (this.#bucket) {
        const wait = this.#bucket.take(chunk.bytes.byteLength, performance.now());
        if (wait > 0 && this.reliability === 'lossy') {
          this.#shiftQueue(); // beyond the rate: dropped
          this.#settle(head, null);
          continue;
        }
        if (wait > 0) {
          this.#timer = setTimeout(() => {
            this.#timer = null;
            this.#schedule();
          }, wait);
          return 'idle';
        }
      }
      head.offset += chunk.payloadBytes;
      this.#queuedBytes -= chunk.payloadBytes;
      if (chunk.last) this.#queue.shift();
      this.#handOver(head, chunk.bytes, chunk.last);
    }
    this.#checkLowWater();
    this.#finishIfFlushed();
    return 'idle';
  }

  /** The next envelope of `message`: whole if it fits one channel message, else its next fragment. */
  #nextChunk(message: Outgoing): { bytes: Uint8Array; payloadBytes: number; last: boolean } | null {
    const total = message.payload.byteLength;
    const recipients = message.recipients;
    if (message.offset === 0 && total <= this.#singleMessageCapacity(recipients.length)) {
      const bytes = encodeEnvelope({ flags: WHOLE_MESSAGE | message.flags, sequence: message.sequence, recipients, payload: message.payload });
      return { bytes, payloadBytes: total, last: true };
    }
    if (this.reliability === 'lossy') return null; // lossy messages are never fragmented
    const room = this.#channelMax() - envelopeOverhead(MAX_RECIPIENTS, EnvelopeFlag.FragmentStart);
    const size = Math.min(FRAGMENT_BYTES, room, total - message.offset);
    const first = message.offset === 0;
    const last = message.offset + size === total;
    const flags = (first ? EnvelopeFlag.FragmentStart : 0) | (last ? EnvelopeFlag.FragmentEnd : 0) | message.flags;
    const payload = message.payload.subarray(message.offset, message.offset + size);
    const bytes = encodeEnvelope({ flags, sequence: message.sequence, recipients, payload, ...(first ? { total } : {}) });
    return { bytes, payloadBytes: size, last };
  }

  /** Durable: bytes handed over that the server has not reported received. */
  #inFlight(): number {
    // Signed: a count ahead of ours (it should not be) must not read as 4 GiB in flight.
    return this.reliability === 'durable' ? Math.max(0, (this.#handedBytes - this.#receivedBytes) | 0) : 0;
  }

  #handOver(message: Outgoing, bytes: Uint8Array, last: boolean): void {
    const sentUpTo = message.offset;
    let handed = false;
    const entry: Unconfirmed = { bytes, end: 0, pending: null };
    const done = (failure: string | null): void => {
      if (failure !== null && failure !== OVER_MAX_MESSAGE_SIZE && this.reliability === 'durable' && this.#failure === null && !this.#unpublished) {
        // The channel failed under us (most likely with its transport, which the room replaces) or
        // moved to the new one: this envelope goes again after the server's Rewind, and the message
        // settles then (or rejects if no new transport comes).
        if (failure !== MIGRATED) this.#holdForTransport();
        entry.pending = { resolve: () => done(null), reject: (error) => this.#abandon(message, error) };
        return;
      }
      if (failure !== null) {
        if (!this.#track._hasOpenChannel) this.#holdForTransport();
        this.#abandon(message, new DataChannelSendError(this.channelId, failure));
        return;
      }
      if (message.settled) return;
      if (message.onProgress) {
        try {
          message.onProgress(sentUpTo, message.payload.byteLength);
        } catch (error) {
          // The app's callback must not break the sender (it runs inside the hand-over).
          this.#log.warn(`DataChannel ${this.channelId}: onProgress threw:`, error);
        }
      }
      if (!last) return;
      if (message.receipt) this.#receiptSent(message);
      else this.#settle(message, null);
    };
    try {
      this.#track._send(bytes, done);
      handed = true;
    } catch (error) {
      // The negotiated size limit shrank below what was checked, or the channel's queue is full.
      this.#abandon(message, error instanceof TwilioError ? error : new DataChannelSendError(this.channelId, String(error)));
    }
    if (!handed) return;
    this.#handedBytes = (this.#handedBytes + bytes.byteLength) >>> 0;
    entry.end = this.#handedBytes;
    if (this.reliability === 'durable') this.#unconfirmed.push(entry);
  }

  /** The server has the session's bytes up to `total`: they need not be kept for a resend. */
  #confirm(total: number): void {
    this.#receivedBytes = total;
    const unconfirmed = this.#unconfirmed;
    let confirmed = 0;
    while (confirmed < unconfirmed.length && ((total - (unconfirmed[confirmed] as Unconfirmed).end) | 0) >= 0) confirmed++;
    if (confirmed > 0) unconfirmed.splice(0, confirmed);
  }

  /** The channel failed under us: hold everything until the room's new peer connection takes over. */
  #holdForTransport(): void {
    if (this.#rewindTimer !== null || this.#failure !== null || this.#unpublished) return;
    this.#rewindTimer = setTimeout(() => {
      this.#rewindTimer = null;
      this.#fail('the channel closed, and no new connection resumed it');
    }, REWIND_TIMEOUT_MS);
  }

  /** The track's channel moves to a new peer connection. Returns whether we resend ourselves. */
  #onMigrated(): boolean {
    if (!this.#ready || this.#failure !== null || this.#unpublished) return false;
    if (this.#rewindTimer !== null) clearTimeout(this.#rewindTimer);
    this.#rewindTimer = null;
    if (this.reliability === 'lossy') {
      this.#schedule(); // nothing to send again: go on on the new channel
      return false;
    }
    this.#holdForTransport();
    return true;
  }

  /** The server's Rewind on the new channel: send again what it did not get, then go on. */
  #onRewind(total: number): void {
    if (this.#rewindTimer === null) return;
    clearTimeout(this.#rewindTimer);
    this.#rewindTimer = null;
    this.#confirm(total);
    this.#handedBytes = total;
    for (const entry of this.#unconfirmed) {
      try {
        this.#track._send(entry.bytes, (failure) => {
          if (failure !== null && failure !== OVER_MAX_MESSAGE_SIZE) return this.#holdForTransport(); // once more
          const pending = entry.pending;
          entry.pending = null;
          if (failure === null) pending?.resolve();
          else pending?.reject(new DataChannelSendError(this.channelId, failure));
        });
      } catch (error) {
        this.#fail(`the session could not be resumed: ${String(error)}`);
        return;
      }
      this.#handedBytes = (this.#handedBytes + entry.bytes.byteLength) >>> 0;
      entry.end = this.#handedBytes;
    }
    this.#log.debug(`DataChannel ${this.channelId}: resumed, ${this.#unconfirmed.length} envelope(s) sent again`);
    if (this.#end === 'sent') this.#sendEnd(); // it may have been lost with the old transport
    this.#schedule();
  }

  /** A message that will not (all) go out: out of the queue and the receipts, settled. */
  #abandon(message: Outgoing, error: TwilioError): void {
    this.#dropFromQueue(message);
    if (this.#receipts.get(message.sequence) === message) this.#receipts.delete(message.sequence);
    if (message.receipt?.timer) clearTimeout(message.receipt.timer);
    this.#settle(message, error);
    this.#finishIfFlushed();
  }

  /** The message is out: wait for the receipts (Routed names whom), at most the timeout. */
  #receiptSent(message: Outgoing): void {
    const wait = message.receipt as ReceiptWait;
    wait.sent = true;
    wait.timer = setTimeout(() => this.#completeReceipt(message), wait.timeoutMs);
    this.#maybeCompleteReceipt(message);
  }

  #maybeCompleteReceipt(message: Outgoing): void {
    const wait = message.receipt;
    if (!wait?.sent || !wait.routed) return;
    if (wait.routed.confirming.every((index) => wait.received.has(index))) this.#completeReceipt(message);
  }

  #completeReceipt(message: Outgoing): void {
    const wait = message.receipt as ReceiptWait;
    if (wait.timer !== null) clearTimeout(wait.timer);
    this.#receipts.delete(message.sequence);
    const owed = wait.routed ? [...wait.routed.confirming.filter((i) => !wait.received.has(i)), ...wait.routed.unconfirming] : this.#everyoneOr(wait.intended);
    const notConfirmed = owed.map((index) => this.#participantAt(index)).filter((p): p is RemoteParticipant => p !== undefined);
    this.#settle(message, null, { sequenceNumber: message.sequence, receivedBy: [...wait.received.values()], notConfirmed });
    this.#finishIfFlushed(); // a close() may have been waiting for this receipt
  }

  /** A notice from the server on our channel: receipts, whom a message was routed to, refusals. */
  #onNotice(data: ArrayBuffer): void {
    const envelope = decodeEnvelope(new Uint8Array(data));
    const control: Control | null = typeof envelope === 'string' ? null : decodeControl(envelope);
    switch (control?.kind) {
      case ControlKind.Rejected:
        this.#onRejected(control.sequence, control.code);
        return;
      case ControlKind.Received:
        this.#confirm(control.sequence);
        this.#schedule();
        return;
      case ControlKind.Rewind:
        this.#onRewind(control.sequence);
        return;
      case ControlKind.Pause:
      case ControlKind.Resume:
        this.#paused = control.kind === ControlKind.Pause;
        if (!this.#paused) this.#schedule();
        return;
      case ControlKind.End:
        if (this.#end === 'sent') {
          this.#end = 'confirmed';
          this.#finishIfFlushed();
        }
        return;
      case ControlKind.Routed: {
        const receipt = this.#receipts.get(control.sequence)?.receipt;
        if (receipt) receipt.routed = { confirming: control.confirming, unconfirming: control.unconfirming };
        break;
      }
      case ControlKind.Receipt: {
        const receipt = this.#receipts.get(control.sequence)?.receipt;
        const participant = control.from === null ? undefined : this.#participantAt(control.from);
        if (receipt && participant) receipt.received.set(control.from as number, participant);
        break;
      }
      default:
        return;
    }
    const message = this.#receipts.get(control.sequence);
    if (message) this.#maybeCompleteReceipt(message);
  }

  #onRejected(sequence: number, code: number): void {
    const error =
      code === ErrorCode.TrackDataMessageTooLarge
        ? new TwilioError(code, `DataChannel ${this.channelId}: the server refused message ${sequence}: too large`)
        : new TwilioError(code, `DataChannel ${this.channelId}: the server refused message ${sequence}`);
    const pending = this.#queue.find((m) => m.sequence === sequence) ?? this.#receipts.get(sequence);
    if (pending && !pending.settled) {
      this.#dropFromQueue(pending);
      this.#receipts.delete(sequence);
      if (pending.receipt?.timer) clearTimeout(pending.receipt.timer);
      this.#settle(pending, error);
      this.#schedule();
      return;
    }
    this.#log.warn(error.message);
    this.emit('messageRejected', sequence, error);
  }

  #onDrained(): void {
    this.#checkLowWater();
    this.#finishIfFlushed();
    this.#schedule();
  }

  #checkLowWater(): void {
    if (!this.#aboveLow || this.bufferedAmount > this.#lowThreshold) return;
    this.#aboveLow = false;
    queueMicrotask(() => this.emit('bufferedAmountLow'));
  }

  /**
   * After close(): unpublish once everything accepted went out (or could not). A durable session
   * first sends End in band and waits for the server's End: all before it was then routed, so the
   * unpublish (on signaling, a different path) cannot overtake the last messages.
   */
  #finishIfFlushed(): void {
    if (!this.#closing || this.#unpublished) return;
    if (this.#failure === null) {
      if (this.#queue.length > 0 || this.#receipts.size > 0 || this.#rewindTimer !== null) return;
      if (this.reliability === 'durable' && this.#ready && this.#end !== 'confirmed') {
        if (this.#end === 'none') this.#sendEnd();
        return;
      }
    }
    this.#unpublished = true;
    this.#unconfirmed = [];
    if (this.#endTimer !== null) clearTimeout(this.#endTimer);
    this.#dropQueue(this.#failure ?? 'the sender was closed');
    this.#host.localParticipant.unpublishTrack(this.#track);
  }

  #sendEnd(): void {
    this.#end = 'sent';
    const confirmed = (): void => {
      this.#end = 'confirmed';
      this.#finishIfFlushed();
    };
    if (this.#endTimer !== null) clearTimeout(this.#endTimer);
    this.#endTimer = setTimeout(confirmed, END_TIMEOUT_MS);
    try {
      this.#track._send(encodeControl({ kind: ControlKind.End, sequence: this.#sequence }), (failure) => {
        // The channel failed or moved: End goes again after the server's Rewind on the new one (or
        // the hold times out, the sender fails and unpublishes).
        if (failure !== null && failure !== MIGRATED) this.#holdForTransport();
      });
    } catch {
      confirmed();
    }
  }

  /** Settles once: durable rejects on error, lossy drops silently. */
  #settle(message: Outgoing, error: TwilioError | null, receipt?: DataChannelReceipt): void {
    if (message.settled) return;
    message.settled = true;
    if (error && this.reliability === 'durable') message.reject(error);
    else message.resolve(receipt);
  }

  #notSent(error: TwilioError): Promise<undefined> {
    return this.reliability === 'durable' ? Promise.reject(error) : Promise.resolve(undefined);
  }

  /** No more sending: queued messages are rejected (durable) or dropped (lossy). */
  #fail(reason: string): void {
    if (this.#failure !== null) return;
    this.#failure = reason;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#rewindTimer !== null) clearTimeout(this.#rewindTimer);
    this.#rewindTimer = null;
    const unconfirmed = this.#unconfirmed;
    this.#unconfirmed = [];
    for (const entry of unconfirmed) entry.pending?.reject(new DataChannelSendError(this.channelId, reason));
    this.#dropQueue(reason);
    for (const message of this.#receipts.values()) {
      if (message.receipt?.timer) clearTimeout(message.receipt.timer);
      if (message.receipt?.sent) this.#completeReceipt(message);
      else this.#settle(message, new DataChannelSendError(this.channelId, reason));
    }
    this.#receipts.clear();
    if (this.#closing) this.#finishIfFlushed();
    else if (!this.#unpublished) {
      this.#closing = true;
      this.#onClosed(this);
      this.#finishIfFlushed();
    }
  }

  #dropQueue(reason: string): void {
    const dropped = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const message of dropped) {
      this.#receipts.delete(message.sequence);
      this.#settle(message, new DataChannelSendError(this.channelId, reason));
    }
  }

  #dropFromQueue(message: Outgoing): void {
    const at = this.#queue.indexOf(message);
    if (at < 0) return;
    this.#queue.splice(at, 1);
    this.#queuedBytes -= message.payload.byteLength - message.offset;
  }

  #shiftQueue(): void {
    const head = this.#queue.shift();
    if (head) this.#queuedBytes -= head.payload.byteLength - head.offset;
  }

  #channelMax(): number {
    return this.#track._maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  /**
   * The largest payload one envelope to `recipients` recipients carries whole, on both hops: the
   * server re-encodes lossy messages with `previous` (4 bytes) for each receiver.
   */
  #singleMessageCapacity(recipients: number): number {
    const flags = this.reliability === 'lossy' ? WHOLE_MESSAGE | EnvelopeFlag.Previous : WHOLE_MESSAGE;
    return this.#channelMax() - envelopeOverhead(Math.min(recipients, MAX_RECIPIENTS), flags);
  }

  /** Everyone in the room for an empty list, else the list. */
  #everyoneOr(indexes: number[]): number[] {
    if (indexes.length > 0) return indexes;
    return [...this.#host.participants.values()].map((p) => p._plazaIndex).filter((i): i is number => i !== undefined);
  }

  #participantAt(index: number): RemoteParticipant | undefined {
    for (const participant of this.#host.participants.values()) if (participant._plazaIndex === index) return participant;
    return undefined;
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

function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/** Checks a recipient list (createSender, setParticipants). */
export function validateParticipants(participants: readonly DataChannelParticipant[]): DataChannelParticipant[] {
  if (!Array.isArray(participants)) throw new TypeError('participants must be an array');
  if (participants.length > MAX_RECIPIENTS) throw new RangeError(`at most ${MAX_RECIPIENTS} participants`);
  for (const entry of participants) {
    if (typeof entry !== 'string' && !(entry instanceof RemoteParticipant)) {
      throw new TypeError('participants must be RemoteParticipants, identities or SIDs');
    }
  }
  return [...participants];
}

/** Checks createSender's maxMessageSizeInBytes. */
export function validateMaxMessageSize(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_DURABLE_MESSAGE_BYTES;
  if (!Number.isInteger(value) || value < 1 || value > MAX_MESSAGE_BYTES) {
    throw new RangeError(`maxMessageSizeInBytes must be an integer from 1 to ${MAX_MESSAGE_BYTES}`);
  }
  return value;
}
