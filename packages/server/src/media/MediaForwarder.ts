/**
 * Forwards one published audio or video track to its subscribers without decoding
 * (WEBRTC-ENGINE.md "What works"). Per subscriber, an `RtpRewriter` gives the outgoing stream its
 * own SSRC, payload type and continuous sequence numbers and timestamps, so a later source switch
 * (simulcast layers, a republished track) is invisible to the subscriber's decoder; the
 * per-subscriber leg is where layer selection will plug in.
 *
 * RTCP: PLI/FIR from any subscriber become one throttled keyframe request to the publisher (at most
 * one per KEYFRAME_INTERVAL_MS); NACKs are answered from the leg's retransmission buffer; REMB
 * towards the publisher comes from libdatachannel's RtcpReceivingSession (requestBitrate), since
 * transport-cc is stripped from the publisher's offer (Chrome would otherwise collapse to ~30 kbps).
 *
 * Hot path: one copy per packet per subscriber into a preallocated scratch buffer, rewritten in
 * place; no logging per packet.
 */
import nodeDataChannel, { type Track } from 'node-datachannel';
import type { TrackKind } from '@plaza/protocol';
import type { Logger } from '../log.js';
import {
  blankHeaderExtensions,
  isRtcp,
  isValidRtp,
  isVp8Keyframe,
  KeyframeThrottle,
  parseRtcp,
  RetransmissionBuffer,
  rtpPayloadOffset,
  rtpPayloadType,
  rtpSequence,
  RtpRewriter,
} from './rtp/index.js';

/** Bitrate the server asks video publishers for (REMB). Enough for 640x480 at 30 fps. */
export const PUBLISHER_VIDEO_BITRATE = 1_500_000;
const KEYFRAME_INTERVAL_MS = 500;
const MAX_PACKET = 1500;

export interface ForwarderStats {
  packetsIn: number;
  invalid: number;
  keyframeRequests: number;
}

class Leg {
  readonly scratch = Buffer.allocUnsafe(MAX_PACKET);
  readonly rewriter: RtpRewriter;
  readonly rtx = new RetransmissionBuffer(512);
  /** Video legs start at a keyframe: anything before it would only show as corruption. */
  waitingForKeyframe: boolean;

  constructor(
    readonly key: string,
    readonly track: Track,
    readonly ssrc: number,
    payloadType: number,
    kind: TrackKind,
  ) {
    this.rewriter = new RtpRewriter(ssrc, payloadType, kind === 'video' ? 90_000 : 48_000);
    this.waitingForKeyframe = kind === 'video';
  }
}

export interface MediaForwarderOptions {
  kind: 'audio' | 'video';
  /** Payload type of the publisher's codec (VP8 or Opus) in its offer. */
  sourcePayloadType: number;
  log: Logger;
}

export class MediaForwarder {
  private readonly legs = new Map<string, Leg>();
  private readonly throttle = new KeyframeThrottle(KEYFRAME_INTERVAL_MS);
  private closed = false;
  readonly stats: ForwarderStats = { packetsIn: 0, invalid: 0, keyframeRequests: 0 };

  constructor(
    private readonly source: Track,
    private readonly options: MediaForwarderOptions,
  ) {
    if (options.kind === 'video') {
      // RtcpReceivingSession makes libdatachannel send receiver reports and REMB for this track.
      source.setMediaHandler(new nodeDataChannel.RtcpReceivingSession());
      const askBitrate = (): void => {
        if (!this.closed && source.isOpen()) source.requestBitrate(PUBLISHER_VIDEO_BITRATE);
      };
      // requestBitrate() before the track is open aborts the process (WEBRTC-ENGINE.md).
      if (source.isOpen()) askBitrate();
      else source.onOpen(askBitrate);
    }
    source.onMessage((packet) => this.onSourcePacket(packet));
  }

  get subscriberCount(): number {
    return this.legs.size;
  }

  addSubscriber(key: string, track: Track, ssrc: number, payloadType: number): void {
    if (this.closed || this.legs.has(key)) return;
    const leg = new Leg(key, track, ssrc, payloadType, this.options.kind);
    this.legs.set(key, leg);
    track.onMessage((packet) => this.onSubscriberRtcp(leg, packet));
    track.onOpen(() => this.requestKeyframe());
    this.requestKeyframe();
  }

  removeSubscriber(key: string): Track | null {
    const leg = this.legs.get(key);
    if (!leg) return null;
    this.legs.delete(key);
    return leg.track;
  }

  close(): void {
    this.closed = true;
    this.legs.clear();
  }

  /** Asks the publisher for a keyframe, at most once per KEYFRAME_INTERVAL_MS. */
  requestKeyframe(): void {
    if (this.closed || this.options.kind !== 'video' || !this.throttle.shouldRequest(Date.now())) return;
    if (!this.source.isOpen()) return;
    try {
      this.source.requestKeyframe();
      this.stats.keyframeRequests++;
    } catch (err) {
      this.options.log.debug({ err: (err as Error).message }, 'keyframe request failed');
    }
  }

  private onSourcePacket(packet: Buffer): void {
    if (this.closed) return;
    if (isRtcp(packet)) return; // SR/SDES from the publisher: consumed by RtcpReceivingSession
    if (!isValidRtp(packet) || packet.length > MAX_PACKET || rtpPayloadType(packet) !== this.options.sourcePayloadType) {
      // Garbage, oversize, or a payload type we do not forward (e.g. RTX, RED): never reaches anyone.
      this.stats.invalid++;
      return;
    }
    this.stats.packetsIn++;
    let keyframe: boolean | null = null;
    for (const leg of this.legs.values()) {
      if (leg.waitingForKeyframe) {
        keyframe ??= isVp8Keyframe(packet, rtpPayloadOffset(packet) ?? packet.length);
        if (!keyframe) continue;
        leg.waitingForKeyframe = false;
      }
      packet.copy(leg.scratch, 0, 0, packet.length);
      const out = leg.scratch.subarray(0, packet.length);
      if (!leg.rewriter.rewrite(out) || !blankHeaderExtensions(out)) continue;
      leg.rtx.store(rtpSequence(out) as number, out);
      this.send(leg, out);
    }
  }

  private onSubscriberRtcp(leg: Leg, packet: Buffer): void {
    if (this.closed || !isRtcp(packet)) return;
    for (const rtcp of parseRtcp(packet)) {
      switch (rtcp.type) {
        case 'pli':
        case 'fir':
          this.requestKeyframe();
          break;
        case 'nack':
          for (const seq of rtcp.sequenceNumbers) {
            const stored = leg.rtx.get(seq);
            if (stored) this.send(leg, stored);
          }
          break;
        default:
          break;
      }
    }
  }

  private send(leg: Leg, packet: Buffer): void {
    try {
      if (leg.track.isOpen()) leg.track.sendMessageBinary(packet);
    } catch {
      // the subscriber's connection closed under us; its subscription is cleaned up by the room
    }
  }
}
