import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReceiveStatistics } from './ReceiveStatistics.js';
import { ntpMiddle32 } from './Rtcp.js';

const SSRC = 0x11223344;

/** Feeds `seqs` paced at 20 ms / 1800 ticks (90 kHz), the i-th at arrival i × 20 ms. */
function feed(stats: ReceiveStatistics, seqs: readonly number[], ssrc = SSRC): void {
  seqs.forEach((seq, i) => stats.onRtp(ssrc, seq, i * 1800, i * 20));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

test('nothing to report before the first packet', () => {
  const stats = new ReceiveStatistics(90000);
  assert.equal(stats.clockRate, 90000);
  assert.equal(stats.ssrc, null);
  assert.equal(stats.reportBlock(0), null);
  // An SR alone does not start tracking.
  stats.onSenderReport(SSRC, 1, 2, 0);
  assert.equal(stats.ssrc, null);
  assert.equal(stats.reportBlock(0), null);
});

test('an in-order stream reports no loss and no jitter', () => {
  const stats = new ReceiveStatistics(90000);
  feed(stats, range(1000, 1100));
  assert.equal(stats.ssrc, SSRC);
  assert.deepEqual(stats.reportBlock(2000), {
    ssrc: SSRC,
    fractionLost: 0,
    cumulativeLost: 0,
    highestSeq: 1099,
    jitter: 0,
    lsr: 0,
    dlsr: 0,
  });
});

test('gaps: cumulative lost and fraction lost per interval (RFC 3550 A.3)', () => {
  const stats = new ReceiveStatistics(90000);
  // 0..99 with every tenth missing: 10 of 100 lost.
  feed(stats, range(0, 100).filter((s) => s % 10 !== 5));
  let r = stats.reportBlock(0)!;
  assert.equal(r.cumulativeLost, 10);
  assert.equal(r.fractionLost, Math.floor((10 * 256) / 100)); // 25
  assert.equal(r.highestSeq, 99);
  // Next interval complete: fraction back to 0, cumulative stays.
  for (const s of range(100, 200)) stats.onRtp(SSRC, s, s * 1800, s * 20);
  r = stats.reportBlock(0)!;
  assert.deepEqual([r.fractionLost, r.cumulativeLost, r.highestSeq], [0, 10, 199]);
  // No packets at all in an interval: nothing expected, fraction 0.
  r = stats.reportBlock(0)!;
  assert.deepEqual([r.fractionLost, r.cumulativeLost], [0, 10]);
  // Half of the next 4 lost: 128.
  for (const s of [201, 203]) stats.onRtp(SSRC, s, s * 1800, s * 20);
  r = stats.reportBlock(0)!;
  assert.deepEqual([r.fractionLost, r.cumulativeLost, r.highestSeq], [128, 12, 203]);
  // Two of the missing ones arrive late (retransmitted): cumulative falls, interval loss is
  // negative and reports as 0.
  stats.onRtp(SSRC, 200, 0, 5000);
  stats.onRtp(SSRC, 202, 0, 5000);
  r = stats.reportBlock(0)!;
  assert.deepEqual([r.fractionLost, r.cumulativeLost, r.highestSeq], [0, 10, 203]);
});

test('sequence wraparound extends the highest sequence number with cycles', () => {
  const stats = new ReceiveStatistics(90000);
  feed(stats, [...range(65530, 65536), ...range(0, 6)]);
  let r = stats.reportBlock(0)!;
  assert.equal(r.highestSeq, 0x10000 + 5);
  assert.equal(r.cumulativeLost, 0);
  // A late packet from before the wrap does not count a second cycle.
  stats.onRtp(SSRC, 65535, 0, 1000);
  r = stats.reportBlock(0)!;
  assert.equal(r.highestSeq, 0x10000 + 5);
  assert.equal(r.cumulativeLost, -1);

  // Loss across the wrap: 65530, 65531, then 3, 4, 5: 12 expected, 5 received.
  const gap = new ReceiveStatistics(90000);
  feed(gap, [65530, 65531, 3, 4, 5]);
  r = gap.reportBlock(0)!;
  assert.deepEqual([r.highestSeq, r.cumulativeLost, r.fractionLost], [0x10005, 7, Math.floor((7 * 256) / 12)]);

  // Several cycles.
  const long = new ReceiveStatistics(90000);
  for (let i = 0; i < 3 * 65536 + 10; i++) long.onRtp(SSRC, (65000 + i) & 0xffff, i * 1800, i * 20);
  r = long.reportBlock(0)!;
  assert.equal(r.highestSeq, 65000 + 3 * 65536 + 9);
  assert.equal(r.cumulativeLost, 0);
  assert.equal(r.jitter, 0);
});

test('duplicates and reordered packets are counted and do not move the highest', () => {
  const stats = new ReceiveStatistics(90000);
  feed(stats, [1, 2, 3, 3, 5, 4]);
  const r = stats.reportBlock(0)!;
  assert.equal(r.highestSeq, 5);
  // 5 expected, 6 received: duplicates make the cumulative negative (RFC 3550 §6.4.1).
  assert.equal(r.cumulativeLost, -1);
  assert.equal(r.fractionLost, 0);
});

test('a large jump is dropped unless the next packet follows it (sender restart, A.1)', () => {
  const stats = new ReceiveStatistics(90000);
  feed(stats, [10, 11, 12]);
  // 3000 ahead: beyond MAX_DROPOUT, dropped.
  stats.onRtp(SSRC, 3012, 0, 100);
  assert.equal(stats.reportBlock(0)!.highestSeq, 12);
  // More than MAX_MISORDER behind: dropped too.
  stats.onRtp(SSRC, 65535 - 200, 0, 100);
  stats.onRtp(SSRC, 13, 0, 100);
  assert.deepEqual([stats.reportBlock(0)!.highestSeq, stats.reportBlock(0)!.cumulativeLost], [13, 0]);
  // 2999 ahead is in order: counted as a gap.
  stats.onRtp(SSRC, 13 + 2999, 0, 100);
  assert.deepEqual([stats.reportBlock(0)!.highestSeq, stats.reportBlock(0)!.cumulativeLost], [3012, 2998]);
  // A jump, then its successor: the sequence restarts there.
  stats.onRtp(SSRC, 40000, 0, 100);
  assert.equal(stats.reportBlock(0)!.highestSeq, 3012);
  stats.onRtp(SSRC, 40001, 0, 120);
  stats.onRtp(SSRC, 40002, 0, 140);
  assert.deepEqual(stats.reportBlock(0), {
    ssrc: SSRC,
    fractionLost: 0,
    cumulativeLost: 0,
    highestSeq: 40002,
    jitter: stats.reportBlock(0)!.jitter,
    lsr: 0,
    dlsr: 0,
  });
});

test('a new SSRC resets the statistics', () => {
  const stats = new ReceiveStatistics(90000);
  feed(stats, [1, 5, 9]);
  stats.onSenderReport(SSRC, 100, 200, 0);
  assert.equal(stats.reportBlock(10)!.cumulativeLost, 6);
  stats.onRtp(0xaabbccdd, 60000, 123, 500);
  assert.equal(stats.ssrc, 0xaabbccdd);
  assert.deepEqual(stats.reportBlock(600), {
    ssrc: 0xaabbccdd,
    fractionLost: 0,
    cumulativeLost: 0,
    highestSeq: 60000,
    jitter: 0,
    lsr: 0,
    dlsr: 0,
  });
  // An SR from the old stream is now ignored.
  stats.onSenderReport(SSRC, 100, 200, 700);
  assert.equal(stats.reportBlock(800)!.lsr, 0);
  // And back: the old SSRC starts from scratch too.
  stats.onRtp(SSRC, 7, 0, 900);
  const r = stats.reportBlock(0)!;
  assert.deepEqual([stats.ssrc, r.highestSeq, r.cumulativeLost], [SSRC, 7, 0]);
});

test('jitter: 0 when perfectly paced, grows with uneven arrival (RFC 3550 A.8)', () => {
  // Opus at 48 kHz, 20 ms packets.
  const audio = new ReceiveStatistics(48000);
  for (let i = 0; i < 200; i++) audio.onRtp(SSRC, i, i * 960, 1000 + i * 20);
  assert.equal(audio.reportBlock(0)!.jitter, 0);

  // Timestamps wrapping past 2^32, still paced: 0.
  const wrap = new ReceiveStatistics(90000);
  for (let i = 0; i < 100; i++) wrap.onRtp(SSRC, i, (0xffffffff - 50 * 3000 + i * 3000) >>> 0, i * (100 / 3));
  assert.equal(wrap.reportBlock(0)!.jitter, 0);

  // Video frames of 3 packets sharing a timestamp, paced 2 ms apart by the sender, frames every
  // 33.3 ms on time: the pacing is not jitter.
  const video = new ReceiveStatistics(90000);
  let seq = 0;
  for (let f = 0; f < 100; f++) {
    for (let p = 0; p < 3; p++) video.onRtp(SSRC, seq++, f * 3000, f * (100 / 3) + p * 2);
  }
  assert.equal(video.reportBlock(0)!.jitter, 0);

  // Every other packet 10 ms late: |D| is 10 ms = 900 ticks each time, J converges to 900.
  const jittery = new ReceiveStatistics(90000);
  for (let i = 0; i < 500; i++) jittery.onRtp(SSRC, i, i * 1800, i * 20 + (i % 2) * 10);
  const j = jittery.reportBlock(0)!.jitter;
  assert.ok(j > 850 && j <= 900, `jitter ${j}`);
  assert.ok(Number.isInteger(j));

  // One late packet: J = |D| / 16 after it, then decays.
  const once = new ReceiveStatistics(90000);
  once.onRtp(SSRC, 0, 0, 0);
  once.onRtp(SSRC, 1, 1800, 36); // 16 ms late: D = 1440 ticks
  assert.equal(once.reportBlock(0)!.jitter, 90);

  // Late (reordered or retransmitted) packets leave the jitter alone, as do bad clock readings.
  const late = new ReceiveStatistics(90000);
  for (let i = 0; i < 50; i++) if (i !== 20) late.onRtp(SSRC, i, i * 1800, i * 20);
  late.onRtp(SSRC, 20, 20 * 1800, 5000);
  late.onRtp(SSRC, 50, 50 * 1800, Number.NaN);
  late.onRtp(SSRC, 51, 51 * 1800, 51 * 20);
  assert.equal(late.reportBlock(0)!.jitter, 0);
});

test('LSR and DLSR from the last SR of the tracked stream (RFC 3550 §6.4.1)', () => {
  const stats = new ReceiveStatistics(90000);
  feed(stats, range(0, 10));
  // SR for another SSRC: ignored.
  stats.onSenderReport(0x99, 0xe8a1b2c3, 0x80000000, 900);
  assert.deepEqual([stats.reportBlock(1000)!.lsr, stats.reportBlock(1000)!.dlsr], [0, 0]);
  stats.onSenderReport(SSRC, 0xe8a1b2c3, 0x80000000, 1000);
  let r = stats.reportBlock(1500)!;
  assert.equal(r.lsr, ntpMiddle32(0xe8a1b2c3, 0x80000000));
  assert.equal(r.lsr, 0xb2c38000);
  assert.equal(r.dlsr, 32768); // 0.5 s in 1/65536 s
  r = stats.reportBlock(3000)!;
  assert.equal(r.dlsr, 2 * 65536);
  // Fractional milliseconds round down.
  assert.equal(stats.reportBlock(1000.9)!.dlsr, Math.floor(0.9 * 65.536));
  // A clock behind the SR's arrival gives 0, not a huge unsigned number.
  assert.equal(stats.reportBlock(999)!.dlsr, 0);
  // A newer SR replaces it.
  stats.onSenderReport(SSRC, 0xe8a1b2c4, 0, 2000);
  r = stats.reportBlock(2250)!;
  assert.deepEqual([r.lsr, r.dlsr], [0xb2c40000, 16384]);
});

test('cumulative lost is clamped to signed 24 bits', () => {
  const stats = new ReceiveStatistics(90000);
  // 2999 ahead each time: in order, 2998 lost per packet; 3000 packets lose ~9 million.
  for (let i = 0; i < 3000; i++) stats.onRtp(SSRC, (i * 2999) & 0xffff, i * 1800, i * 20);
  const r = stats.reportBlock(0)!;
  assert.equal(r.cumulativeLost, 0x7fffff);
  assert.equal(r.highestSeq, 2999 * 2999);
  assert.equal(r.fractionLost, Math.floor((2998 * 2999 * 256) / (2999 * 2999 + 1)));
});
