import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rtpPayloadLength, rtpPayloadOffset } from './RtpPacket.js';
import { isVp8Keyframe } from './Vp8.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// VP8 key frame header (RFC 6386 §9.1; RFC 7741 §4.3): size0=010 H=1 VER=000 P=0, size1, size2,
// start code 9d 01 2a, width 640 (0x0280 LE), height 480 (0x01e0 LE).
const KEY = '50 34 12  9d 01 2a  80 02 e0 01';
// Interframe: P=1 (low bit of the first byte), no start code.
const DELTA = '51 34 12  aa bb cc dd ee ff 00';

test('minimal descriptor (S=1, PID=0) followed by a key frame header', () => {
  assert.equal(isVp8Keyframe(hex(`10 ${KEY}`), 0), true);
  assert.equal(isVp8Keyframe(hex(`10 ${DELTA}`), 0), false);
});

test('every optional descriptor field is skipped (RFC 7741 §4.2)', () => {
  // X; I L T K all set; M=1 15-bit PictureID 0x0123; TL0PICIDX 5; TID=1 Y=0 KEYIDX=0.
  assert.equal(isVp8Keyframe(hex(`90 f0 81 23 05 40 ${KEY}`), 0), true);
  assert.equal(isVp8Keyframe(hex(`90 f0 81 23 05 40 ${DELTA}`), 0), false);
  // X; I only, 7-bit PictureID.
  assert.equal(isVp8Keyframe(hex(`90 80 7f ${KEY}`), 0), true);
  // X; L only.
  assert.equal(isVp8Keyframe(hex(`90 40 05 ${KEY}`), 0), true);
  // X; K only (shares the TID/KEYIDX byte).
  assert.equal(isVp8Keyframe(hex(`90 10 1f ${KEY}`), 0), true);
  // X; T only.
  assert.equal(isVp8Keyframe(hex(`90 20 c0 ${KEY}`), 0), true);
  // X set but no optional field.
  assert.equal(isVp8Keyframe(hex(`90 00 ${KEY}`), 0), true);
  // N (non-reference) set does not matter for the key frame test.
  assert.equal(isVp8Keyframe(hex(`30 ${KEY}`), 0), true);
});

test('only the start of partition 0 carries the payload header', () => {
  assert.equal(isVp8Keyframe(hex(`00 ${KEY}`), 0), false); // S=0: continuation
  assert.equal(isVp8Keyframe(hex(`11 ${KEY}`), 0), false); // S=1 but PID=1
  assert.equal(isVp8Keyframe(hex(`17 ${KEY}`), 0), false); // PID=7
});

test('a wrong start code or a truncated key frame header is not a key frame', () => {
  assert.equal(isVp8Keyframe(hex('10 50 34 12 9d 01 2b 80 02 e0 01'), 0), false);
  assert.equal(isVp8Keyframe(hex('10 50 34 12 9d 01 2a 80 02 e0'), 0), false); // 9 bytes
  assert.equal(isVp8Keyframe(hex('10'), 0), false);
  assert.equal(isVp8Keyframe(hex('90'), 0), false); // X set, extension byte missing
  assert.equal(isVp8Keyframe(hex('90 80'), 0), false); // I set, PictureID missing
  assert.equal(isVp8Keyframe(hex('90 80 80'), 0), false); // 15-bit PictureID cut short
  assert.equal(isVp8Keyframe(Buffer.alloc(0), 0), false);
});

test('bad offsets are refused without reading out of bounds', () => {
  const b = hex(`10 ${KEY}`);
  assert.equal(isVp8Keyframe(b, b.length), false);
  assert.equal(isVp8Keyframe(b, b.length + 10), false);
  assert.equal(isVp8Keyframe(b, -1), false);
  assert.equal(isVp8Keyframe(b, Number.NaN), false);
  assert.equal(isVp8Keyframe(b, 0.5), false);
});

test('inside a full RTP packet, with payloadEnd excluding RTP padding', () => {
  // RTP header (marker, PT 96, CC=1) + descriptor with 15-bit PictureID + key frame header.
  const pkt = hex(`91 e0 0001 00000002 00000003 0000000a  bede 0001 10ff0000  90 80 80 01 ${KEY}`);
  const off = rtpPayloadOffset(pkt);
  assert.equal(off, 24);
  assert.equal(isVp8Keyframe(pkt, off!), true);
  // Same key frame header cut to 9 bytes but padded with 2 bytes: padding must not count.
  const padded = hex('a0 60 0001 00000002 00000003  10 50 34 12 9d 01 2a 80 02 e0  00 02');
  const start = rtpPayloadOffset(padded)!;
  assert.equal(isVp8Keyframe(padded, start), true); // fooled without payloadEnd
  assert.equal(isVp8Keyframe(padded, start, start + rtpPayloadLength(padded)!), false);
  // payloadEnd beyond the buffer is clamped.
  assert.equal(isVp8Keyframe(pkt, off!, 10_000), true);
});
