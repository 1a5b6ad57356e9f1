import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildFir,
  buildNack,
  buildPli,
  buildReceiverReport,
  buildRemb,
  buildSenderReport,
  ntpMiddle32,
  parseRtcp,
  rewriteSenderReport,
  type RtcpPacket,
  type RtcpReportBlock,
} from './Rtcp.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// SR (RFC 3550 §6.4.1), RC=1: SSRC 0x11111111, NTP 0xe8a1b2c3.80000000, RTP ts 0xfffffff0,
// 1000 packets, 500000 octets; report block on 0x22222222: fraction 64, cumulative lost -3
// (0xfffffd), highest seq 0x0001ffff, jitter 42, LSR 0x12345678, DLSR 0x00010000.
const SR =
  '81 c8 000c  11111111  e8a1b2c3 80000000  fffffff0  000003e8  0007a120' +
  '  22222222  40 fffffd  0001ffff  0000002a  12345678  00010000';
// SDES (RFC 3550 §6.5) with one chunk: SSRC, CNAME "ab", end, padding to a word.
const SDES = '81 ca 0003  11111111  01 02 6162 00 00 00 00';
// RR (§6.4.2) RC=1: SSRC 0x33333333, block on 0x44444444: fraction 0, cumulative 5.
const RR =
  '81 c9 0007  33333333  44444444  00 000005  00000064  00000010  00000000  00000000';

test('SR with a report block, byte for byte (RFC 3550 §6.4.1)', () => {
  const [sr] = parseRtcp(hex(SR));
  assert.deepEqual(sr, {
    type: 'sr',
    ssrc: 0x11111111,
    ntpSeconds: 0xe8a1b2c3,
    ntpFraction: 0x80000000,
    rtpTimestamp: 0xfffffff0,
    packetCount: 1000,
    octetCount: 500000,
    reports: [
      {
        ssrc: 0x22222222,
        fractionLost: 64,
        cumulativeLost: -3,
        highestSeq: 0x0001ffff,
        jitter: 42,
        lsr: 0x12345678,
        dlsr: 0x10000,
      },
    ],
  });
});

test('compound SR + SDES + RR + PLI parses in order; SDES is unknown', () => {
  const packets = parseRtcp(hex(SR + SDES + RR + '81 ce 0002 33333333 11111111'));
  assert.deepEqual(
    packets.map((p) => p.type),
    ['sr', 'unknown', 'rr', 'pli'],
  );
  assert.deepEqual(packets[1], { type: 'unknown', pt: 202, fmt: 1 });
  assert.deepEqual(packets[2], {
    type: 'rr',
    ssrc: 0x33333333,
    reports: [{ ssrc: 0x44444444, fractionLost: 0, cumulativeLost: 5, highestSeq: 100, jitter: 16, lsr: 0, dlsr: 0 }],
  });
  assert.deepEqual(packets[3], { type: 'pli', senderSsrc: 0x33333333, mediaSsrc: 0x11111111 });
});

test('an empty RR (RC=0) is 8 bytes', () => {
  assert.deepEqual(parseRtcp(hex('80 c9 0001 33333333')), [{ type: 'rr', ssrc: 0x33333333, reports: [] }]);
});

test('PLI builds byte for byte (RFC 4585 §6.3.1) and round-trips', () => {
  const b = buildPli(0x01020304, 0xa0b0c0d0);
  assert.deepEqual(b, hex('81 ce 0002 01020304 a0b0c0d0'));
  assert.deepEqual(parseRtcp(b), [{ type: 'pli', senderSsrc: 0x01020304, mediaSsrc: 0xa0b0c0d0 }]);
});

test('FIR builds byte for byte (RFC 5104 §4.3.1: media SSRC 0, SSRC in the FCI) and round-trips', () => {
  const b = buildFir(1, 0xfedcba98, 257);
  assert.deepEqual(b, hex('84 ce 0004 00000001 00000000 fedcba98 01 000000'));
  assert.deepEqual(parseRtcp(b), [
    { type: 'fir', senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: 0xfedcba98, seqNr: 1 }] },
  ]);
  // Two FCI entries.
  const two = hex('84 ce 0006 00000001 00000000 0000000a 07 000000 0000000b 08 000000');
  assert.deepEqual(parseRtcp(two), [
    {
      type: 'fir',
      senderSsrc: 1,
      mediaSsrc: 0,
      entries: [
        { ssrc: 10, seqNr: 7 },
        { ssrc: 11, seqNr: 8 },
      ],
    },
  ]);
});

test('REMB builds byte for byte (draft-alvestrand-rmcat-remb §2.2) and round-trips', () => {
  // 1 500 000 = 187 500 × 2^3: exponent 3, mantissa 0x2dc6c.
  const b = buildRemb(0x0a0b0c0d, 1_500_000, [0x11111111]);
  assert.deepEqual(b, hex('8f ce 0005 0a0b0c0d 00000000 52454d42 01 0e dc6c 11111111'));
  assert.deepEqual(parseRtcp(b), [
    { type: 'remb', senderSsrc: 0x0a0b0c0d, mediaSsrc: 0, bitrate: 1_500_000, ssrcs: [0x11111111] },
  ]);
});

test('REMB bitrate encoding: exact when it fits, rounded down otherwise, clamped at the ends', () => {
  const bitrateOf = (bps: number) => (parseRtcp(buildRemb(1, bps, [2]))[0] as { bitrate: number }).bitrate;
  assert.equal(bitrateOf(0), 0);
  assert.equal(bitrateOf(262_143), 262_143); // largest 18-bit mantissa, exponent 0
  assert.equal(bitrateOf(262_145), 262_144); // needs exponent 1: rounded down to even
  assert.equal(bitrateOf(30_000_001), 30_000_000);
  assert.equal(bitrateOf(-5), 0);
  assert.equal(bitrateOf(Number.NaN), 0);
  assert.equal(bitrateOf(Number.POSITIVE_INFINITY), 0x3ffff * 2 ** 63);
  for (const bps of [1, 1000, 64_000, 987_654, 2_500_000, 123_456_789, 2 ** 40 + 12345]) {
    const got = bitrateOf(bps);
    assert.ok(got <= bps && got > bps * (1 - 2 ** -17), `${bps} -> ${got}`);
  }
});

test('REMB with several SSRCs and with none', () => {
  const b = buildRemb(1, 100, [5, 6, 7]);
  assert.equal(b.length, 32);
  assert.deepEqual(parseRtcp(b), [{ type: 'remb', senderSsrc: 1, mediaSsrc: 0, bitrate: 100, ssrcs: [5, 6, 7] }]);
  assert.deepEqual(parseRtcp(buildRemb(1, 100, [])), [
    { type: 'remb', senderSsrc: 1, mediaSsrc: 0, bitrate: 100, ssrcs: [] },
  ]);
});

test('generic NACK parse expands PID + BLP (RFC 4585 §6.2.1), across the wrap', () => {
  // PID 65534, BLP bits 0 and 2: 65534, 65535, 1. Second pair: PID 100, BLP 0x8000: 100, 116.
  const b = hex('81 cd 0004 00000001 00000002 fffe 0005 0064 8000');
  assert.deepEqual(parseRtcp(b), [
    { type: 'nack', senderSsrc: 1, mediaSsrc: 2, sequenceNumbers: [65534, 65535, 1, 100, 116] },
  ]);
});

test('generic NACK build packs PID + BLP pairs byte for byte', () => {
  assert.deepEqual(buildNack(1, 2, [100]), hex('81 cd 0003 00000001 00000002 0064 0000'));
  // Unsorted with a duplicate: 1, 3, 5 -> PID 1, BLP bits 1 and 3.
  assert.deepEqual(buildNack(1, 2, [5, 1, 3, 3]), hex('81 cd 0003 00000001 00000002 0001 000a'));
  // Across the wrap: 65535 + 0 (bit 0) + 15 (bit 15); 16 is 17 away: a second pair.
  assert.deepEqual(
    buildNack(1, 2, [0, 16, 65535, 15]),
    hex('81 cd 0004 00000001 00000002 ffff 8001 0010 0000'),
  );
  assert.equal(buildNack(1, 2, []), null);
});

test('generic NACK round-trips random loss sets', () => {
  let s = 7;
  const rand = () => {
    s = (s * 48271) % 0x7fffffff;
    return s / 0x7fffffff;
  };
  for (let i = 0; i < 500; i++) {
    const base = Math.floor(rand() * 65536);
    const set = new Set<number>();
    const n = 1 + Math.floor(rand() * 60);
    for (let j = 0; j < n; j++) set.add((base + Math.floor(rand() * 200)) & 0xffff);
    const [nack] = parseRtcp(buildNack(9, 8, [...set])!);
    assert.equal(nack?.type, 'nack');
    const got = (nack as { sequenceNumbers: number[] }).sequenceNumbers;
    assert.deepEqual(new Set(got), set);
    assert.equal(got.length, set.size);
  }
});

test('other packet types and FMTs are unknown with pt and fmt', () => {
  const cases: [string, number, number][] = [
    ['81 cb 0001 11111111', 203, 1], // BYE
    ['80 cc 0002 11111111 61626364', 204, 0], // APP
    ['8f cd 0002 00000001 00000002', 205, 15], // transport-cc (RTPFB 15)
    ['83 cd 0002 00000001 00000002', 205, 3], // TMMBR
    ['8f ce 0004 00000001 00000000 41424344 00000000', 206, 15], // AFB but not 'REMB'
    ['82 ce 0002 00000001 00000002', 206, 2], // SLI
    ['80 cf 0001 00000001', 207, 0], // XR
  ];
  for (const [h, pt, fmt] of cases) assert.deepEqual(parseRtcp(hex(h)), [{ type: 'unknown', pt, fmt }], h);
});

test('padding on the last packet is honoured (RFC 3550 §6.4.1)', () => {
  // PLI with P set: 4 padding bytes (the last one = 4), length 3.
  assert.deepEqual(parseRtcp(hex('a1 ce 0003 00000001 00000002 00000004')), [
    { type: 'pli', senderSsrc: 1, mediaSsrc: 2 },
  ]);
  // NACK with one FCI entry then 4 bytes of padding: the padding is not read as a second entry.
  assert.deepEqual(parseRtcp(hex('a1 cd 0004 00000001 00000002 000a 0000 00000004')), [
    { type: 'nack', senderSsrc: 1, mediaSsrc: 2, sequenceNumbers: [10] },
  ]);
});

test('malformed input returns what parsed before it and never throws', () => {
  const pli = '81 ce 0002 00000001 00000002';
  const expectPli: RtcpPacket = { type: 'pli', senderSsrc: 1, mediaSsrc: 2 };
  const tails = [
    '81 ce 0002 00000001', // truncated
    '41 ce 0002 00000001 00000002', // version 1
    '81 ce', // not even a header
    '81 c8 0006 11111111 00000000 00000000 00000000 00000000 00000000', // SR one word short
    '82 c9 0007 33333333 44444444 00 000005 00000064 00000010 00000000 00000000', // RC=2, one block
    '81 ce 0001 00000001', // feedback without media SSRC
    'a1 ce 0002 00000001 00000000', // padding count 0
    'a1 ce 0002 00000001 0000000c', // padding bigger than the packet body
    '8f ce 0005 00000001 00000000 52454d42 02 0e dc6c 11111111', // REMB: 2 SSRCs announced, 1 present
  ];
  for (const tail of tails) assert.deepEqual(parseRtcp(hex(pli + tail)), [expectPli], tail);
  assert.deepEqual(parseRtcp(Buffer.alloc(0)), []);
});

test('random garbage never throws', () => {
  let s = 99;
  const rand = () => {
    s = (s * 48271) % 0x7fffffff;
    return s / 0x7fffffff;
  };
  for (let i = 0; i < 20_000; i++) {
    const b = Buffer.alloc(Math.floor(rand() * 64));
    for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 256);
    if (b.length >= 4 && rand() < 0.8) {
      b[0] = 0x80 | (b[0]! & 0x3f);
      b[1] = 200 + Math.floor(rand() * 8);
      b[2] = 0;
      b[3] = Math.floor(rand() * 16);
    }
    parseRtcp(b);
    rewriteSenderReport(b, 1, 2);
  }
});

test('rewriteSenderReport maps SSRC and RTP timestamp, drops report blocks, keeps NTP', () => {
  const compound = hex(SR + SDES);
  // Offset 0x20 wraps 0xfffffff0 to 0x10.
  const out = rewriteSenderReport(compound, 0xcafebabe, 0x20);
  assert.ok(out);
  assert.deepEqual(out, hex('80 c8 0006 cafebabe e8a1b2c3 80000000 00000010 000003e8 0007a120'));
  // Counts of what this subscriber was sent can replace the publisher's.
  const own = rewriteSenderReport(compound, 5, 0, 7, 700);
  assert.deepEqual(own, hex('80 c8 0006 00000005 e8a1b2c3 80000000 fffffff0 00000007 000002bc'));
  // The SR need not come first.
  assert.deepEqual(rewriteSenderReport(hex(RR + SR), 0xcafebabe, 0x20), out);
  // No SR, or a broken one.
  assert.equal(rewriteSenderReport(hex(RR), 1, 0), null);
  assert.equal(rewriteSenderReport(hex(SR).subarray(0, 20), 1, 0), null);
  // The input is not modified.
  assert.deepEqual(compound, hex(SR + SDES));
});

test('buildSenderReport and ntpMiddle32', () => {
  const b = buildSenderReport(1, 0xe8a1b2c3, 0x80000000, 2 ** 32 - 1, 3, 4);
  assert.deepEqual(b, hex('80 c8 0006 00000001 e8a1b2c3 80000000 ffffffff 00000003 00000004'));
  assert.equal(ntpMiddle32(0xe8a1b2c3, 0x80000000), 0xb2c38000);
  assert.equal(ntpMiddle32(0xffffffff, 0xffffffff), 0xffffffff);
});

test('RR without blocks is 8 bytes (RFC 3550 §6.4.2) and round-trips', () => {
  const b = buildReceiverReport(0x33333333, []);
  assert.deepEqual(b, hex('80 c9 0001 33333333'));
  assert.deepEqual(parseRtcp(b), [{ type: 'rr', ssrc: 0x33333333, reports: [] }]);
});

test('RR with one block builds byte for byte and round-trips', () => {
  const block: RtcpReportBlock = {
    ssrc: 0x44444444,
    fractionLost: 0,
    cumulativeLost: 5,
    highestSeq: 100,
    jitter: 16,
    lsr: 0,
    dlsr: 0,
  };
  const b = buildReceiverReport(0x33333333, [block]);
  assert.deepEqual(b, hex(RR));
  assert.deepEqual(parseRtcp(b), [{ type: 'rr', ssrc: 0x33333333, reports: [block] }]);
  const full: RtcpReportBlock = {
    ssrc: 0xfedcba98,
    fractionLost: 255,
    cumulativeLost: 0x7fffff,
    highestSeq: 0xffffffff,
    jitter: 0x80000000,
    lsr: 0xb2c38000,
    dlsr: 0x00018000,
  };
  assert.deepEqual(parseRtcp(buildReceiverReport(0xffffffff, [full])), [
    { type: 'rr', ssrc: 0xffffffff, reports: [full] },
  ]);
});

test('RR negative cumulative lost is signed 24-bit; out-of-range values are clamped', () => {
  const block = (fractionLost: number, cumulativeLost: number): RtcpReportBlock => ({
    ssrc: 1,
    fractionLost,
    cumulativeLost,
    highestSeq: 2,
    jitter: 3,
    lsr: 4,
    dlsr: 5,
  });
  const b = buildReceiverReport(9, [block(64, -3)]);
  assert.deepEqual(b.subarray(12, 16), hex('40 fffffd'));
  const lostOf = (fraction: number, lost: number) => {
    const [rr] = parseRtcp(buildReceiverReport(9, [block(fraction, lost)]));
    assert.equal(rr?.type, 'rr');
    const r = (rr as { reports: RtcpReportBlock[] }).reports[0]!;
    // The neighbouring fields are untouched whatever the counts.
    assert.deepEqual([r.ssrc, r.highestSeq, r.jitter, r.lsr, r.dlsr], [1, 2, 3, 4, 5]);
    return [r.fractionLost, r.cumulativeLost];
  };
  assert.deepEqual(lostOf(64, -3), [64, -3]);
  assert.deepEqual(lostOf(0, -0x800000), [0, -0x800000]);
  assert.deepEqual(lostOf(0, -0x800001), [0, -0x800000]);
  assert.deepEqual(lostOf(0, -1e12), [0, -0x800000]);
  assert.deepEqual(lostOf(300, 0x800000), [255, 0x7fffff]);
  assert.deepEqual(lostOf(-1, 1e12), [0, 0x7fffff]);
  assert.deepEqual(lostOf(Number.NaN, Number.NaN), [0, 0]);
  assert.deepEqual(lostOf(12.7, 3.9), [12, 3]);
});

test('RR keeps at most 31 blocks (RC is 5 bits)', () => {
  const blocks = Array.from({ length: 40 }, (_, i): RtcpReportBlock => ({
    ssrc: 1000 + i,
    fractionLost: i,
    cumulativeLost: 5 - i,
    highestSeq: 65536 + i,
    jitter: i * 2,
    lsr: i * 3,
    dlsr: i * 4,
  }));
  const b = buildReceiverReport(7, blocks);
  assert.equal(b.length, 8 + 31 * 24);
  assert.equal(b[0], 0x80 | 31);
  assert.deepEqual(parseRtcp(b), [{ type: 'rr', ssrc: 7, reports: blocks.slice(0, 31) }]);
  assert.equal(buildReceiverReport(7, blocks.slice(0, 31)).length, b.length);
});
