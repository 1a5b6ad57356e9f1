import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
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

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// V=2 P=0 X=0 CC=0 | M=1 PT=96 | seq 0x1234 | ts 0xdeadbeef | ssrc 0x11223344 | payload aa bb
const basic = () => hex('80 e0 1234 deadbeef 11223344 aabb');

// V=2 P=1 X=1 CC=2 | M=0 PT=111 | seq 1 | ts 2 | ssrc 3 | 2 CSRCs | ext profile 0xBEDE, 1 word |
// payload 4 bytes | 3 padding bytes (last one = 3)
const full = () =>
  hex('b2 6f 0001 00000002 00000003  0a0a0a0a 0b0b0b0b  bede 0001 10ff0000  c0c1c2c3  0000 03');

test('readers follow the RFC 3550 §5.1 fixed header layout', () => {
  const b = basic();
  assert.equal(rtpSsrc(b), 0x11223344);
  assert.equal(rtpSequence(b), 0x1234);
  assert.equal(rtpTimestamp(b), 0xdeadbeef);
  assert.equal(rtpPayloadType(b), 96);
  assert.equal(rtpMarker(b), true);
  assert.equal(rtpHeaderLength(b), 12);
  assert.equal(rtpPayloadOffset(b), 12);
  assert.equal(rtpPaddingLength(b), 0);
  assert.equal(rtpPayloadLength(b), 2);
  assert.equal(isValidRtp(b), true);
  assert.equal(isRtcp(b), false);
});

test('unsigned 32-bit fields read as positive numbers', () => {
  const b = hex('80 7f ffff ffffffff ffffffff');
  assert.equal(rtpTimestamp(b), 0xffffffff);
  assert.equal(rtpSsrc(b), 0xffffffff);
  assert.equal(rtpSequence(b), 0xffff);
  assert.equal(rtpPayloadType(b), 127);
  assert.equal(rtpMarker(b), false);
});

test('header length counts CSRCs and the header extension (RFC 3550 §5.3.1); padding is excluded', () => {
  const b = full();
  assert.equal(rtpHeaderLength(b), 12 + 8 + 4 + 4);
  assert.equal(rtpPayloadOffset(b), 28);
  assert.equal(rtpPaddingLength(b), 3);
  assert.equal(rtpPayloadLength(b), 4);
  assert.equal(rtpMarker(b), false);
  assert.equal(rtpPayloadType(b), 111);
  assert.equal(isValidRtp(b), true);
});

test('a header that claims more than the buffer holds is rejected', () => {
  // 3 CSRCs announced, 2 present.
  assert.equal(rtpHeaderLength(hex('83 60 0001 00000002 00000003 0a0a0a0a 0b0b0b0b')), null);
  // Extension header cut short.
  assert.equal(rtpHeaderLength(hex('90 60 0001 00000002 00000003 bede')), null);
  // Extension says 2 words, 1 present.
  const ext = hex('90 60 0001 00000002 00000003 bede 0002 10ff0000');
  assert.equal(rtpHeaderLength(ext), null);
  assert.equal(rtpPayloadOffset(ext), null);
  assert.equal(isValidRtp(ext), false);
  // Exactly filling the buffer is fine (an empty payload).
  assert.equal(rtpHeaderLength(hex('90 60 0001 00000002 00000003 bede 0001 10ff0000')), 20);
});

test('padding must be at least 1 and must not run into the header', () => {
  assert.equal(isValidRtp(hex('a0 60 0001 00000002 00000003 aabb 00')), false);
  assert.equal(rtpPaddingLength(hex('a0 60 0001 00000002 00000003 aabb 00')), null);
  assert.equal(isValidRtp(hex('a0 60 0001 00000002 00000003 aabb 04')), false);
  assert.equal(rtpPayloadLength(hex('a0 60 0001 00000002 00000003 aabb 04')), null);
  // Padding-only packet (as congestion-control probes send): payload length 0.
  const probe = hex('a0 60 0001 00000002 00000003 000003');
  assert.equal(isValidRtp(probe), true);
  assert.equal(rtpPayloadLength(probe), 0);
});

test('isRtcp: second byte 192–223 is RTCP (RFC 5761 §4)', () => {
  for (let b1 = 0; b1 < 256; b1++) {
    assert.equal(isRtcp(Buffer.from([0x80, b1])), b1 >= 192 && b1 <= 223, `byte ${b1}`);
  }
  assert.equal(isRtcp(hex('81 c8 0006')), true); // SR
  assert.equal(isRtcp(hex('81 ce 0002')), true); // PSFB
  assert.equal(isRtcp(Buffer.alloc(0)), false);
  assert.equal(isRtcp(Buffer.from([0x80])), false);
});

test('isValidRtp rejects wrong versions, RTCP and short buffers', () => {
  assert.equal(isValidRtp(hex('40 60 0001 00000002 00000003')), false); // V=1
  assert.equal(isValidRtp(hex('c0 60 0001 00000002 00000003')), false); // V=3
  assert.equal(isValidRtp(hex('00 60 0001 00000002 00000003')), false); // V=0
  assert.equal(isValidRtp(hex('80 c8 0006 00000002 00000003')), false); // RTCP SR
  assert.equal(isValidRtp(hex('80 60 0001 00000002 000000')), false); // 11 bytes
  assert.equal(isValidRtp(Buffer.alloc(0)), false);
  assert.equal(isValidRtp(hex('80 60 0001 00000002 00000003')), true); // header only
});

test('readers answer null for buffers shorter than a fixed header', () => {
  for (let n = 0; n < 12; n++) {
    const b = Buffer.alloc(n, 0x80);
    assert.equal(rtpSsrc(b), null);
    assert.equal(rtpSequence(b), null);
    assert.equal(rtpTimestamp(b), null);
    assert.equal(rtpPayloadType(b), null);
    assert.equal(rtpMarker(b), null);
    assert.equal(rtpHeaderLength(b), null);
    assert.equal(rtpPayloadOffset(b), null);
    assert.equal(rtpPaddingLength(b), null);
    assert.equal(rtpPayloadLength(b), null);
    assert.equal(isValidRtp(b), false);
  }
});

test('writers change exactly their field, in place', () => {
  const b = basic();
  assert.equal(setRtpSsrc(b, 0xcafebabe), true);
  assert.equal(setRtpSequence(b, 0xfffe), true);
  assert.equal(setRtpTimestamp(b, 0x01020304), true);
  assert.equal(setRtpPayloadType(b, 111), true);
  assert.deepEqual(b, hex('80 ef fffe 01020304 cafebabe aabb'));
  // The marker bit survives a payload type change, in both directions.
  setRtpPayloadType(b, 0);
  assert.equal(b[1], 0x80);
  const nomarker = hex('00 60 0000 00000000 00000000');
  setRtpPayloadType(nomarker, 0x7f);
  assert.equal(nomarker[1], 0x7f);
});

test('writers reduce values modulo the field width', () => {
  const b = basic();
  setRtpSequence(b, 0x10005);
  setRtpTimestamp(b, 2 ** 32 + 7);
  setRtpSsrc(b, -1);
  setRtpPayloadType(b, 0x80 | 8);
  assert.deepEqual(b, hex('80 88 0005 00000007 ffffffff aabb'));
});

test('writers refuse short buffers and leave them untouched', () => {
  const b = hex('80 60 0001 00000002 000000');
  const copy = Buffer.from(b);
  assert.equal(setRtpSsrc(b, 1), false);
  assert.equal(setRtpSequence(b, 1), false);
  assert.equal(setRtpTimestamp(b, 1), false);
  assert.equal(setRtpPayloadType(b, 1), false);
  assert.deepEqual(b, copy);
});

test('no function throws on random garbage', () => {
  let s = 0x9e3779b9;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < 20_000; i++) {
    const b = Buffer.alloc(Math.floor(rand() * 40));
    for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 256);
    // Bias towards version 2 so the deeper paths run too.
    if (b.length > 0 && rand() < 0.7) b[0] = (b[0]! & 0x3f) | 0x80;
    const valid = isValidRtp(b);
    const h = rtpHeaderLength(b);
    const pay = rtpPayloadLength(b);
    if (valid) {
      assert.ok(h !== null && h <= b.length);
      assert.ok(pay !== null && pay >= 0 && h + pay <= b.length);
    }
    rtpSsrc(b);
    rtpSequence(b);
    rtpTimestamp(b);
    rtpPayloadType(b);
    rtpMarker(b);
    isRtcp(b);
    setRtpSsrc(b, 1);
    setRtpSequence(b, 1);
    setRtpTimestamp(b, 1);
    setRtpPayloadType(b, 1);
  }
});

test('blankHeaderExtensions zeroes the extension elements and keeps everything else', () => {
  // X=1, one-byte profile 0xBEDE, 1 word: id 4 (sdes:mid) len 0 value '0', padding; then payload.
  const p = Buffer.from('900060000000000100000002bede000140300000aabb', 'hex');
  assert.equal(blankHeaderExtensions(p), true);
  assert.equal(p.toString('hex'), '900060000000000100000002bede000100000000aabb');
  const noExt = Buffer.from('80006000000000010000000201', 'hex');
  assert.equal(blankHeaderExtensions(noExt), true);
  assert.equal(noExt.toString('hex'), '80006000000000010000000201');
  assert.equal(blankHeaderExtensions(Buffer.from('9000600000000001000000020bede00ff', 'hex')), false);
});
