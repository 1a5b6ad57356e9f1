/**
 * RTP header readers and in-place writers (RFC 3550 §5.1), and the RTP/RTCP demultiplexing test of
 * RFC 5761 §4. These run per packet on buffers straight from the network, so every function
 * bounds-checks first and answers null/false for short or garbage input: none throws, none reads
 * past the end, none allocates.
 *
 * Fixed header (RFC 3550 §5.1):
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers (CC × 32)   |
 * ```
 * then, when X is set, a header extension (RFC 3550 §5.3.1): 16-bit profile-defined id, 16-bit
 * length in 32-bit words (not counting those 4 bytes), the words. The payload follows; when P is
 * set, the last payload byte counts the padding bytes (itself included).
 *
 * Buffers are typed as Uint8Array (a Node Buffer is one) and read byte by byte: Buffer's readUInt*
 * methods would throw on a bad offset, which is exactly what these functions must never do.
 */

/** Size of the fixed RTP header (RFC 3550 §5.1). */
export const RTP_HEADER_SIZE = 12;

/**
 * RFC 5761 §4: with RTP and RTCP multiplexed on one transport, a packet whose second byte is 192–223
 * is RTCP (RTCP packet types 192–223 cover SR 200, RR 201, SDES, BYE, APP, RTPFB 205, PSFB 206, XR
 * 207; RTP payload types 64–95 are therefore not used with rtcp-mux). Checks nothing else.
 */
export function isRtcp(buf: Uint8Array): boolean {
  if (buf.length < 2) return false;
  const b1 = buf[1]!;
  return b1 >= 192 && b1 <= 223;
}

/**
 * Length of the header: fixed part, CSRC list and header extension (RFC 3550 §5.1, §5.3.1), i.e.
 * the payload offset. Null when the buffer is shorter than the header claims. Does not check the
 * version; use {@link isValidRtp} for that.
 */
export function rtpHeaderLength(buf: Uint8Array): number | null {
  const len = buf.length;
  if (len < RTP_HEADER_SIZE) return null;
  const b0 = buf[0]!;
  let n = RTP_HEADER_SIZE + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (n + 4 > len) return null;
    n += 4 + ((buf[n + 2]! << 8) | buf[n + 3]!) * 4;
  }
  return n <= len ? n : null;
}

/** Where the payload starts: the header length (same as {@link rtpHeaderLength}). */
export function rtpPayloadOffset(buf: Uint8Array): number | null {
  return rtpHeaderLength(buf);
}

/**
 * Number of padding bytes at the end (RFC 3550 §5.1, P bit: the last byte counts them, itself
 * included); 0 when P is clear. Null when the count is 0 or runs into the header.
 */
export function rtpPaddingLength(buf: Uint8Array): number | null {
  const h = rtpHeaderLength(buf);
  if (h === null) return null;
  if (!(buf[0]! & 0x20)) return 0;
  const pad = buf[buf.length - 1]!;
  return pad > 0 && h + pad <= buf.length ? pad : null;
}

/**
 * Payload bytes between header and padding. 0 for a padding-only packet (which congestion control
 * probes send: a forwarder must not look for a codec payload descriptor in one).
 */
export function rtpPayloadLength(buf: Uint8Array): number | null {
  const pad = rtpPaddingLength(buf);
  return pad === null ? null : buf.length - rtpHeaderLength(buf)! - pad;
}

/**
 * True when `buf` is a well-formed RTP packet: version 2, not RTCP by the RFC 5761 §4 rule, at
 * least 12 bytes plus the CSRC list and header extension it announces, and consistent padding.
 */
export function isValidRtp(buf: Uint8Array): boolean {
  if (buf.length < RTP_HEADER_SIZE || buf[0]! >> 6 !== 2 || isRtcp(buf)) return false;
  return rtpPaddingLength(buf) !== null;
}

/** Synchronization source (bytes 8–11), or null when shorter than a fixed header. */
export function rtpSsrc(buf: Uint8Array): number | null {
  if (buf.length < RTP_HEADER_SIZE) return null;
  return ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
}

/** Sequence number (bytes 2–3). */
export function rtpSequence(buf: Uint8Array): number | null {
  if (buf.length < RTP_HEADER_SIZE) return null;
  return (buf[2]! << 8) | buf[3]!;
}

/** Timestamp (bytes 4–7), unsigned 32-bit. */
export function rtpTimestamp(buf: Uint8Array): number | null {
  if (buf.length < RTP_HEADER_SIZE) return null;
  return ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
}

/** Payload type (low 7 bits of byte 1). */
export function rtpPayloadType(buf: Uint8Array): number | null {
  if (buf.length < RTP_HEADER_SIZE) return null;
  return buf[1]! & 0x7f;
}

/** Marker bit (top bit of byte 1): end of a video frame, start of an audio talkspurt. */
export function rtpMarker(buf: Uint8Array): boolean | null {
  if (buf.length < RTP_HEADER_SIZE) return null;
  return (buf[1]! & 0x80) !== 0;
}

/** Writes the SSRC in place (taken modulo 2^32). False when shorter than a fixed header. */
export function setRtpSsrc(buf: Uint8Array, ssrc: number): boolean {
  if (buf.length < RTP_HEADER_SIZE) return false;
  buf[8] = ssrc >>> 24;
  buf[9] = ssrc >>> 16;
  buf[10] = ssrc >>> 8;
  buf[11] = ssrc;
  return true;
}

/** Writes the sequence number in place (taken modulo 2^16). */
export function setRtpSequence(buf: Uint8Array, seq: number): boolean {
  if (buf.length < RTP_HEADER_SIZE) return false;
  buf[2] = seq >>> 8;
  buf[3] = seq;
  return true;
}

/** Writes the timestamp in place (taken modulo 2^32). */
export function setRtpTimestamp(buf: Uint8Array, timestamp: number): boolean {
  if (buf.length < RTP_HEADER_SIZE) return false;
  buf[4] = timestamp >>> 24;
  buf[5] = timestamp >>> 16;
  buf[6] = timestamp >>> 8;
  buf[7] = timestamp;
  return true;
}

/** Writes the payload type in place (low 7 bits), keeping the marker bit. */
export function setRtpPayloadType(buf: Uint8Array, payloadType: number): boolean {
  if (buf.length < RTP_HEADER_SIZE) return false;
  buf[1] = (buf[1]! & 0x80) | (payloadType & 0x7f);
  return true;
}

/**
 * Blanks the RTP header extension elements in place (RFC 8285: zero bytes are padding in both
 * the one-byte and two-byte forms), keeping the packet's size. A forwarded packet must not carry
 * the publisher's extension values: its sdes:mid names the publisher's m-section, which the
 * subscriber's browser would match against its own sections (Chrome then fails every later
 * negotiation with "Failed to apply demuxer criteria"). Returns false for a malformed packet.
 */
export function blankHeaderExtensions(buf: Uint8Array): boolean {
  if (buf.length < RTP_HEADER_SIZE || (buf[0]! & 0x10) === 0) return true;
  const start = RTP_HEADER_SIZE + 4 * (buf[0]! & 0x0f);
  if (start + 4 > buf.length) return false;
  const words = (buf[start + 2]! << 8) | buf[start + 3]!;
  const end = start + 4 + 4 * words;
  if (end > buf.length) return false;
  buf.fill(0, start + 4, end);
  return true;
}
