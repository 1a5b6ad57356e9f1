/**
 * Rewrites the RTP packets of ONE outgoing stream (one track towards one subscriber) so that the
 * subscriber sees a single continuous RTP stream (RFC 3550 §5.1) whatever the forwarder feeds it:
 * one publisher SSRC, then another (simulcast layer switch, track republished), and so on.
 *
 * - SSRC and payload type become the subscriber's (`outSsrc`, `outPayloadType`).
 * - Sequence numbers: within one source, out = in + offset (mod 2^16). Upstream losses keep their
 *   gaps (so the subscriber's NACKs name real packets), reordered and duplicated packets keep their
 *   place. A packet more than `maxLate` behind the newest, or older than the source's first
 *   forwarded packet (its output number would belong to the previous source), is dropped.
 * - Timestamps: within one source, out = in + offset (mod 2^32), so RTP timing is untouched.
 * - On a source change the offsets are recomputed so the first packet of the new source gets the
 *   next sequence number (last + 1) and a timestamp a little after the last one: the time elapsed
 *   since the last timestamp change, in clock-rate units (at least 1 tick). Receivers' jitter
 *   buffers and decoders then see no backwards jump. The forwarder should switch on a key frame
 *   (see `isVp8Keyframe`), since the decoder cannot continue the old picture with the new stream.
 *
 * The forwarder must pass only packets of the source it currently forwards: ANY change of input
 * SSRC is treated as a switch (so switching back and forth between layers works). Packets of the
 * previous source that are still in flight must be filtered out before `rewrite`.
 *
 * Per packet this allocates nothing: a few integer fields and four header writes. The clock is read
 * only when the output timestamp changes (once per video frame, once per audio packet).
 */
import { RTP_HEADER_SIZE } from './RtpPacket.js';

export interface RtpRewriterOptions {
  /**
   * Monotonic clock in milliseconds, used only to size the timestamp step at a source switch.
   * Default: `performance.now`.
   */
  now?: () => number;
  /**
   * How far (in sequence numbers) behind the newest forwarded packet a late packet may be and
   * still be forwarded. Default 3000, RFC 3550 Appendix A.1's MAX_DROPOUT: larger than its
   * MAX_MISORDER (100) because retransmissions the publisher sends in answer to our NACKs arrive
   * a round trip late and still help the subscriber. Clamped to 0..32767 (beyond half the
   * sequence space, "behind" and "ahead" cannot be told apart).
   */
  maxLate?: number;
}

const SEQ_HALF = 0x8000;
/** Cap on the timestamp step at a switch: below 2^31 so the jump never reads as going backwards. */
const MAX_TS_STEP = 0x40000000;

export class RtpRewriter {
  /** The subscriber-facing SSRC written into every packet. */
  readonly outSsrc: number;
  /** The subscriber-facing payload type written into every packet (marker bit kept). */
  readonly outPayloadType: number;
  /** RTP clock rate of the stream: 90000 for video, 48000 for Opus. */
  readonly clockRate: number;
  /** Packets forwarded (rewrite returned true), for the forwarder's sender reports and stats. */
  packetCount = 0;
  /** Payload octets forwarded (RFC 3550 §6.4.1 sender's octet count: no header, no padding). */
  octetCount = 0;

  private readonly now: () => number;
  private readonly maxLate: number;
  /** Input SSRC being forwarded; -1 before the first packet and after resync() (never a uint32). */
  private source = -1;
  private started = false;
  private seqOffset = 0;
  private tsOffset = 0;
  /** Newest input sequence number of the current source. */
  private highestIn = 0;
  /** How far the current source has advanced since its first packet, capped at 32767. */
  private span = 0;
  private lastOutSeq = 0;
  private lastOutTs = 0;
  /** Clock reading when the output timestamp last changed (≈ when the last frame started). */
  private lastTsChangeMs = 0;

  /**
   * @param outSsrc SSRC the subscriber knows this stream by.
   * @param outPayloadType payload type negotiated with the subscriber.
   * @param clockRate RTP clock rate; default 90000 (video). Use 48000 for Opus.
   */
  constructor(outSsrc: number, outPayloadType: number, clockRate: number = 90_000, options: RtpRewriterOptions = {}) {
    this.outSsrc = outSsrc >>> 0;
    this.outPayloadType = outPayloadType & 0x7f;
    this.clockRate = clockRate;
    this.now = options.now ?? (() => performance.now());
    const maxLate = Math.floor(options.maxLate ?? 3000);
    this.maxLate = maxLate >= 0 ? Math.min(maxLate, SEQ_HALF - 1) : 0;
  }

  /** Input SSRC currently forwarded, or null before the first packet or after {@link resync}. */
  get sourceSsrc(): number | null {
    return this.source < 0 ? null : this.source;
  }

  /**
   * Added (mod 2^32) to the current source's RTP timestamps. An SR from that source is mapped with
   * it (`rewriteSenderReport`) so the subscriber's A/V sync sees the timestamps it receives.
   */
  get timestampOffset(): number {
    return this.tsOffset;
  }

  /** Added (mod 2^16) to the current source's sequence numbers. */
  get sequenceOffset(): number {
    return this.seqOffset;
  }

  /** Newest output sequence number sent, or null before the first packet. */
  get lastSequence(): number | null {
    return this.started ? this.lastOutSeq : null;
  }

  /** Output timestamp of the newest packet sent, or null before the first packet. */
  get lastTimestamp(): number | null {
    return this.started ? this.lastOutTs : null;
  }

  /**
   * Rewrites SSRC, payload type, sequence number and timestamp of `buf` in place. Returns false,
   * leaving `buf` untouched, when the packet must not be sent: not well-formed RTP (version, RTCP
   * range, header or padding overrunning the buffer) or too late (see class comment).
   */
  rewrite(buf: Uint8Array): boolean {
    const len = buf.length;
    if (len < RTP_HEADER_SIZE) return false;
    const b0 = buf[0]!;
    const b1 = buf[1]!;
    if (b0 >> 6 !== 2 || (b1 >= 192 && b1 <= 223)) return false;
    // Header and padding lengths, inlined from RtpPacket (RFC 3550 §5.1, §5.3.1) for the octet
    // count and to refuse packets whose header runs past the end.
    let h = RTP_HEADER_SIZE + (b0 & 0x0f) * 4;
    if (b0 & 0x10) {
      if (h + 4 > len) return false;
      h += 4 + ((buf[h + 2]! << 8) | buf[h + 3]!) * 4;
    }
    let payload = len - h;
    if (b0 & 0x20) {
      const pad = buf[len - 1]!;
      if (pad === 0) return false;
      payload -= pad;
    }
    if (payload < 0) return false;

    const seq = (buf[2]! << 8) | buf[3]!;
    const ts = ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
    const ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;

    let newest = true;
    if (ssrc !== this.source) {
      this.switchTo(ssrc, seq, ts);
    } else {
      // Signed distance from the newest, in [-32768, 32767] (RFC 1982 serial number arithmetic).
      const diff = ((seq - this.highestIn + SEQ_HALF) & 0xffff) - SEQ_HALF;
      if (diff > 0) {
        this.highestIn = seq;
        const span = this.span + diff;
        this.span = span < SEQ_HALF ? span : SEQ_HALF - 1;
      } else {
        if (-diff > this.span || -diff > this.maxLate) return false;
        newest = false;
      }
    }

    const outSeq = (seq + this.seqOffset) & 0xffff;
    const outTs = (ts + this.tsOffset) >>> 0;
    if (newest) {
      this.lastOutSeq = outSeq;
      if (outTs !== this.lastOutTs) {
        this.lastOutTs = outTs;
        this.lastTsChangeMs = this.now();
      }
    }

    const outSsrc = this.outSsrc;
    buf[1] = (b1 & 0x80) | this.outPayloadType;
    buf[2] = outSeq >>> 8;
    buf[3] = outSeq;
    buf[4] = outTs >>> 24;
    buf[5] = outTs >>> 16;
    buf[6] = outTs >>> 8;
    buf[7] = outTs;
    buf[8] = outSsrc >>> 24;
    buf[9] = outSsrc >>> 16;
    buf[10] = outSsrc >>> 8;
    buf[11] = outSsrc;
    this.packetCount++;
    this.octetCount += payload;
    return true;
  }

  /**
   * Treats the next packet as the start of a new source even if its SSRC is unchanged (e.g. a
   * publisher that restarted with the same SSRC and a new sequence space).
   */
  resync(): void {
    this.source = -1;
  }

  /**
   * Output sequence number that input `inputSeq` of the current source maps to, or null when there
   * is no current source or `inputSeq` is not between the source's first and newest packets.
   */
  outSequenceFor(inputSeq: number): number | null {
    if (this.source < 0) return null;
    if (((this.highestIn - inputSeq) & 0xffff) > this.span) return null;
    return (inputSeq + this.seqOffset) & 0xffff;
  }

  /**
   * Input sequence number (of the current source) behind output `outSeq`, e.g. to translate a
   * subscriber's NACK into a NACK towards the publisher. Null when `outSeq` was not sent from the
   * current source (before its first packet, i.e. an earlier source, or after the newest).
   */
  inputSequenceFor(outSeq: number): number | null {
    if (this.source < 0) return null;
    if (((this.lastOutSeq - outSeq) & 0xffff) > this.span) return null;
    return (outSeq - this.seqOffset) & 0xffff;
  }

  private switchTo(ssrc: number, seq: number, ts: number): void {
    if (this.started) {
      // Continue right after what the subscriber last saw.
      this.seqOffset = (this.lastOutSeq + 1 - seq) & 0xffff;
      let step = Math.round(((this.now() - this.lastTsChangeMs) * this.clockRate) / 1000);
      // `!(step >= 1)` also catches NaN from a broken clock.
      if (!(step >= 1)) step = 1;
      else if (step > MAX_TS_STEP) step = MAX_TS_STEP;
      this.tsOffset = (this.lastOutTs + step - ts) >>> 0;
    } else {
      // First source: pass numbers through unchanged, which keeps logs and captures comparable.
      this.started = true;
      this.seqOffset = 0;
      this.tsOffset = 0;
      this.lastOutTs = ts;
      this.lastTsChangeMs = this.now();
    }
    this.source = ssrc;
    this.highestIn = seq;
    this.span = 0;
  }
}
