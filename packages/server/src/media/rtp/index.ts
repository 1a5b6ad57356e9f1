/**
 * Pure RTP/RTCP utilities for the forwarder: header access, VP8 key frame detection, per-subscriber
 * stream rewriting, RTCP parsing and building, reception statistics for receiver reports, the NACK
 * retransmission buffer and the key frame request throttle. No I/O and no node-datachannel here;
 * everything is unit-tested beside it.
 */
export {
  RTP_HEADER_SIZE,
  blankHeaderExtensions,
  isRtcp,
  isValidRtp,
  rtpHeaderLength,
  rtpMarker,
  rtpPaddingLength,
  rtpPayloadLength,
  rtpPayloadOffset,
  rtpPayloadType,
  rtpSequence,
  rtpSsrc,
  rtpTimestamp,
  setRtpPayloadType,
  setRtpSequence,
  setRtpSsrc,
  setRtpTimestamp,
} from './RtpPacket.js';
export { isVp8Keyframe } from './Vp8.js';
export { RtpRewriter, type RtpRewriterOptions } from './RtpRewriter.js';
export {
  RtcpType,
  buildFir,
  buildNack,
  buildPli,
  buildReceiverReport,
  buildRemb,
  buildSenderReport,
  ntpMiddle32,
  parseRtcp,
  rewriteSenderReport,
  type RtcpFir,
  type RtcpNack,
  type RtcpPacket,
  type RtcpPli,
  type RtcpReceiverReport,
  type RtcpRemb,
  type RtcpReportBlock,
  type RtcpSenderReport,
  type RtcpUnknown,
} from './Rtcp.js';
export { RetransmissionBuffer } from './RetransmissionBuffer.js';
export { KeyframeThrottle } from './KeyframeThrottle.js';
export { ReceiveStatistics } from './ReceiveStatistics.js';
