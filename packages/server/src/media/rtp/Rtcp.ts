/**
 * RTCP parsing and building: the packets a forwarder reads from publishers and subscribers and the
 * ones it sends. RTCP is rare next to RTP (a few compound packets per second per stream), so these
 * allocate plain objects and Buffers; they still never throw on network input.
 *
 * Common header (RFC 3550 §6.4.1, RFC 4585 §6.1):
 * ```
 * |V=2|P| RC/FMT  |      PT       |  length (32-bit words - 1)    |
 * ```
 * Several packets are stacked in one compound packet (RFC 3550 §6.1); only the last may be padded.
 */

/** RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1). */
export const RtcpType = {
  SR: 200,
  RR: 201,
  SDES: 202,
  BYE: 203,
  APP: 204,
  /** Transport-layer feedback (RFC 4585 §6.2): generic NACK is FMT 1. */
  RTPFB: 205,
  /** Payload-specific feedback (RFC 4585 §6.3): PLI FMT 1, FIR FMT 4 (RFC 5104), AFB/REMB FMT 15. */
  PSFB: 206,
} as const;

/** Reception report block (RFC 3550 §6.4.1), 24 bytes, in SRs and RRs. */
export interface RtcpReportBlock {
  /** SSRC of the source this block reports on. */
  ssrc: number;
  /** Fraction lost since the previous report, 0–255 (fixed point, /256). */
  fractionLost: number;
  /** Cumulative packets lost; signed 24-bit (duplicates can make it negative). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | seq). */
  highestSeq: number;
  /** Interarrival jitter, in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received (0 if none). */
  lsr: number;
  /** Delay since that SR, in 1/65536 s. */
  dlsr: number;
}

/** Sender report (RFC 3550 §6.4.1). */
export interface RtcpSenderReport {
  type: 'sr';
  ssrc: number;
  /** NTP timestamp, integer seconds since 1900 (high word). */
  ntpSeconds: number;
  /** NTP timestamp, fraction of a second in 1/2^32 (low word). */
  ntpFraction: number;
  /** RTP timestamp corresponding to the NTP time: the A/V sync anchor. */
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: RtcpReportBlock[];
}

/** Receiver report (RFC 3550 §6.4.2). */
export interface RtcpReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: RtcpReportBlock[];
}

/** Picture Loss Indication (RFC 4585 §6.3.1): the receiver wants a key frame. */
export interface RtcpPli {
  type: 'pli';
  senderSsrc: number;
  mediaSsrc: number;
}

/** Full Intra Request (RFC 5104 §4.3.1): like PLI, one entry per requested SSRC. */
export interface RtcpFir {
  type: 'fir';
  senderSsrc: number;
  /** Unused by FIR (SHALL be 0, RFC 5104 §4.3.1.2); the SSRCs are in `entries`. */
  mediaSsrc: number;
  entries: { ssrc: number; seqNr: number }[];
}

/** Receiver Estimated Max Bitrate (draft-alvestrand-rmcat-remb-03 §2.2), PSFB FMT 15 'REMB'. */
export interface RtcpRemb {
  type: 'remb';
  senderSsrc: number;
  mediaSsrc: number;
  /** Estimated bitrate in bits per second (mantissa × 2^exponent). */
  bitrate: number;
  /** SSRCs the estimate applies to. */
  ssrcs: number[];
}

/** Generic NACK (RFC 4585 §6.2.1), PID+BLP pairs expanded. */
export interface RtcpNack {
  type: 'nack';
  senderSsrc: number;
  mediaSsrc: number;
  /** Lost sequence numbers, in packet order (PID, then PID+1..PID+16 for each BLP bit set). */
  sequenceNumbers: number[];
}

/** Anything else (SDES, BYE, APP, XR, transport-cc, other FMTs). `fmt` is the 5-bit count field. */
export interface RtcpUnknown {
  type: 'unknown';
  pt: number;
  fmt: number;
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpPli | RtcpFir | RtcpRemb | RtcpNack | RtcpUnknown;

const REMB_ID = 0x52454d42; // 'REMB'

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

/**
 * Parses a compound RTCP packet (or a single one, RFC 5506 reduced-size). Stops at the first
 * malformed packet (wrong version, length past the end, bad padding, body too short for what its
 * header announces) and returns the packets before it; never throws.
 */
export function parseRtcp(buf: Uint8Array): RtcpPacket[] {
  const out: RtcpPacket[] = [];
  const len = buf.length;
  let off = 0;
  while (off + 4 <= len) {
    const b0 = buf[off]!;
    if (b0 >> 6 !== 2) break;
    const size = (u16(buf, off + 2) + 1) * 4;
    if (off + size > len) break;
    let end = off + size;
    if (b0 & 0x20) {
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > size - 4) break;
      end -= pad;
    }
    const packet = parseOne(buf, off, end, buf[off + 1]!, b0 & 0x1f);
    if (packet === null) break;
    out.push(packet);
    off += size;
  }
  return out;
}

/** One packet between `off` (its header) and `end` (padding excluded); null when malformed. */
function parseOne(b: Uint8Array, off: number, end: number, pt: number, fmt: number): RtcpPacket | null {
  switch (pt) {
    case RtcpType.SR: {
      if (off + 28 + fmt * 24 > end) return null;
      return {
        type: 'sr',
        ssrc: u32(b, off + 4),
        ntpSeconds: u32(b, off + 8),
        ntpFraction: u32(b, off + 12),
        rtpTimestamp: u32(b, off + 16),
        packetCount: u32(b, off + 20),
        octetCount: u32(b, off + 24),
        reports: reportBlocks(b, off + 28, fmt),
      };
    }
    case RtcpType.RR: {
      if (off + 8 + fmt * 24 > end) return null;
      return { type: 'rr', ssrc: u32(b, off + 4), reports: reportBlocks(b, off + 8, fmt) };
    }
    case RtcpType.RTPFB:
    case RtcpType.PSFB:
      return parseFeedback(b, off, end, pt, fmt);
    default:
      return { type: 'unknown', pt, fmt };
  }
}

function reportBlocks(b: Uint8Array, off: number, count: number): RtcpReportBlock[] {
  const reports: RtcpReportBlock[] = [];
  for (let i = 0, o = off; i < count; i++, o += 24) {
    const lost24 = ((b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
    reports.push({
      ssrc: u32(b, o),
      fractionLost: b[o + 4]!,
      // Sign-extend the 24-bit field.
      cumulativeLost: (lost24 << 8) >> 8,
      highestSeq: u32(b, o + 8),
      jitter: u32(b, o + 12),
      lsr: u32(b, o + 16),
      dlsr: u32(b, o + 20),
    });
  }
  return reports;
}

/** RFC 4585 §6.1 feedback: sender SSRC, media SSRC, then the FMT-specific FCI. */
function parseFeedback(b: Uint8Array, off: number, end: number, pt: number, fmt: number): RtcpPacket | null {
  if (off + 12 > end) return null;
  const senderSsrc = u32(b, off + 4);
  const mediaSsrc = u32(b, off + 8);
  const fci = off + 12;
  if (pt === RtcpType.RTPFB && fmt === 1) {
    // Generic NACK (RFC 4585 §6.2.1): PID, and BLP bit i set means PID + i + 1 is lost too.
    const sequenceNumbers: number[] = [];
    for (let o = fci; o + 4 <= end; o += 4) {
      const pid = u16(b, o);
      const blp = u16(b, o + 2);
      sequenceNumbers.push(pid);
      for (let i = 0; i < 16; i++) if (blp & (1 << i)) sequenceNumbers.push((pid + i + 1) & 0xffff);
    }
    return { type: 'nack', senderSsrc, mediaSsrc, sequenceNumbers };
  }
  if (pt === RtcpType.PSFB && fmt === 1) return { type: 'pli', senderSsrc, mediaSsrc };
  if (pt === RtcpType.PSFB && fmt === 4) {
    // FIR (RFC 5104 §4.3.1.1): 8-byte entries of SSRC, command sequence number, 24 reserved bits.
    const entries: RtcpFir['entries'] = [];
    for (let o = fci; o + 8 <= end; o += 8) entries.push({ ssrc: u32(b, o), seqNr: b[o + 4]! });
    return { type: 'fir', senderSsrc, mediaSsrc, entries };
  }
  if (pt === RtcpType.PSFB && fmt === 15 && fci + 8 <= end && u32(b, fci) === REMB_ID) {
    // REMB: 'REMB', Num SSRC (8), BR Exp (6), BR Mantissa (18), then the SSRC list.
    const num = b[fci + 4]!;
    if (fci + 8 + num * 4 > end) return null;
    const exp = b[fci + 5]! >> 2;
    const mantissa = ((b[fci + 5]! & 0x03) << 16) | u16(b, fci + 6);
    const ssrcs: number[] = [];
    for (let i = 0; i < num; i++) ssrcs.push(u32(b, fci + 8 + i * 4));
    return { type: 'remb', senderSsrc, mediaSsrc, bitrate: mantissa * 2 ** exp, ssrcs };
  }
  return { type: 'unknown', pt, fmt };
}

/** Header for a packet of `bytes` total (a multiple of 4): V=2, no padding. */
function header(bytes: number, countOrFmt: number, pt: number): Buffer {
  const b = Buffer.alloc(bytes);
  b[0] = 0x80 | countOrFmt;
  b[1] = pt;
  put16(b, 2, bytes / 4 - 1);
  return b;
}

/** PLI (RFC 4585 §6.3.1): 12 bytes, no FCI. */
export function buildPli(senderSsrc: number, mediaSsrc: number): Buffer {
  const b = header(12, 1, RtcpType.PSFB);
  put32(b, 4, senderSsrc);
  put32(b, 8, mediaSsrc);
  return b;
}

/**
 * FIR (RFC 5104 §4.3.1) for one SSRC: 20 bytes. The header's media SSRC is 0 as the RFC requires;
 * `mediaSsrc` goes in the FCI entry. `seqNr` (mod 256) must grow by one per new request and stay
 * the same for a repetition of the same request (RFC 5104 §4.3.1.2).
 */
export function buildFir(senderSsrc: number, mediaSsrc: number, seqNr: number): Buffer {
  const b = header(20, 4, RtcpType.PSFB);
  put32(b, 4, senderSsrc);
  put32(b, 12, mediaSsrc);
  b[16] = seqNr;
  return b;
}

/**
 * REMB (draft-alvestrand-rmcat-remb-03 §2.2): 20 + 4 × SSRCs bytes, media SSRC 0. The bitrate is
 * rounded down to mantissa (18 bits) × 2^exponent (6 bits) so the estimate is never overstated;
 * negative or NaN counts as 0. At most 255 SSRCs (the count is 8 bits); extra ones are left out.
 */
export function buildRemb(senderSsrc: number, bitrateBps: number, ssrcs: readonly number[]): Buffer {
  const n = Math.min(ssrcs.length, 255);
  const b = header(20 + 4 * n, 15, RtcpType.PSFB);
  put32(b, 4, senderSsrc);
  put32(b, 12, REMB_ID);
  let br = Math.floor(bitrateBps);
  if (!(br >= 0)) br = 0;
  let exp = 0;
  while (exp < 63 && br >= 0x40000 * 2 ** exp) exp++;
  const mantissa = Math.min(Math.floor(br / 2 ** exp), 0x3ffff);
  b[16] = n;
  b[17] = (exp << 2) | (mantissa >>> 16);
  put16(b, 18, mantissa);
  for (let i = 0; i < n; i++) put32(b, 20 + 4 * i, ssrcs[i]!);
  return b;
}

/**
 * Generic NACK (RFC 4585 §6.2.1) for `seqs`, packed into PID+BLP pairs: each pair covers a PID and
 * the 16 numbers after it. Order and duplicates in `seqs` do not matter; they are sorted in
 * sequence-number order (wraparound-aware, relative to the first) first. Null for an empty list,
 * since a NACK must carry at least one FCI entry.
 */
export function buildNack(senderSsrc: number, mediaSsrc: number, seqs: readonly number[]): Buffer | null {
  if (seqs.length === 0) return null;
  const ref = seqs[0]! & 0xffff;
  // Distance from the first, signed, so 65535 sorts before 0 when both are near the first.
  const dist = (s: number) => (((s - ref + 0x8000) & 0xffff) - 0x8000);
  const sorted = seqs.map((s) => s & 0xffff).sort((a, b) => dist(a) - dist(b));
  const pairs: number[] = [];
  let pid = -1;
  let blp = 0;
  for (const s of sorted) {
    if (pid >= 0) {
      const d = (s - pid) & 0xffff;
      if (d === 0) continue;
      if (d <= 16) {
        blp |= 1 << (d - 1);
        continue;
      }
      pairs.push(pid, blp);
    }
    pid = s;
    blp = 0;
  }
  pairs.push(pid, blp);
  const b = header(12 + 2 * pairs.length, 1, RtcpType.RTPFB);
  put32(b, 4, senderSsrc);
  put32(b, 8, mediaSsrc);
  for (let i = 0; i < pairs.length; i++) put16(b, 12 + 2 * i, pairs[i]!);
  return b;
}

/** Sender report without report blocks (RFC 3550 §6.4.1): 28 bytes. */
export function buildSenderReport(
  ssrc: number,
  ntpSeconds: number,
  ntpFraction: number,
  rtpTimestamp: number,
  packetCount: number,
  octetCount: number,
): Buffer {
  const b = header(28, 0, RtcpType.SR);
  put32(b, 4, ssrc);
  put32(b, 8, ntpSeconds);
  put32(b, 12, ntpFraction);
  put32(b, 16, rtpTimestamp);
  put32(b, 20, packetCount);
  put32(b, 24, octetCount);
  return b;
}

/**
 * Receiver report (RFC 3550 §6.4.2): 8 + 24 × blocks bytes. The forwarder terminates the publisher's
 * RTP session, so it must report reception itself: the publisher's congestion control and loss
 * statistics read these blocks, and its RTT comes from LSR/DLSR. At most 31 blocks (RC is 5 bits);
 * extra ones are left out, the caller sends them in another RR. Fraction lost is clamped to 0–255
 * and cumulative lost to the signed 24-bit range (RFC 3550 §6.4.1), so out-of-range or NaN counts
 * never spill into the neighbouring fields; the 32-bit fields are taken modulo 2^32. It may be sent
 * alone (reduced-size RTCP, RFC 5506) or stacked first in a compound packet.
 */
export function buildReceiverReport(senderSsrc: number, blocks: readonly RtcpReportBlock[]): Buffer {
  const n = Math.min(blocks.length, 31);
  const b = header(8 + 24 * n, n, RtcpType.RR);
  put32(b, 4, senderSsrc);
  for (let i = 0, o = 8; i < n; i++, o += 24) {
    const r = blocks[i]!;
    put32(b, o, r.ssrc);
    const lost24 = clampInt(r.cumulativeLost, -0x800000, 0x7fffff) & 0xffffff;
    put32(b, o + 4, ((clampInt(r.fractionLost, 0, 0xff) << 24) | lost24) >>> 0);
    put32(b, o + 8, r.highestSeq);
    put32(b, o + 12, r.jitter);
    put32(b, o + 16, r.lsr);
    put32(b, o + 20, r.dlsr);
  }
  return b;
}

/** `v` truncated to an integer and clamped to [lo, hi]; NaN gives 0. */
function clampInt(v: number, lo: number, hi: number): number {
  const t = Math.trunc(v);
  return t > hi ? hi : t < lo ? lo : t || 0;
}

/**
 * Turns the first SR in a publisher's (compound) RTCP packet into an SR for one subscriber stream:
 * a new 28-byte Buffer with the subscriber-facing SSRC and the RTP timestamp shifted by the
 * stream's `RtpRewriter.timestampOffset`, so the subscriber pairs the NTP time with the timestamps
 * it actually receives (lip sync across audio and video, RFC 3550 §6.4.1). Report blocks are
 * dropped (they describe what the publisher receives, under SSRCs the subscriber does not know).
 * Packet and octet counts are copied unless given: pass the rewriter's `packetCount` and
 * `octetCount` to report what this subscriber was sent. The caller checks that the SR's SSRC is the
 * rewriter's current `sourceSsrc`. Null when there is no well-formed SR.
 */
export function rewriteSenderReport(
  buf: Uint8Array,
  outSsrc: number,
  rtpTimestampOffset: number,
  packetCount?: number,
  octetCount?: number,
): Buffer | null {
  for (const p of parseRtcp(buf)) {
    if (p.type !== 'sr') continue;
    return buildSenderReport(
      outSsrc,
      p.ntpSeconds,
      p.ntpFraction,
      (p.rtpTimestamp + rtpTimestampOffset) >>> 0,
      packetCount ?? p.packetCount,
      octetCount ?? p.octetCount,
    );
  }
  return null;
}

/**
 * The middle 32 bits of an NTP timestamp (RFC 3550 §6.4.1): the LSR a receiver report echoes for
 * an SR, from which the SR's sender computes the round-trip time.
 */
export function ntpMiddle32(ntpSeconds: number, ntpFraction: number): number {
  return (((ntpSeconds & 0xffff) << 16) | (ntpFraction >>> 16)) >>> 0;
}
