/**
 * A data channel the server opened for us (twilio-video lib/data/receiver.js): its label is the `id`
 * that `subscribed.tracks[{sid, id}]` maps to a track SID.
 *
 * The channel and the `subscribed` entry can arrive in either order, and messages can arrive before
 * we know which track the channel belongs to. The SDK drops those; we keep them (bounded) and hand
 * them to the RemoteDataTrack right after `trackSubscribed`, so listeners attached in that handler
 * see every message the server relayed.
 *
 * Resuming after a transport replacement (Room: Plaza's ICE restart): the receiver outlives its
 * channel. suspend() stops listening to the old one (its close is not the subscription's end);
 * rebind() takes the new one, labelled the same, and first tells the server, upstream, how many
 * bytes it received on this subscription (Rewind): the server's relay sends again exactly what
 * followed (durable sessions). To bound what the relay keeps for that, the receiver acknowledges
 * every ACK_EVERY bytes (Received). Servers ignore both on channels that do not resume.
 * A channel closed by the other side often closes with its transport, a moment before the peer
 * connection reports the failure: such a close suspends the receiver for CLOSE_GRACE_MS first, and
 * only ends it if no replacement (suspend/rebind) comes meanwhile.
 */
import { ControlKind, encodeControl } from '@plaza/protocol';
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
  addEventListener(type: 'close' | 'open', listener: () => void): void;
}

export type DataMessage = string | ArrayBuffer;

/** Messages kept per channel while no track is attached. Older ones are dropped past this. */
export const MAX_BUFFERED_MESSAGES = 1024;
/** The server hears how many bytes arrived every this many bytes (it may then forget them). */
export const ACK_EVERY = 64 * 1024;
/**
 * A channel closed by the other side ends its receiver this long after, unless a new transport
 * takes over. Generous: a browser may report its transport's failure seconds after the channels
 * closed, and the server's own ends of a subscription come with a `subscribed` update anyway.
 */
export const CLOSE_GRACE_MS = 10_000;

export class DataTrackReceiver {
  #channel: ReceivableChannel;
  /** Bumped by suspend()/rebind(): events of an earlier channel are ignored. */
  #generation = 0;
  #suspended = false;
  #graceTimer: ReturnType<typeof setTimeout> | null = null;
  /** Binary bytes received on this subscription, every channel it had (mod 2^32). */
  #receivedBytes = 0;
  #unacknowledged = 0;
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
    this.#listen(channel);
  }

  #listen(channel: ReceivableChannel): void {
    const generation = this.#generation;
    // Binary as ArrayBuffer in every browser (Firefox defaults to Blob), as the SDK does.
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (event) => {
      if (generation === this.#generation) this.#onMessage(event.data);
    });
    channel.addEventListener('close', () => {
      if (generation !== this.#generation) return;
      if (this.#closedLocally) return this.#end(); // we closed it: its close ends it
      if (this.#closed) return;
      // Perhaps its transport died: the room may be about to replace it (see CLOSE_GRACE_MS).
      this.#generation++;
      this.#suspended = true;
      this.#graceTimer = setTimeout(() => {
        this.#graceTimer = null;
        if (this.#suspended) this.#end();
      }, CLOSE_GRACE_MS);
      (this.#graceTimer as { unref?: () => void }).unref?.();
    });
  }

  /** Closed for good: nothing more will arrive. */
  #end(): void {
    this.#suspended = false;
    this.#closed = true;
    for (const handler of this.#closeHandlers.splice(0)) handler();
  }

  #clearGrace(): void {
    if (this.#graceTimer !== null) clearTimeout(this.#graceTimer);
    this.#graceTimer = null;
  }

  /**
   * The transport is being replaced: the current channel no longer counts (its close is not the
   * end of the subscription, and nothing more is taken from it). rebind() brings the next one.
   */
  suspend(): void {
    if (this.#closed) return;
    this.#clearGrace(); // the room's replacement decides now
    this.#generation++;
    this.#suspended = true;
  }

  get suspended(): boolean {
    return this.#suspended;
  }

  /** The subscription's channel on the new transport: tell the server where we are, go on. */
  rebind(channel: ReceivableChannel): void {
    if (this.#closed) {
      channel.close();
      return;
    }
    this.#clearGrace();
    this.#generation++;
    this.#suspended = false;
    this.#channel = channel;
    this.#unacknowledged = 0;
    this.#listen(channel);
    const rewind = (): void => {
      this.sendUpstream(encodeControl({ kind: ControlKind.Rewind, sequence: this.#receivedBytes }));
    };
    if (channel.readyState === 'open') rewind();
    else channel.addEventListener('open', rewind);
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
    const suspended = this.#suspended;
    this.#clearGrace();
    this.#closed = true; // by us: nothing more is coming
    this.#closedLocally = true;
    this.#suspended = false;
    this.#handler = null;
    this.#buffer = [];
    try {
      this.#channel.close();
    } catch (error) {
      this.#log.debug('RTCDataChannel.close failed:', error);
    }
    // A suspended receiver no longer hears its channel's close: it ends here.
    if (suspended) for (const handler of this.#closeHandlers.splice(0)) handler();
  }

  #onMessage(raw: unknown): void {
    const data = toMessage(raw);
    if (data === null) return;
    if (typeof data !== 'string') this.#count(data.byteLength);
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

  #count(bytes: number): void {
    this.#receivedBytes = (this.#receivedBytes + bytes) >>> 0;
    this.#unacknowledged += bytes;
    if (this.#unacknowledged < ACK_EVERY) return;
    this.#unacknowledged = 0;
    this.sendUpstream(encodeControl({ kind: ControlKind.Received, sequence: this.#receivedBytes }));
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
