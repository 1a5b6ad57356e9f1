/**
 * VP8 RTP payload inspection (RFC 7741). Only what a forwarder needs to know without decoding:
 * whether a packet starts a key frame, so it can switch a subscriber to a new source (simulcast
 * layer, republished track) exactly where the decoder can start, and stop asking for key frames.
 */

/**
 * True when the VP8 RTP payload at `payloadOffset` (see `rtpPayloadOffset`) is the first packet
 * of a key frame. `payloadEnd` (default: end of buffer) should exclude RTP padding when present.
 * Never throws; false for anything short or malformed.
 *
 * Payload descriptor (RFC 7741 §4.2):
 * ```
 * |X|R|N|S|R| PID |   X: extended control bits follow; S: start of a partition; PID: partition index
 * |I|L|T|K| RSV   |   (if X)  I: PictureID, L: TL0PICIDX, T: TID, K: KEYIDX present
 * |M| PictureID   |   (if I)  M set: 15-bit PictureID, one more byte
 * | TL0PICIDX     |   (if L)
 * |TID|Y| KEYIDX  |   (if T or K) one byte shared by both
 * ```
 * The VP8 payload header (RFC 7741 §4.3) is present only when S = 1 and PID = 0, the start of the
 * first partition; its first byte's low bit is the inverse key frame flag P (0 = key frame). A key
 * frame header is 10 bytes and carries the start code 0x9d 0x01 0x2a in bytes 3–5 (RFC 6386
 * §9.1); both are checked so a stray bit in garbage is not mistaken for a key frame (libwebrtc's
 * depacketizer likewise rejects a key frame shorter than 10 bytes).
 */
export function isVp8Keyframe(buf: Uint8Array, payloadOffset: number, payloadEnd: number = buf.length): boolean {
  const end = payloadEnd < buf.length ? payloadEnd : buf.length;
  let i = payloadOffset;
  // `!(i >= 0)` also rejects NaN.
  if (!(i >= 0) || !Number.isInteger(i) || i >= end) return false;
  const d = buf[i++]!;
  // S = 1 and PID = 0; nothing else starts a frame's first partition.
  if ((d & 0x17) !== 0x10) return false;
  if (d & 0x80) {
    if (i >= end) return false;
    const x = buf[i++]!;
    if (x & 0x80) {
      if (i >= end) return false;
      i += buf[i]! & 0x80 ? 2 : 1;
    }
    if (x & 0x40) i += 1;
    if (x & 0x30) i += 1;
  }
  if (i + 10 > end) return false;
  if (buf[i]! & 0x01) return false;
  return buf[i + 3] === 0x9d && buf[i + 4] === 0x01 && buf[i + 5] === 0x2a;
}
