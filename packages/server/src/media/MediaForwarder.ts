/**
 * Forwards one published audio or video track to its subscribers without decoding
 * (WEBRTC-ENGINE.md "What works"). The publisher's m-section is the `source`; each subscriber's is
 * a `sink` with its own SSRC, payload type and RTP rewriter, so sequence numbers and timestamps stay
 * continuous per outgoing stream whatever feeds it (a republished track, later simulcast layers);
 * the per-subscriber leg is where layer selection will plug in.
 *
 * RTCP is the server's own (no libdatachannel media handler: its RtcpReceivingSession swallows
 * every incoming RTCP packet, sender reports included):
 * - towards the publisher: a receiver report and, for video, REMB asking PUBLISHER_VIDEO_BITRATE
 *   (transport-cc is stripped from its offer: Chrome would otherwise collapse to ~30 kbps), sent on
 *   each of its sender reports and on its first packet; PLI when a subscriber needs a keyframe, at
 *   most one per KEYFRAME_INTERVAL_MS however many subscribers ask;
 * - towards subscribers: the publisher's sender reports, rewritten to each sink's SSRC and
 *   timestamp offset, so the subscriber can put audio and video on one clock (lip sync);
 * - from subscribers: PLI/FIR become the throttled keyframe request; NACKs are answered from the
 *   sink's retransmission buffer.
 *
 * Hot path: one copy per packet per subscriber into a preallocated scratch buffer, rewritten in
 * place; no logging per packet.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from '../log.js';
import type { MediaReceiver } from './MediaLine.js';
import {
  blankHeaderExtensions,
  buildPli,
  buildReceiverReport,
  buildRemb,
  isValidRtp,
  isVp8Keyframe,
  KeyframeThrottle,
  parseRtcp,
  ReceiveStatistics,
  RetransmissionBuffer,
  rewriteSenderReport,
  rtpPayloadOffset,
  rtpPayloadType,
  rtpSequence,
  rtpSsrc,
  rtpTimestamp,
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
  senderReportsForwarded: number;
}

/** The publisher's m-section (a MediaLine): what the forwarder reads and sends its RTCP on. */
export interface MediaSource {
  receiver: MediaReceiver | null;
  isOpen(): boolean;
  sendPacket(packet: Buffer): boolean;
  onOpen(listener: () => void): () => void;
}

/** A subscriber's m-section (a server MediaLine): its outgoing stream and the RTCP it gets back. */
export interface MediaSink {
  readonly rewriter: RtpRewriter | null;
  readonly rtx: RetransmissionBuffer | null;
  feedback: ((rtcp: Buffer) => void) | null;
  isOpen(): boolean;
  sendPacket(packet: Buffer): boolean;
  onOpen(listener: () => void): () => void;
}

class Leg {
  readonly scratch = Buffer.allocUnsafe(MAX_PACKET);
  /** Video legs start at a keyframe: anything before it would only show as corruption. */
  waitingForKeyframe: boolean;

  constructor(
    readonly sink: MediaSink,
    readonly rewriter: RtpRewriter,
    readonly rtx: RetransmissionBuffer,
    readonly stopOpenListener: () => void,
    video: boolean,
  ) {
    this.waitingForKeyframe = video;
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
  private readonly received: ReceiveStatistics;
  /** Sender SSRC of our RTCP to the publisher (receiver-only sections have none of their own). */
  private readonly rtcpSsrc = randomInt(1, 0xffffffff);
  private readonly receiver: MediaReceiver = { rtp: (p) => this.onSourceRtp(p), rtcp: (p) => this.onSourceRtcp(p) };
  private readonly stopSourceOpen: () => void;
  private closed = false;
  readonly stats: ForwarderStats = { packetsIn: 0, invalid: 0, keyframeRequests: 0, senderReportsForwarded: 0 };

  constructor(
    private readonly source: MediaSource,
    private readonly options: MediaForwarderOptions,
  ) {
    this.received = new ReceiveStatistics(options.kind === 'video' ? 90_000 : 48_000);
    source.receiver = this.receiver;
    this.stopSourceOpen = source.onOpen(() => this.requestKeyframe());
  }

  get subscriberCount(): number {
    return this.legs.size;
  }

  /** Starts sending to `sink` (a server line); `key` is the subscription's id. */
  addSubscriber(key: string, sink: MediaSink): void {
    if (this.closed || this.legs.has(key) || !sink.rewriter || !sink.rtx) return;
    const stopOpen = sink.onOpen(() => this.requestKeyframe());
    const leg = new Leg(sink, sink.rewriter, sink.rtx, stopOpen, this.options.kind === 'video');
    this.legs.set(key, leg);
    sink.feedback = (packet) => this.onSubscriberRtcp(leg, packet);
    this.requestKeyframe();
  }

  removeSubscriber(key: string): void {
    const leg = this.legs.get(key);
    if (!leg) return;
    this.legs.delete(key);
    this.detach(leg);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const leg of this.legs.values()) this.detach(leg);
    this.legs.clear();
    this.stopSourceOpen();
    // A reused transceiver may already carry the next publication's forwarder.
    if (this.source.receiver === this.receiver) this.source.receiver = null;
  }

  /** Asks the publisher for a keyframe (PLI), at most once per KEYFRAME_INTERVAL_MS. */
  requestKeyframe(): void {
    if (this.closed || this.options.kind !== 'video') return;
    const ssrc = this.received.ssrc;
    if (ssrc === null || !this.source.isOpen() || !this.throttle.shouldRequest(Date.now())) return;
    if (this.source.sendPacket(buildPli(this.rtcpSsrc, ssrc))) this.stats.keyframeRequests++;
  }

  private detach(leg: Leg): void {
    leg.stopOpenListener();
    if (leg.sink.feedback) leg.sink.feedback = null;
  }

  private onSourceRtp(packet: Buffer): void {
    if (this.closed) return;
    if (!isValidRtp(packet) || packet.length > MAX_PACKET || rtpPayloadType(packet) !== this.options.sourcePayloadType) {
      // Garbage, oversize, or a payload type we do not forward (e.g. RTX, RED): never reaches anyone.
      this.stats.invalid++;
      return;
    }
    const ssrc = rtpSsrc(packet) as number;
    const first = this.received.ssrc !== ssrc;
    this.received.onRtp(ssrc, rtpSequence(packet) as number, rtpTimestamp(packet) as number, Date.now());
    if (first) this.sendReceiverFeedback();
    this.stats.packetsIn++;
    let keyframe: boolean | null = null;
    for (const leg of this.legs.values()) {
      if (leg.waitingForKeyframe) {
        keyframe ??= isVp8Keyframe(packet, rtpPayloadOffset(packet) ?? packet.length);
        if (!keyframe) {
          // Ask again (throttled) until it comes: the first request may have been lost, throttled
          // away, or made before the publisher's first packet.
          this.requestKeyframe();
          continue;
        }
        leg.waitingForKeyframe = false;
      }
      packet.copy(leg.scratch, 0, 0, packet.length);
      const out = leg.scratch.subarray(0, packet.length);
      if (!leg.rewriter.rewrite(out) || !blankHeaderExtensions(out)) continue;
      leg.rtx.store(rtpSequence(out) as number, out);
      leg.sink.sendPacket(out);
    }
  }

  /** The publisher's RTCP: its sender reports are answered and passed on to every subscriber. */
  private onSourceRtcp(packet: Buffer): void {
    if (this.closed) return;
    const now = Date.now();
    for (const rtcp of parseRtcp(packet)) {
      if (rtcp.type !== 'sr' || rtcp.ssrc !== this.received.ssrc) continue;
      this.received.onSenderReport(rtcp.ssrc, rtcp.ntpSeconds, rtcp.ntpFraction, now);
      this.sendReceiverFeedback();
      for (const leg of this.legs.values()) {
        // Only once the leg forwards this very source: its timestamp offset is then the right one.
        if (leg.waitingForKeyframe || leg.rewriter.sourceSsrc !== rtcp.ssrc) continue;
        const sr = rewriteSenderReport(packet, leg.rewriter.outSsrc, leg.rewriter.timestampOffset, leg.rewriter.packetCount, leg.rewriter.octetCount);
        if (sr && leg.sink.sendPacket(sr)) this.stats.senderReportsForwarded++;
      }
    }
  }

  /** Receiver report (and REMB for video) to the publisher. */
  private sendReceiverFeedback(): void {
    const ssrc = this.received.ssrc;
    const block = this.received.reportBlock(Date.now());
    if (ssrc === null || !block) return;
    this.source.sendPacket(buildReceiverReport(this.rtcpSsrc, [block]));
    if (this.options.kind === 'video') this.source.sendPacket(buildRemb(this.rtcpSsrc, PUBLISHER_VIDEO_BITRATE, [ssrc]));
  }

  /** A subscriber's RTCP about the stream we send it; anything about other SSRCs is not ours. */
  private onSubscriberRtcp(leg: Leg, packet: Buffer): void {
    if (this.closed) return;
    const ours = leg.rewriter.outSsrc;
    for (const rtcp of parseRtcp(packet)) {
      switch (rtcp.type) {
        case 'pli':
          if (rtcp.mediaSsrc === ours) this.requestKeyframe();
          break;
        case 'fir':
          if (rtcp.entries.some((e) => e.ssrc === ours)) this.requestKeyframe();
          break;
        case 'nack':
          if (rtcp.mediaSsrc !== ours) break;
          for (const seq of rtcp.sequenceNumbers) {
            const stored = leg.rtx.get(seq);
            if (stored) leg.sink.sendPacket(stored);
          }
          break;
        default:
          break;
      }
    }
  }
}
