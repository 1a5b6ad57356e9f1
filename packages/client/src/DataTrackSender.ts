/**
 * Sends one LocalDataTrack's messages on one RTCDataChannel (one per room it is published in).
 *
 * Why a queue: publishTrack() resolves when the server reports the track `ready`, which can be a
 * moment before our side of the channel fires `open` (the DCEP ACK is still in flight). The official
 * SDK silently drops messages sent then; we queue them instead and flush them in order on open, so a
 * message sent right after publishTrack() resolves is delivered. The queue is bounded (messages and
 * bytes); beyond it send() throws DataTrackSendQueueFullError rather than growing without limit.
 *
 * The same queue gives backpressure once open: while the channel's own buffer (bufferedAmount) is
 * above HIGH_WATER_MARK, messages wait here and drain on `bufferedamountlow`, instead of piling up
 * in the channel until the browser's send() fails (Chrome throws past 16 MiB).
 *
 * Blobs are read into bytes before sending so they keep their place in the order (node-datachannel's
 * polyfill sends a Blob asynchronously, after any string sent right behind it).
 *
 * send() takes an optional completion callback (DataChannel sessions use it: their durable
 * sendMessage() settles on it): called with null once the message was handed to the channel, or
 * with the reason it never will be (channel closed or unpublished, RTCDataChannel.send failed, over
 * the negotiated max message size).
 */
import { DataTrackSendQueueFullError } from './errors.js';
import type { Logger } from './Logger.js';

/** What LocalDataTrack.send() accepts, normalized: views become Uint8Array views of their bytes. */
export type OutgoingMessage = string | ArrayBuffer | Uint8Array | Blob;

/** Called once per message: null = handed to the RTCDataChannel, else why it was dropped. */
export type SendCallback = (failure: string | null) => void;

/**
 * The failure reported for a message still queued when its channel was replaced by one on a new
 * peer connection (LocalDataTrack._replaceSender). A durable session sends it again itself.
 */
export const MIGRATED = 'moved to a new peer connection';
/** The failure reported for a message larger than the channel turned out to take. */
export const OVER_MAX_MESSAGE_SIZE = 'over the max message size';

interface Queued {
  data: OutgoingMessage;
  size: number;
  done: SendCallback | undefined;
}

/** The part of RTCDataChannel we use (lets unit tests pass a fake). */
export interface SendableChannel {
  readonly readyState: RTCDataChannelState;
  /** Bytes accepted by send() and not yet handed to the network (absent in some fakes). */
  readonly bufferedAmount?: number;
  bufferedAmountLowThreshold?: number;
  send(data: string): void;
  send(data: ArrayBuffer): void;
  send(data: ArrayBufferView<ArrayBuffer>): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'bufferedamountlow', listener: () => void): void;
  /** Messages the server sends back on a publisher's channel (DataChannel session notices). */
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  binaryType?: BinaryType;
}

/** Above this many buffered bytes in the channel, new messages wait in our queue. */
export const HIGH_WATER_MARK = 4 * 1024 * 1024;
/** Our queue drains again once the channel's buffer falls to this. */
export const LOW_WATER_MARK = 1024 * 1024;

export interface QueueLimits {
  /** Messages waiting in our queue (before open, or while the channel buffer is full). Default 8192. */
  maxMessages: number;
  /** Bytes waiting in our queue (UTF-8 for strings). Default 8 MiB. */
  maxBytes: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { maxMessages: 8192, maxBytes: 8 * 1024 * 1024 };

export class DataTrackSender {
  readonly #channel: SendableChannel;
  readonly #limits: QueueLimits;
  readonly #log: Logger;
  /** Largest message the channel takes now (changes once SCTP is up). */
  readonly #maxMessageSize: () => number;
  #queue: Queued[] = [];
  #queuedBytes = 0;
  #flushing = false;
  #closed = false;
  readonly #drainedListeners: Array<() => void> = [];
  readonly #messageListeners: Array<(data: ArrayBuffer) => void> = [];

  constructor(channel: SendableChannel, maxMessageSize: () => number, log: Logger, limits: QueueLimits = DEFAULT_QUEUE_LIMITS) {
    this.#channel = channel;
    this.#maxMessageSize = maxMessageSize;
    this.#limits = limits;
    this.#log = log;
    try {
      channel.bufferedAmountLowThreshold = LOW_WATER_MARK;
    } catch {
      // not supported: we then only drain on the next send() or open
    }
    try {
      channel.binaryType = 'arraybuffer';
    } catch {
      // a fake without it
    }
    channel.addEventListener('open', () => {
      void this.#flush();
      for (const listener of this.#drainedListeners) listener();
    });
    channel.addEventListener('bufferedamountlow', () => {
      void this.#flush();
      for (const listener of this.#drainedListeners) listener();
    });
    channel.addEventListener('close', () => this.#drop('channel closed'));
    channel.addEventListener('message', (event) => {
      const data = event.data;
      if (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) return; // only binary notices exist
      const bytes = data instanceof ArrayBuffer ? data : (data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
      for (const listener of this.#messageListeners) listener(bytes);
    });
  }

  /**
   * Calls `listener` when the channel opens and whenever its buffer drains below the low-water
   * mark (after our own queue had its turn): the moment a paced sender may hand over more.
   */
  onDrained(listener: () => void): void {
    this.#drainedListeners.push(listener);
  }

  /** Calls `listener` with each binary message the server sends back on this channel. */
  onMessage(listener: (data: ArrayBuffer) => void): void {
    this.#messageListeners.push(listener);
  }

  /** The channel's own threshold for `bufferedamountlow` (our queue drains on it). */
  setLowWaterMark(bytes: number): void {
    try {
      this.#channel.bufferedAmountLowThreshold = bytes;
    } catch {
      // not supported
    }
  }

  get channel(): SendableChannel {
    return this.#channel;
  }

  get maxMessageSize(): number {
    return this.#maxMessageSize();
  }

  /** Bytes not yet on the network: our queue plus the channel's own buffer. */
  get bufferedAmount(): number {
    return this.#queuedBytes + (this.#closed ? 0 : (this.#channel.bufferedAmount ?? 0));
  }

  get queuedMessages(): number {
    return this.#queue.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Throws DataTrackSendQueueFullError if `size` more bytes would not fit the queue. */
  assertCanAccept(size: number): void {
    if (this.#closed || this.#canSendNow(size)) return;
    if (this.#queue.length + 1 > this.#limits.maxMessages) {
      throw new DataTrackSendQueueFullError(`${this.#limits.maxMessages} messages`);
    }
    if (this.#queuedBytes + size > this.#limits.maxBytes) {
      throw new DataTrackSendQueueFullError(`${this.#limits.maxBytes} bytes`);
    }
  }

  /** Sends now if the channel is open and nothing is waiting, else queues. Call assertCanAccept first. */
  send(data: OutgoingMessage, size: number, done?: SendCallback): void {
    if (this.#closed) {
      done?.('channel closed');
      return;
    }
    if (this.#canSendNow(size) && !(data instanceof Blob)) {
      const failure = this.#sendNow(data);
      done?.(failure);
      return;
    }
    // send() copies synchronously in browsers, so apps reuse their buffers right after it (the
    // official SDK's users do): a queued binary message must be our own copy.
    const copy = typeof data === 'string' || data instanceof Blob ? data : data.slice(0);
    this.#queue.push({ data: copy, size, done });
    this.#queuedBytes += size;
    if (this.#channel.readyState === 'open' && !this.#flushing) void this.#flush();
  }

  /**
   * Hands what is queued (not yet on the channel) to `next`, in order, with its callbacks: the
   * track goes on on a new peer connection.
   */
  transferQueueTo(next: DataTrackSender): void {
    const queued = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const item of queued) next.send(item.data, item.size, item.done);
  }

  /** Drops the queue (each message's callback gets `reason`) and closes the channel. Idempotent. */
  close(reason = 'unpublished'): void {
    if (this.#closed) return;
    this.#drop(reason);
    try {
      this.#channel.close();
    } catch (error) {
      this.#log.debug('RTCDataChannel.close failed:', error);
    }
  }

  #canSendNow(size: number): boolean {
    return this.#channel.readyState === 'open' && this.#queue.length === 0 && !this.#flushing && !this.#isBufferFull(size);
  }

  #isBufferFull(size: number): boolean {
    const buffered = this.#channel.bufferedAmount ?? 0;
    // Only above LOW_WATER_MARK, so that a 'bufferedamountlow' event is sure to follow and resume us.
    return buffered > LOW_WATER_MARK && buffered + size > HIGH_WATER_MARK;
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#queue.length > 0 && !this.#closed && this.#channel.readyState === 'open') {
        const head = this.#queue[0] as Queued;
        if (this.#isBufferFull(head.size)) return; // resumed by 'bufferedamountlow'
        let data = head.data;
        if (data instanceof Blob) data = await data.arrayBuffer();
        if (this.#closed || this.#queue[0] !== head) return; // closed (queue dropped) while reading
        this.#queue.shift();
        this.#queuedBytes -= head.size;
        if (head.size > this.#maxMessageSize()) {
          // Checked at send() against what was known then; the negotiated limit turned out smaller.
          this.#log.warn(`Dropping a queued ${head.size}-byte message: over the channel's max message size`);
          head.done?.(OVER_MAX_MESSAGE_SIZE);
          continue;
        }
        const failure = this.#sendNow(data);
        head.done?.(failure);
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** Returns null when sent, else why not. */
  #sendNow(data: string | ArrayBuffer | Uint8Array): string | null {
    try {
      if (typeof data === 'string') this.#channel.send(data);
      else if (data instanceof ArrayBuffer) this.#channel.send(data);
      else this.#channel.send(data as Uint8Array<ArrayBuffer>);
      return null;
    } catch (error) {
      // Like the SDK's DataTrackSender: a failing channel must not throw into the app's send().
      this.#log.warn('RTCDataChannel.send failed:', error);
      return `RTCDataChannel.send failed: ${String(error)}`;
    }
  }

  #drop(reason: string): void {
    this.#closed = true;
    if (this.#queue.length > 0 && reason !== MIGRATED) this.#log.warn(`Dropping ${this.#queue.length} queued message(s): ${reason}`);
    const dropped = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const item of dropped) item.done?.(reason);
  }
}
