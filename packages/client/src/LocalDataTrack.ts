/**
 * LocalDataTrack, with the official SDK's constructor and properties (twilio-video
 * lib/media/track/localdatatrack.js), so `new LocalDataTrack({...})` code ports unchanged.
 *
 * Differences, all on the safe side:
 *  - Options are validated here (the SDK leaves it to createDataChannel(), which throws a TypeError
 *    only in some browsers, at publish time): maxPacketLifeTime and maxRetransmits are mutually
 *    exclusive (RTCDataChannelInit rule) and must be integers in 0..65535 (SCTP PR-SCTP fields are
 *    16-bit), or null.
 *  - send() throws DataTrackMessageTooLargeError (53306) for a message over the channel's max
 *    message size instead of letting the channel fail or close.
 *  - Messages sent while a publication's channel is still opening are queued (DataTrackSender).
 * Like the SDK, messages sent while the track is not published anywhere are dropped.
 */
import { DataTrackSender, DEFAULT_QUEUE_LIMITS, MIGRATED, type OutgoingMessage, type QueueLimits, type SendCallback } from './DataTrackSender.js';
import { makeUUID } from './environment.js';
import { DataTrackMessageTooLargeError, TrackInvalidError } from './errors.js';

export interface LocalDataTrackOptions {
  /** Track name; defaults to the track id (SDK behaviour). */
  name?: string;
  /** In-order delivery. Default true. */
  ordered?: boolean;
  /** Retransmit for at most this many ms (per relay leg). Default null (no limit). */
  maxPacketLifeTime?: number | null;
  /** Retransmit at most this many times (per relay leg). Default null (no limit). */
  maxRetransmits?: number | null;
  /** Bound of the send queue used while a channel opens or its buffer is full (Plaza extension). Default 8192 messages / 8 MiB. */
  queueLimits?: Partial<QueueLimits>;
}

export type DataTrackMessage = string | ArrayBuffer | ArrayBufferView | Blob;

/** @internal See LocalDataTrack._setSessionHooks. */
export interface SessionHooks {
  drained(): void;
  notice(data: ArrayBuffer): void;
  /**
   * The track's channel is being replaced by one on a new peer connection. True if the session
   * sends again what the old channel still held (durable: from the server's Rewind); else what
   * is queued moves to the new channel as it is.
   */
  migrated(): boolean;
}

const MAX_UINT16 = 65535;

export class LocalDataTrack {
  readonly id: string;
  readonly kind = 'data' as const;
  readonly name: string;
  readonly ordered: boolean;
  readonly maxPacketLifeTime: number | null;
  readonly maxRetransmits: number | null;
  /** true when neither limit is set: every message is retransmitted until delivered. */
  readonly reliable: boolean;
  readonly queueLimits: QueueLimits;
  readonly #senders = new Set<DataTrackSender>();
  #sessionHooks: SessionHooks | null = null;
  #lowWaterMark: number | null = null;

  constructor(options: LocalDataTrackOptions = {}) {
    const ordered = options.ordered ?? true;
    if (typeof ordered !== 'boolean') throw new TrackInvalidError('ordered must be a boolean');
    const maxPacketLifeTime = validateLimit('maxPacketLifeTime', options.maxPacketLifeTime);
    const maxRetransmits = validateLimit('maxRetransmits', options.maxRetransmits);
    if (maxPacketLifeTime !== null && maxRetransmits !== null) {
      throw new TrackInvalidError('maxPacketLifeTime and maxRetransmits are mutually exclusive');
    }
    this.id = makeUUID();
    this.name = options.name === undefined || options.name === null ? this.id : String(options.name);
    this.ordered = ordered;
    this.maxPacketLifeTime = maxPacketLifeTime;
    this.maxRetransmits = maxRetransmits;
    this.reliable = maxPacketLifeTime === null && maxRetransmits === null;
    this.queueLimits = { ...DEFAULT_QUEUE_LIMITS, ...options.queueLimits };
  }

  /**
   * Plaza extension: bytes sent but not yet on the network, for the slowest room this track is
   * published in (queue + RTCDataChannel.bufferedAmount). Apps that stream can pace on it.
   */
  get bufferedAmount(): number {
    let max = 0;
    for (const sender of this.#senders) max = Math.max(max, sender.bufferedAmount);
    return max;
  }

  /** RTCDataChannelInit for this track's channels: limits only when set, as in the SDK. */
  get dataChannelInit(): RTCDataChannelInit {
    const init: RTCDataChannelInit = { ordered: this.ordered };
    if (this.maxPacketLifeTime !== null) init.maxPacketLifeTime = this.maxPacketLifeTime;
    if (this.maxRetransmits !== null) init.maxRetransmits = this.maxRetransmits;
    return init;
  }

  /**
   * Sends to every room this track is published in. Strings arrive as strings, everything else as
   * binary. Throws DataTrackMessageTooLargeError or DataTrackSendQueueFullError; nothing is sent
   * anywhere when it throws.
   */
  send(data: DataTrackMessage): void {
    const message = normalize(data);
    const size = byteLength(message);
    for (const sender of this.#senders) {
      const max = sender.maxMessageSize;
      if (size > max) throw new DataTrackMessageTooLargeError(size, max);
      sender.assertCanAccept(size);
    }
    for (const sender of this.#senders) sender.send(message, size);
  }

  /**
   * @internal send() for one binary message with a completion callback (DataChannel sessions):
   * `done(null)` once every channel took it, else with the first reason one dropped it (also when
   * the track has no channel). Throws like send(); nothing is sent anywhere when it throws.
   */
  _send(message: Uint8Array, done: SendCallback): void {
    const size = message.byteLength;
    for (const sender of this.#senders) {
      const max = sender.maxMessageSize;
      if (size > max) throw new DataTrackMessageTooLargeError(size, max);
      sender.assertCanAccept(size);
    }
    if (this.#senders.size === 0) {
      done('not published');
      return;
    }
    let remaining = this.#senders.size;
    let failure: string | null = null;
    const onDone: SendCallback = (reason) => {
      failure ??= reason;
      if (--remaining === 0) done(failure);
    };
    for (const sender of this.#senders) sender.send(message, size, onDone);
  }

  /** @internal The largest message every channel of this track takes now; null without a channel. */
  get _maxMessageSize(): number | null {
    let max: number | null = null;
    for (const sender of this.#senders) max = max === null ? sender.maxMessageSize : Math.min(max, sender.maxMessageSize);
    return max;
  }

  /** @internal Whether some channel of this track is still usable (not closed or unpublished). */
  get _hasOpenChannel(): boolean {
    for (const sender of this.#senders) if (!sender.closed) return true;
    return false;
  }

  /** @internal Called by LocalParticipant when a publication's channel is created. */
  _addSender(sender: DataTrackSender): void {
    this.#senders.add(sender);
    if (this.#lowWaterMark !== null) sender.setLowWaterMark(this.#lowWaterMark);
    sender.onDrained(() => {
      if (this.#senders.has(sender)) this.#sessionHooks?.drained();
    });
    sender.onMessage((data) => {
      if (this.#senders.has(sender)) this.#sessionHooks?.notice(data);
    });
  }

  /**
   * @internal A DataChannel session's sender listens to its track's channels: `drained` when one
   * opens or its buffer drains (time to hand over more), `notice` for what the server sends back.
   */
  _setSessionHooks(hooks: SessionHooks): void {
    this.#sessionHooks = hooks;
  }

  /** @internal The `bufferedamountlow` threshold of this track's channels (now and later ones). */
  _setLowWaterMark(bytes: number): void {
    this.#lowWaterMark = bytes;
    for (const sender of this.#senders) sender.setLowWaterMark(bytes);
  }


  /**
   * @internal A transport replacement: `next` (on the new peer connection) takes over from `old`.
   * Messages queued on `old` move to `next`, unless the session resends them itself.
   */
  _replaceSender(old: DataTrackSender, next: DataTrackSender): void {
    this.#senders.delete(old);
    this._addSender(next);
    const resent = this.#sessionHooks?.migrated() ?? false;
    if (!resent) old.transferQueueTo(next);
    old.close(MIGRATED);
  }

  /** @internal Called by LocalParticipant on unpublish or disconnect. */
  _removeSender(sender: DataTrackSender): void {
    this.#senders.delete(sender);
  }
}

function validateLimit(name: string, value: number | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_UINT16) {
    throw new TrackInvalidError(`${name} must be an integer from 0 to ${MAX_UINT16}, or null`);
  }
  return value;
}

function normalize(data: DataTrackMessage): OutgoingMessage {
  if (typeof data === 'string' || data instanceof ArrayBuffer || data instanceof Blob) return data;
  if (ArrayBuffer.isView(data)) {
    // Any view (DataView, Int16Array, Buffer...) goes out as exactly its bytes; node-datachannel's
    // polyfill would otherwise copy element values (new Uint8Array(int16Array)) or send nothing (DataView).
    return new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  }
  throw new TypeError('LocalDataTrack.send() takes a string, ArrayBuffer, ArrayBufferView or Blob');
}

function byteLength(message: OutgoingMessage): number {
  if (typeof message === 'string') return utf8Length(message);
  if (message instanceof Blob) return message.size;
  return message.byteLength;
}

/** UTF-8 size of a string without encoding it (no allocation on the send path). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4; // a surrogate pair is one 4-byte code point
        i++;
      } else bytes += 3;
    } else bytes += 3; // includes lone surrogates, which TextEncoder writes as U+FFFD (3 bytes)
  }
  return bytes;
}
