/**
 * Reception statistics for one incoming RTP stream, the content of the report block the forwarder
 * sends back to a publisher in its receiver reports (RFC 3550 §6.4). The forwarder terminates the
 * publisher's RTP session, so nobody else reports on it: without these blocks the publisher sees
 * neither loss nor jitter nor RTT, and its congestion control and stats go blind.
 *
 * The algorithms are RFC 3550's: Appendix A.1 (sequence number validation and the extended highest
 * sequence number), A.3 (expected, lost and fraction lost per report interval) and A.8
 * (interarrival jitter). Packets arrive after SRTP authentication, so the probation of A.1
 * (MIN_SEQUENTIAL) is skipped: the first packet is accepted at once.
 *
 * `onRtp` runs for every packet: it only updates number fields, never allocates.
 */
import { ntpMiddle32, type RtcpReportBlock } from './Rtcp.js';

/** A.1: a forward jump of less than this is in order (packets were lost in between). */
const MAX_DROPOUT = 3000;
/** A.1: a backward step of at most this is a late or duplicate packet. */
const MAX_MISORDER = 100;
const SEQ_MOD = 0x10000;

export class ReceiveStatistics {
  /** RTP clock rate of the stream (e.g. 90000 for video, 48000 for Opus), for the jitter. */
  readonly clockRate: number;

  private current = -1;
  private maxSeq = 0;
  /** Wraparounds of the sequence number, times 65536 (A.1 `cycles`). */
  private cycles = 0;
  private baseSeq = 0;
  /** The sequence number after a large jump; seeing it next means the sender restarted (A.1). */
  private badSeq = SEQ_MOD + 1;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  /** RTP timestamp and arrival time of the first in-order packet with that timestamp (jitter). */
  private lastTimestamp = 0;
  private lastArrivalMs = 0;
  /** Interarrival jitter estimate in timestamp units, unrounded (A.8). */
  private jitter = 0;
  private lsr = 0;
  /** Arrival time of the last SR, NaN when none was received. */
  private srArrivalMs = Number.NaN;

  constructor(clockRate: number) {
    this.clockRate = clockRate;
  }

  /** SSRC of the stream being tracked, null before the first packet. */
  get ssrc(): number | null {
    return this.current < 0 ? null : this.current;
  }

  /**
   * Counts one received RTP packet (after SRTP). A packet from another SSRC starts over with that
   * stream (the publisher's encoder restarted, or a simulcast layer took over): statistics of the
   * old SSRC would be meaningless under the new one. `arrivalMs` is a local monotonic-ish clock.
   */
  onRtp(ssrc: number, sequence: number, rtpTimestamp: number, arrivalMs: number): void {
    ssrc >>>= 0;
    sequence &= 0xffff;
    rtpTimestamp >>>= 0;
    if (ssrc !== this.current) {
      this.current = ssrc;
      this.jitter = 0;
      this.lsr = 0;
      this.srArrivalMs = Number.NaN;
      this.restart(sequence, rtpTimestamp, arrivalMs);
      return;
    }
    // A.1 update_seq, with unsigned 16-bit distance from the highest sequence number seen.
    const udelta = (sequence - this.maxSeq) & 0xffff;
    if (udelta === 0) {
      // Duplicate of the highest packet: counted (cumulative lost can go negative, as the RFC says)
      // but not used for jitter.
      this.received++;
    } else if (udelta < MAX_DROPOUT) {
      // In order, possibly after a gap.
      if (sequence < this.maxSeq) this.cycles += SEQ_MOD;
      this.maxSeq = sequence;
      this.received++;
      this.updateJitter(rtpTimestamp, arrivalMs);
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
      // A very large jump: drop it, unless it follows the previous one, which means the sender
      // restarted its sequence numbers without changing SSRC; then resynchronise on it.
      if (sequence === this.badSeq) this.restart(sequence, rtpTimestamp, arrivalMs);
      else this.badSeq = (sequence + 1) & 0xffff;
    } else {
      // Late (reordered or retransmitted) or duplicate: counted, but its arrival time says nothing
      // about network jitter (a retransmission is late on purpose), so no jitter update.
      this.received++;
    }
  }

  /**
   * Remembers an SR from the tracked stream: its NTP time (as LSR) and when it arrived, so the next
   * report block can carry LSR and DLSR and the publisher can compute the round-trip time
   * (RFC 3550 §6.4.1). SRs for another SSRC are ignored.
   */
  onSenderReport(ssrc: number, ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    if (ssrc >>> 0 !== this.current) return;
    this.lsr = ntpMiddle32(ntpSeconds, ntpFraction);
    this.srArrivalMs = arrivalMs;
  }

  /**
   * The report block for the tracked stream as of `nowMs`, null before any packet. Fraction lost
   * covers the interval since the previous call (A.3), so call it once per report sent. Negative
   * interval loss (duplicates) reports as 0; cumulative lost is clamped to signed 24 bits.
   */
  reportBlock(nowMs: number): RtcpReportBlock | null {
    if (this.current < 0) return null;
    const extendedMax = this.cycles + this.maxSeq;
    const expected = extendedMax - this.baseSeq + 1;
    const lost = expected - this.received;
    const expectedInterval = expected - this.expectedPrior;
    const lostInterval = expectedInterval - (this.received - this.receivedPrior);
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    // Fixed point /256; 0 when nothing was expected or duplicates outnumber the losses.
    const fractionLost =
      lostInterval > 0 && expectedInterval > 0 ? Math.min(255, Math.floor((lostInterval * 256) / expectedInterval)) : 0;
    const hasSr = !Number.isNaN(this.srArrivalMs);
    let dlsr = 0;
    if (hasSr) {
      const d = Math.floor(((nowMs - this.srArrivalMs) * 65536) / 1000);
      dlsr = d > 0 ? Math.min(d, 0xffffffff) : 0;
    }
    return {
      ssrc: this.current,
      fractionLost,
      cumulativeLost: Math.max(-0x800000, Math.min(0x7fffff, lost)),
      highestSeq: extendedMax >>> 0,
      jitter: Math.min(Math.floor(this.jitter), 0xffffffff),
      lsr: hasSr ? this.lsr : 0,
      dlsr,
    };
  }

  /** A.1 init_seq: `sequence` is the first packet of a new sequence, and counts as received. */
  private restart(sequence: number, rtpTimestamp: number, arrivalMs: number): void {
    this.baseSeq = sequence;
    this.maxSeq = sequence;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 1;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.lastTimestamp = rtpTimestamp;
    this.lastArrivalMs = arrivalMs;
  }

  /**
   * A.8: D is the change in transit time between this packet and the previous in-order one, in
   * timestamp units; J += (|D| - J) / 16. Computed from differences (the timestamp one as signed
   * 32-bit) so wraparound and large clocks cost no precision. The packets of one video frame share
   * a timestamp but the sender paces them out over milliseconds; only the first packet with a new
   * timestamp is compared (with the previous one that started a timestamp), so that pacing does not
   * pass for network jitter.
   */
  private updateJitter(rtpTimestamp: number, arrivalMs: number): void {
    const tsDelta = (rtpTimestamp - this.lastTimestamp) | 0;
    if (tsDelta === 0) return;
    const d = ((arrivalMs - this.lastArrivalMs) * this.clockRate) / 1000 - tsDelta;
    // A NaN or infinite clock reading must not poison the estimate for the rest of the stream.
    if (Number.isFinite(d)) this.jitter += (Math.abs(d) - this.jitter) / 16;
    this.lastTimestamp = rtpTimestamp;
    this.lastArrivalMs = arrivalMs;
  }
}
