/**
 * A data channel the server opened for us (twilio-video lib/data/receiver.js): its label is the `id`
 * that `subscribed.tracks[{sid, id}]` maps to a track SID.
 *
 * The channel and the `subscribed` entry can arrive in either order, and messages can arrive before
 * we know which track the channel belongs to. The SDK drops those; we keep them (bounded) and hand
 * them to the RemoteDataTrack right after `trackSubscribed`, so listeners attached in that handler
 * see every message the server relayed.
 */
import type { Logger } from './Logger.js';

/** The part of RTCDataChannel we use (lets unit tests pass a fake). */
export interface ReceivableChannel {
  readonly label: string;
  readonly ordered: boolean;
  readonly maxPacketLifeTime: number | null;
  readonly maxRetransmits: number | null;
  binaryType: BinaryType;
  readonly readyState?: RTCDataChannelState;
  /** Upstream, to the server: DataChannel session receipts only (DataTracks are unidirectional). */
  send?(data: Uint8Array<ArrayBuffer>): void;
  close(): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: () => void): void;
}

export type DataMessage = string | ArrayBuffer;

/** Messages kept per channel while no track is attached. Older ones are dropped past this. */
export const MAX_BUFFERED_MESSAGES = 1024;

export class DataTrackReceiver {
  readonly #channel: ReceivableChannel;
  readonly #log: Logger;
  #buffer: DataMessage[] = [];
  #dropped = 0;
  #handler: ((data: DataMessage) => void) | null = null;
  #closeHandlers: Array<() => void> = [];
  #closed = false;
  #closedLocally = false;

  constructor(channel: ReceivableChannel, log: Logger) {
    this.#channel = channel;
    this.#log = log;
    // Binary as ArrayBuffer in every browser (Firefox defaults to Blob), as the SDK does.
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (event) => this.#onMessage(event.data));
    channel.addEventListener('close', () => {
      this.#closed = true;
      for (const handler of this.#closeHandlers.splice(0)) handler();
    });
  }

  /** The channel label: the subscription id. */
  get id(): string {
    return this.#channel.label;
  }

  get channel(): ReceivableChannel {
    return this.#channel;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Closed by us (close()): nothing more will arrive. A close from the other side is a separate
   * event from the messages, with no promise of ordering against them: a session waits briefly
   * for its last messages (and End) after it.
   */
  get closedLocally(): boolean {
    return this.#closedLocally;
  }

  /** Delivers buffered messages, then every new one, to `handler`. */
  attach(handler: (data: DataMessage) => void): void {
    this.#handler = handler;
    if (this.#dropped > 0) this.#log.warn(`${this.#dropped} early message(s) on "${this.id}" were dropped`);
    this.#dropped = 0;
    for (const data of this.#buffer.splice(0)) {
      if (this.#handler !== handler) return; // detached by a handler
      handler(data);
    }
  }

  /** Stops delivery; later messages are buffered again. */
  detach(): void {
    this.#handler = null;
  }

  /** Sends a notice to the server on this channel; false if it could not (closed, failed). */
  sendUpstream(data: Uint8Array): boolean {
    if (this.#closed || this.#channel.readyState !== 'open' || !this.#channel.send) return false;
    try {
      this.#channel.send(data as Uint8Array<ArrayBuffer>);
      return true;
    } catch (error) {
      this.#log.debug('RTCDataChannel.send (upstream) failed:', error);
      return false;
    }
  }

  onClose(handler: () => void): void {
    if (this.#closed) handler();
    else this.#closeHandlers.push(handler);
  }

  close(): void {
    this.#closed = true; // by us: nothing more is coming
    this.#closedLocally = true;
    this.#handler = null;
    this.#buffer = [];
    try {
      this.#channel.close();
    } catch (error) {
      this.#log.debug('RTCDataChannel.close failed:', error);
    }
  }

  #onMessage(raw: unknown): void {
    const data = toMessage(raw);
    if (data === null) return;
    if (this.#handler) {
      this.#handler(data);
      return;
    }
    if (this.#buffer.length >= MAX_BUFFERED_MESSAGES) {
      this.#buffer.shift();
      this.#dropped++;
    }
    this.#buffer.push(data);
  }
}

function toMessage(raw: unknown): DataMessage | null {
  if (typeof raw === 'string' || raw instanceof ArrayBuffer) return raw;
  if (ArrayBuffer.isView(raw)) {
    // Defensive: some implementations hand out views; the SDK contract is an ArrayBuffer.
    return raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  }
  return null;
}
