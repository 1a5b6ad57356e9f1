/**
 * A MediaStreamTrack-like audio or video track made of RTP packets, for Node, where there is no
 * capture device and no MediaStreamTrack: bots, load tests, media relayed from files or other
 * systems. Wrap it like a browser track and publish it:
 *
 * ```ts
 * const source = new RtpMediaStreamTrack('video');
 * await room.localParticipant.publishTrack(new LocalVideoTrack(source, { name: 'bot' }));
 * source.addEventListener('keyframerequest', () => encoder.forceKeyframe());
 * source.writeRtp(vp8RtpPacket); // SSRC and payload type are set to the negotiated ones
 * ```
 *
 * The packets must be VP8 (video) or Opus (audio) RTP: the server forwards exactly those. A
 * subscribed track in Node is one too: its `rtp` events carry what the server forwards.
 * `enabled = false` (LocalVideoTrack.disable()) drops what is written, as a browser sends nothing
 * useful for a disabled track; `stop()` ends it.
 */
import { makeUUID } from './environment.js';

/** Where a published track's packets go: the native send track of its m-section. */
export interface RtpSink {
  /** Sends one packet as is; false when it could not go. */
  send(packet: Uint8Array): boolean;
  readonly ssrc: number;
  readonly payloadType: number;
}

export interface RtpPacketEvent {
  readonly type: 'rtp';
  /** One RTP packet (a subscribed track), valid only during the listener call. */
  readonly data: Uint8Array;
}

type Listener = (event: { type: string; data?: Uint8Array }) => void;

const RTP_HEADER = 12;
const MAX_PACKET = 1500;

export class RtpMediaStreamTrack {
  readonly id = makeUUID();
  readonly kind: 'audio' | 'video';
  readonly label: string;
  readonly muted = false;
  enabled = true;
  #readyState: 'live' | 'ended' = 'live';
  #sink: RtpSink | null = null;
  readonly #scratch = new Uint8Array(MAX_PACKET);
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(kind: 'audio' | 'video', label = `rtp-${kind}`) {
    if (kind !== 'audio' && kind !== 'video') throw new TypeError(`kind must be audio or video, not ${String(kind)}`);
    this.kind = kind;
    this.label = label;
  }

  get readyState(): 'live' | 'ended' {
    return this.#readyState;
  }

  /** True once the track is published and its m-section is negotiated: writeRtp() then sends. */
  get isSending(): boolean {
    return this.#sink !== null && this.#readyState === 'live';
  }

  /**
   * Sends one RTP packet (header of at least 12 bytes, at most 1500 bytes) with the SSRC and payload
   * type of our m-section written over the packet's own (the caller's buffer is not modified).
   * Returns false when nothing was sent: not published yet, disabled, stopped, or malformed.
   */
  writeRtp(packet: Uint8Array): boolean {
    const sink = this.#sink;
    if (!sink || !this.enabled || this.#readyState !== 'live') return false;
    if (packet.length < RTP_HEADER || packet.length > MAX_PACKET || (packet[0]! & 0xc0) !== 0x80) return false;
    const out = this.#scratch.subarray(0, packet.length);
    out.set(packet);
    out[1] = (out[1]! & 0x80) | (sink.payloadType & 0x7f);
    out[8] = sink.ssrc >>> 24;
    out[9] = (sink.ssrc >>> 16) & 0xff;
    out[10] = (sink.ssrc >>> 8) & 0xff;
    out[11] = sink.ssrc & 0xff;
    return sink.send(out);
  }

  stop(): void {
    this.#readyState = 'ended';
    this.#sink = null;
  }

  addEventListener(type: 'rtp', listener: (event: RtpPacketEvent) => void): void;
  addEventListener(type: 'keyframerequest' | 'ended', listener: () => void): void;
  addEventListener(type: string, listener: Listener): void;
  addEventListener(type: string, listener: (event: never) => void): void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as Listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.get(type)?.delete(listener);
  }

  /** @internal The m-section carrying this published track is ready (or gone: null). */
  _setSink(sink: RtpSink | null): void {
    this.#sink = this.#readyState === 'live' ? sink : null;
  }

  /** @internal The server asked for a keyframe (PLI or FIR from a subscriber). */
  _requestKeyframe(): void {
    this.#dispatch({ type: 'keyframerequest' });
  }

  /** @internal A packet of a subscribed track arrived. */
  _receive(packet: Uint8Array): void {
    if (this.#readyState === 'live') this.#dispatch({ type: 'rtp', data: packet });
  }

  /** @internal The subscription ended. */
  _end(): void {
    if (this.#readyState === 'ended') return;
    this.#readyState = 'ended';
    this.#sink = null;
    this.#dispatch({ type: 'ended' });
  }

  #dispatch(event: { type: string; data?: Uint8Array }): void {
    for (const listener of [...(this.#listeners.get(event.type) ?? [])]) listener(event);
  }
}

export function isRtpMediaStreamTrack(value: unknown): value is RtpMediaStreamTrack {
  return value instanceof RtpMediaStreamTrack;
}
