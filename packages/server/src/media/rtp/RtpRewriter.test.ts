import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rtpMarker, rtpPayloadType, rtpSequence, rtpSsrc, rtpTimestamp } from './RtpPacket.js';
import { RtpRewriter } from './RtpRewriter.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const SRC_A = 0xaaaa0001;
const SRC_B = 0xbbbb0002;
const OUT = 0x0c0ffee0;

/** A 12-byte-header RTP packet (V=2, PT 96) with a 4-byte payload. */
function pkt(seq: number, ts: number, ssrc: number, marker = false): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | 96;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b.writeUInt32BE(0xdeadbeef, 12);
  return b;
}

/** A controllable clock. */
function clock(start = 1000) {
  const c = { t: start, now: () => c.t };
  return c;
}

/** Rewrites and returns [seq, ts] as the subscriber sees them, or null when dropped. */
function send(rw: RtpRewriter, seq: number, ts: number, ssrc: number): [number, number] | null {
  const b = pkt(seq, ts, ssrc);
  if (!rw.rewrite(b)) return null;
  return [rtpSequence(b)!, rtpTimestamp(b)!];
}

test('the first packet keeps its numbers; SSRC and PT are replaced, marker and payload kept', () => {
  const rw = new RtpRewriter(OUT, 111, 90_000, { now: clock().now });
  const b = hex('80 e0 1234 deadbeef aaaa0001 01020304');
  assert.equal(rw.rewrite(b), true);
  // M=1 kept, PT 96 -> 111, seq/ts unchanged, SSRC -> OUT, payload untouched.
  assert.deepEqual(b, hex('80 ef 1234 deadbeef 0c0ffee0 01020304'));
  assert.equal(rtpMarker(b), true);
  assert.equal(rw.sourceSsrc, SRC_A);
  assert.equal(rw.lastSequence, 0x1234);
  assert.equal(rw.lastTimestamp, 0xdeadbeef);
  assert.equal(rw.packetCount, 1);
  assert.equal(rw.octetCount, 4);
});

test('a fresh rewriter has no mapping', () => {
  const rw = new RtpRewriter(OUT, 96);
  assert.equal(rw.sourceSsrc, null);
  assert.equal(rw.lastSequence, null);
  assert.equal(rw.lastTimestamp, null);
  assert.equal(rw.outSequenceFor(1), null);
  assert.equal(rw.inputSequenceFor(1), null);
});

test('CSRCs, header extension and padding are left alone; the octet count is payload only', () => {
  const rw = new RtpRewriter(OUT, 100, 90_000, { now: clock().now });
  const b = hex('b1 60 0007 00000009 aaaa0001 0a0a0a0a bede 0001 10ff0000 c0c1c2 0000 03');
  const expected = hex('b1 64 0007 00000009 0c0ffee0 0a0a0a0a bede 0001 10ff0000 c0c1c2 0000 03');
  assert.equal(rw.rewrite(b), true);
  assert.deepEqual(b, expected);
  assert.equal(rw.octetCount, 3);
});

test('garbage is refused and left untouched', () => {
  const rw = new RtpRewriter(OUT, 96);
  const cases = [
    Buffer.alloc(0),
    hex('80 60 0001 00000002 000000'), // 11 bytes
    hex('40 60 0001 00000002 00000003'), // version 1
    hex('80 c8 0001 00000002 00000003'), // RTCP (SR)
    hex('81 60 0001 00000002 00000003'), // CSRC announced, missing
    hex('90 60 0001 00000002 00000003 bede 0004'), // extension past the end
    hex('a0 60 0001 00000002 00000003 aa 00'), // padding count 0
    hex('a0 60 0001 00000002 00000003 aa 09'), // padding past the header
  ];
  for (const b of cases) {
    const copy = Buffer.from(b);
    assert.equal(rw.rewrite(b), false, b.toString('hex'));
    assert.deepEqual(b, copy);
  }
  assert.equal(rw.packetCount, 0);
  assert.equal(rw.sourceSsrc, null);
});

test('in-order packets stay continuous; upstream loss keeps its gap', () => {
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: clock().now });
  assert.deepEqual(send(rw, 100, 9000, SRC_A), [100, 9000]);
  assert.deepEqual(send(rw, 101, 9000, SRC_A), [101, 9000]);
  assert.deepEqual(send(rw, 104, 12000, SRC_A), [104, 12000]); // 102, 103 lost upstream
  assert.deepEqual(send(rw, 105, 12000, SRC_A), [105, 12000]);
});

test('reordered and duplicated packets keep their relative place', () => {
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: clock().now });
  send(rw, 100, 9000, SRC_A);
  send(rw, 102, 12000, SRC_A);
  assert.deepEqual(send(rw, 101, 9000, SRC_A), [101, 9000]); // late
  assert.deepEqual(send(rw, 101, 9000, SRC_A), [101, 9000]); // duplicate of a late one
  assert.deepEqual(send(rw, 102, 12000, SRC_A), [102, 12000]); // duplicate of the newest
  assert.equal(rw.lastSequence, 102);
  assert.deepEqual(send(rw, 103, 12000, SRC_A), [103, 12000]);
});

test('very late packets and packets from before the source started are dropped untouched', () => {
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: clock().now, maxLate: 50 });
  send(rw, 1000, 0, SRC_A);
  assert.equal(send(rw, 999, 0, SRC_A), null); // before the first packet of this source
  for (let s = 1001; s <= 1100; s++) send(rw, s, 0, SRC_A);
  assert.deepEqual(send(rw, 1050, 0, SRC_A), [1050, 0]); // exactly maxLate behind
  const old = pkt(1049, 0, SRC_A);
  const copy = Buffer.from(old);
  assert.equal(rw.rewrite(old), false);
  assert.deepEqual(old, copy);
  // Half the sequence space away reads as "behind" and is dropped too.
  assert.equal(send(rw, (1100 + 0x8000) & 0xffff, 0, SRC_A), null);
  assert.equal(rw.lastSequence, 1100);
});

test('the default late window is 3000 packets', () => {
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: clock().now });
  for (let s = 0; s <= 5000; s++) send(rw, s, 0, SRC_A);
  assert.deepEqual(send(rw, 2000, 0, SRC_A), [2000, 0]);
  assert.equal(send(rw, 1999, 0, SRC_A), null);
});

test('a large forward jump is kept as a gap', () => {
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: clock().now });
  send(rw, 10, 0, SRC_A);
  assert.deepEqual(send(rw, 20_010, 0, SRC_A), [20_010, 0]);
});

test('sequence numbers wrap at 2^16 within a source', () => {
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: clock().now });
  assert.deepEqual(send(rw, 65534, 0, SRC_A), [65534, 0]);
  assert.deepEqual(send(rw, 0, 0, SRC_A), [0, 0]); // 65535 still missing
  assert.deepEqual(send(rw, 65535, 0, SRC_A), [65535, 0]); // late across the wrap
  assert.deepEqual(send(rw, 1, 0, SRC_A), [1, 0]);
  assert.equal(rw.lastSequence, 1);
});

test('timestamps wrap at 2^32 within a source', () => {
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: clock().now });
  assert.deepEqual(send(rw, 1, 0xffffff00, SRC_A), [1, 0xffffff00]);
  assert.deepEqual(send(rw, 2, 0x00000b3c, SRC_A), [2, 0x00000b3c]);
});

test('a source switch continues sequence numbers by one and timestamps by the elapsed time', () => {
  const c = clock();
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: c.now });
  assert.deepEqual(send(rw, 1000, 500_000, SRC_A), [1000, 500_000]);
  assert.deepEqual(send(rw, 1001, 500_000, SRC_A), [1001, 500_000]);
  c.t += 33;
  assert.deepEqual(send(rw, 1002, 503_000, SRC_A), [1002, 503_000]); // new frame at t+33
  c.t += 40;
  // Switch to B (other seq/ts spaces) 40 ms after A's last frame started: ts + 40 ms × 90 kHz.
  assert.deepEqual(send(rw, 40_000, 7_777_777, SRC_B), [1003, 503_000 + 3600]);
  assert.equal(rw.sourceSsrc, SRC_B);
  assert.deepEqual(send(rw, 40_001, 7_777_777, SRC_B), [1004, 506_600]);
  assert.deepEqual(send(rw, 40_003, 7_780_777, SRC_B), [1006, 509_600]); // B's own gap kept
  assert.deepEqual(send(rw, 40_002, 7_777_777, SRC_B), [1005, 506_600]); // and its reordering
  // B's packets from before the switch would collide with A's output numbers: dropped.
  assert.equal(send(rw, 39_999, 7_774_777, SRC_B), null);
  // Switching back to A is just another switch.
  c.t += 20;
  assert.deepEqual(send(rw, 1003, 506_000, SRC_A), [1007, 509_600 + 1800]);
});

test('a switch with no elapsed time still advances the timestamp by one tick', () => {
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: clock().now });
  send(rw, 5, 1000, SRC_A);
  assert.deepEqual(send(rw, 9, 1, SRC_B), [6, 1001]);
});

test('a broken clock cannot make the timestamp step NaN or huge', () => {
  const c = clock();
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: c.now });
  send(rw, 5, 1000, SRC_A);
  c.t = Number.NaN;
  assert.deepEqual(send(rw, 9, 1, SRC_B), [6, 1001]);
  assert.deepEqual(send(rw, 10, 2, SRC_B), [7, 1002]);
  // A clock jump of years is capped below 2^31 ticks, so it never reads as going backwards.
  const big = clock(0);
  const rw2 = new RtpRewriter(OUT, 96, 90_000, { now: big.now });
  send(rw2, 5, 1000, SRC_A);
  big.t = 1e12;
  assert.deepEqual(send(rw2, 9, 1, SRC_B), [6, 1000 + 0x40000000]);
});

test('the audio clock rate sizes the switch step', () => {
  const c = clock();
  const rw = new RtpRewriter(OUT, 111, 48_000, { now: c.now });
  send(rw, 1, 960, SRC_A);
  c.t += 20;
  assert.deepEqual(send(rw, 77, 123, SRC_B), [2, 960 + 960]);
});

test('output sequence and timestamp wrap across a switch', () => {
  const c = clock();
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: c.now });
  send(rw, 65535, 0xffffff00, SRC_A);
  c.t += 10;
  assert.deepEqual(send(rw, 300, 5, SRC_B), [0, (0xffffff00 + 900) % 2 ** 32]);
  assert.deepEqual(send(rw, 301, 3005, SRC_B), [1, (0xffffff00 + 900 + 3000) % 2 ** 32]);
  assert.equal(rw.sequenceOffset, (0 - 300) & 0xffff);
  assert.equal(rw.timestampOffset, ((0xffffff00 + 900 - 5) >>> 0));
});

test('resync() starts a new mapping even when the SSRC is the same (publisher restart)', () => {
  const c = clock();
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: c.now });
  send(rw, 5000, 100_000, SRC_A);
  rw.resync();
  assert.equal(rw.sourceSsrc, null);
  c.t += 100;
  assert.deepEqual(send(rw, 1, 50, SRC_A), [5001, 109_000]);
});

test('NACK mapping: output <-> input sequence numbers for the current source', () => {
  const c = clock();
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: c.now });
  for (let s = 65530; s <= 65535; s++) send(rw, s, 0, SRC_A);
  send(rw, 40_000, 0, SRC_B); // out 65536 -> 0
  send(rw, 40_001, 0, SRC_B); // out 1
  send(rw, 40_004, 0, SRC_B); // out 4 (40_002, 40_003 lost upstream)
  assert.equal(rw.inputSequenceFor(0), 40_000);
  assert.equal(rw.inputSequenceFor(2), 40_002); // lost upstream: ask the publisher for it
  assert.equal(rw.inputSequenceFor(4), 40_004);
  assert.equal(rw.inputSequenceFor(65535), null); // sent from A, an earlier source
  assert.equal(rw.inputSequenceFor(5), null); // not sent yet
  assert.equal(rw.outSequenceFor(40_003), 3);
  assert.equal(rw.outSequenceFor(40_000), 0);
  assert.equal(rw.outSequenceFor(39_999), null);
  assert.equal(rw.outSequenceFor(40_005), null);
  for (let out = 0; out <= 4; out++) assert.equal(rw.outSequenceFor(rw.inputSequenceFor(out)!), out);
});

test('NACK mapping across the input wrap', () => {
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: clock().now });
  send(rw, 9, 0, SRC_A);
  send(rw, 65533, 0, SRC_B); // out 10
  send(rw, 2, 0, SRC_B); // out 15
  assert.equal(rw.inputSequenceFor(12), 65535);
  assert.equal(rw.inputSequenceFor(13), 0);
  assert.equal(rw.outSequenceFor(1), 14);
  assert.equal(rw.outSequenceFor(65532), null);
});

test('a long run with random loss, reordering and switches stays continuous and monotonic', () => {
  let s = 12345;
  const rand = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
  const c = clock();
  const rw = new RtpRewriter(OUT, 96, 90_000, { now: c.now });
  let ssrc = SRC_A;
  let seq = 60_000;
  let ts = 0xfff00000;
  let lastOut: number | null = null;
  let lastOutTs: number | null = null;
  let extOut = 0;
  let held: Buffer | null = null;
  let heldSeq = 0;
  let sinceSwitch = 0;
  for (let i = 0; i < 200_000; i++) {
    c.t += 1;
    if (i % 10 === 0) ts = (ts + 3000) >>> 0;
    if (rand() < 0.001) {
      // Switch source: new random seq/ts spaces.
      ssrc = ssrc === SRC_A ? SRC_B : SRC_A;
      seq = Math.floor(rand() * 65536);
      ts = Math.floor(rand() * 2 ** 32);
      held = null;
      sinceSwitch = 0;
    }
    seq = (seq + 1) & 0xffff;
    if (rand() < 0.02) continue; // lost upstream
    const b = pkt(seq, ts, ssrc);
    if (rand() < 0.01 && held === null) {
      held = b; // delivered late, after the next packet
      heldSeq = seq;
      continue;
    }
    assert.equal(rw.rewrite(b), true);
    const out = rtpSequence(b)!;
    const outTs = rtpTimestamp(b)!;
    if (lastOut !== null && lastOutTs !== null) {
      const d = (out - lastOut) & 0xffff;
      assert.ok(d >= 1 && d < 100, `seq step ${d} at ${i}`);
      const dt = (outTs - lastOutTs) >>> 0;
      assert.ok(dt < 2 ** 31, `timestamp went backwards at ${i}`);
      extOut += d;
    }
    lastOut = out;
    lastOutTs = outTs;
    assert.equal(rtpSsrc(b), OUT);
    assert.equal(rtpPayloadType(b), 96);
    if (held) {
      const late = held;
      held = null;
      if (sinceSwitch === 0) {
        // It was meant to be the source's first packet: reordered before the start, dropped.
        assert.equal(rw.rewrite(late), false);
      } else {
        assert.equal(rw.rewrite(late), true);
        assert.equal(rtpSequence(late), (out - ((seq - heldSeq) & 0xffff)) & 0xffff);
      }
    }
    sinceSwitch++;
  }
  assert.ok(extOut > 190_000);
});
