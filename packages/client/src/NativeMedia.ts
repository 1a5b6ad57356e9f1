/**
 * Audio and video in Node, through node-datachannel's native API beside its W3C polyfill (which has
 * no media: addTransceiver() throws and `track` never fires). PeerConnectionV2 creates the native
 * PeerConnection itself, gives it to the polyfill (its `peerConnection` option) for signaling and
 * data channels, and uses it here:
 *
 * - Senders: a published RtpMediaStreamTrack gets a sendonly m-section (mid `n<k>`, VP8 or Opus,
 *   its own SSRC, msid track id = the LocalTrack id, which is how the server maps it) and writes its
 *   packets there; a PLI or FIR that reaches the section becomes the track's `keyframerequest`. An
 *   unpublished section is re-described inactive and taken by the next publication of its kind, so
 *   the SDP stays bounded.
 * - Receivers: every m-section the server sends on becomes a subscription whose track is an
 *   RtpMediaStreamTrack emitting `rtp` (the msid track id is the `subscribed` id, as in browsers).
 *
 * Re-describing a section means a second native wrapper of the same track; each one is kept until
 * close, since collecting a wrapper closes the track it wraps.
 */
import type * as NodeDataChannelModule from 'node-datachannel';
import type { NodeDataChannel } from './environment.js';
import type { Logger } from './Logger.js';
import type { MediaTrackReceiver } from './MediaTransceivers.js';
import { RtpMediaStreamTrack } from './RtpMediaStreamTrack.js';
import { sendingMidsToTrackIds } from './Sdp.js';

type NativePeerConnection = NodeDataChannelModule.PeerConnection;
type NativeTrack = NodeDataChannelModule.Track;
type Kind = 'audio' | 'video';

const PAYLOAD_TYPES: Record<Kind, number> = { video: 96, audio: 111 };
const RTCP_PSFB = 206;

interface SendSection {
  readonly mid: string;
  readonly kind: Kind;
  readonly native: NativeTrack;
  ssrc: number;
  track: RtpMediaStreamTrack | null;
}

interface ReceiveSection {
  readonly mid: string;
  readonly kind: Kind;
  receiver: MediaTrackReceiver | null;
}

/** Stands for a native send section where LocalParticipant keeps an RTCRtpTransceiver. */
export interface NativeTransceiver {
  readonly mid: string;
  readonly native: true;
}

export class NativeMedia {
  readonly #module: NodeDataChannel;
  readonly #pc: NativePeerConnection;
  readonly #log: Logger;
  readonly #streamId = `plaza-${Math.random().toString(36).slice(2, 10)}`;
  readonly #senders = new Map<string, SendSection>();
  readonly #receivers = new Map<string, ReceiveSection>();
  readonly #natives = new Map<string, NativeTrack>();
  readonly #retained: NativeTrack[] = [];
  #nextMid = 0;
  #closed = false;

  constructor(module: NodeDataChannel, pc: NativePeerConnection, log: Logger, onReceiversChanged: () => void) {
    this.#module = module;
    this.#pc = pc;
    this.#log = log;
    pc.onTrack((native) => {
      if (this.#closed) return;
      const mid = native.mid();
      const kind = native.type();
      if (kind !== 'audio' && kind !== 'video') return;
      this.#natives.set(mid, native);
      this.#receivers.set(mid, { mid, kind, receiver: null });
      native.onMessage((packet) => {
        const track = this.#receivers.get(mid)?.receiver?.track as RtpMediaStreamTrack | undefined;
        if (track && !isRtcp(packet)) track._receive(packet);
      });
      onReceiversChanged();
    });
  }

  /** Starts sending `track` (msid track id `id`); the caller re-offers. */
  addSender(track: RtpMediaStreamTrack, id: string): NativeTransceiver {
    if (this.#closed) throw new Error('the peer connection is closed');
    const ssrc = randomSsrc();
    let section = [...this.#senders.values()].find((s) => s.kind === track.kind && s.track === null);
    if (section) {
      this.#retained.push(this.#pc.addTrack(this.#describe(section.mid, track.kind, 'SendOnly', { ssrc, id })));
      section.ssrc = ssrc;
    } else {
      const mid = `n${this.#nextMid++}`;
      const native = this.#pc.addTrack(this.#describe(mid, track.kind, 'SendOnly', { ssrc, id }));
      section = { mid, kind: track.kind, native, ssrc, track: null };
      const owner = section;
      native.onMessage((packet) => {
        if (isKeyframeRequest(packet)) owner.track?._requestKeyframe();
      });
      native.onOpen(() => this.#connect(owner));
      this.#senders.set(mid, section);
    }
    section.track = track;
    this.#connect(section);
    return { mid: section.mid, native: true };
  }

  /** Stops sending on a section from addSender(); false if it is not one of ours. The caller re-offers. */
  removeSender(transceiver: unknown): boolean {
    const section = this.#senders.get((transceiver as Partial<NativeTransceiver>)?.native ? (transceiver as NativeTransceiver).mid : '');
    if (!section?.track) return false;
    section.track._setSink(null);
    section.track = null;
    if (!this.#closed) this.#retained.push(this.#pc.addTrack(this.#describe(section.mid, section.kind, 'Inactive')));
    return true;
  }

  /** Recomputes the subscriptions from the server's description; returns them if they changed. */
  updateReceivers(remoteSdp: string | undefined): MediaTrackReceiver[] | null {
    if (this.#closed || !remoteSdp) return null;
    const sending = sendingMidsToTrackIds(remoteSdp);
    let changed = false;
    for (const section of this.#receivers.values()) {
      const id = sending.get(section.mid) ?? null;
      if (section.receiver?.id === id) continue;
      (section.receiver?.track as RtpMediaStreamTrack | undefined)?._end();
      section.receiver = id ? { id, kind: section.kind, mid: section.mid, track: new RtpMediaStreamTrack(section.kind, id) as unknown as MediaStreamTrack } : null;
      changed = true;
    }
    if (!changed) return null;
    return [...this.#receivers.values()].flatMap((s) => (s.receiver ? [s.receiver] : []));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const section of this.#senders.values()) section.track?._setSink(null);
    for (const section of this.#receivers.values()) (section.receiver?.track as RtpMediaStreamTrack | undefined)?._end();
    // Each native track holds callbacks that keep the process alive until it is closed itself.
    const natives = [...this.#natives.values(), ...[...this.#senders.values()].map((s) => s.native), ...this.#retained];
    for (const native of natives) {
      try {
        native.close();
      } catch {
        // closed with the peer connection
      }
    }
  }

  #connect(section: SendSection): void {
    const { native, track } = section;
    // Its onOpen may come after close(): no native call on a closed track (it can abort the process).
    if (this.#closed || !track || !isOpen(native)) return;
    track._setSink({
      ssrc: section.ssrc,
      payloadType: PAYLOAD_TYPES[section.kind],
      send: (packet) => {
        try {
          return isOpen(native) && native.sendMessageBinary(packet as Buffer);
        } catch (error) {
          this.#log.debug('sending RTP failed:', error);
          return false;
        }
      },
    });
  }

  #describe(mid: string, kind: Kind, direction: 'SendOnly' | 'Inactive', send?: { ssrc: number; id: string }) {
    if (kind === 'video') {
      const video = new this.#module.Video(mid, direction);
      video.addVP8Codec(PAYLOAD_TYPES.video);
      if (send) video.addSSRC(send.ssrc, this.#streamId, this.#streamId, send.id);
      return video;
    }
    const audio = new this.#module.Audio(mid, direction);
    audio.addOpusCodec(PAYLOAD_TYPES.audio);
    if (send) audio.addSSRC(send.ssrc, this.#streamId, this.#streamId, send.id);
    return audio;
  }
}

function isOpen(native: NativeTrack): boolean {
  try {
    return native.isOpen();
  } catch {
    return false;
  }
}

function randomSsrc(): number {
  return (1 + Math.floor(Math.random() * 0xfffffffe)) >>> 0;
}

/** RTCP packet types 200-207 share RTP's second byte with marker + payload types 72-79. */
function isRtcp(packet: Uint8Array): boolean {
  const pt = packet[1] ?? 0;
  return packet.length >= 4 && pt >= 192 && pt <= 223;
}

/** A PLI (PSFB FMT 1) or FIR (PSFB FMT 4) anywhere in a compound RTCP packet. */
function isKeyframeRequest(packet: Uint8Array): boolean {
  let offset = 0;
  while (offset + 4 <= packet.length) {
    const fmt = packet[offset]! & 0x1f;
    if (packet[offset + 1] === RTCP_PSFB && (fmt === 1 || fmt === 4)) return true;
    offset += ((((packet[offset + 2]! << 8) | packet[offset + 3]!) + 1) * 4);
  }
  return false;
}
