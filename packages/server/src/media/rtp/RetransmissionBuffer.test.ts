import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetransmissionBuffer } from './RetransmissionBuffer.js';

/** A distinct packet per sequence number (length varies too). */
function packet(seq: number, len = 20 + (seq % 50)): Buffer {
  const b = Buffer.alloc(len);
  b.writeUInt16BE(seq, 2);
  for (let i = 12; i < len; i++) b[i] = (seq + i) & 0xff;
  return b;
}

test('store copies; get returns the same bytes, not the caller\'s buffer', () => {
  const rb = new RetransmissionBuffer();
  assert.equal(rb.capacity, 512);
  assert.equal(rb.slotSize, 1500);
  const p = packet(7);
  assert.equal(rb.store(7, p), true);
  const expected = Buffer.from(p);
  p.fill(0); // the forwarder reuses its buffer for the next subscriber
  assert.deepEqual(rb.get(7), expected);
  assert.equal(rb.get(8), null);
  assert.equal(rb.get(6), null);
});

test('an empty buffer answers null', () => {
  const rb = new RetransmissionBuffer(16);
  assert.equal(rb.get(0), null);
  assert.equal(rb.get(65535), null);
});

test('keeps exactly the last `capacity` sequence numbers', () => {
  const rb = new RetransmissionBuffer(8);
  for (let s = 0; s < 20; s++) rb.store(s, packet(s));
  for (let s = 0; s < 12; s++) assert.equal(rb.get(s), null, `seq ${s}`);
  for (let s = 12; s < 20; s++) assert.deepEqual(rb.get(s), packet(s), `seq ${s}`);
  assert.equal(rb.get(20), null); // not sent yet
});

test('wraps around at 2^16', () => {
  const rb = new RetransmissionBuffer(16);
  for (let i = 0; i < 12; i++) rb.store((65530 + i) & 0xffff, packet((65530 + i) & 0xffff));
  for (const s of [65530, 65535, 0, 5]) assert.deepEqual(rb.get(s), packet(s), `seq ${s}`);
  assert.equal(rb.get(6), null);
  // Sequence numbers outside 0..65535 are taken modulo 2^16.
  assert.deepEqual(rb.get(65536 + 3), packet(3));
});

test('gaps: packets lost upstream were never stored and answer null', () => {
  const rb = new RetransmissionBuffer(16);
  rb.store(100, packet(100));
  rb.store(103, packet(103));
  assert.equal(rb.get(101), null);
  assert.equal(rb.get(102), null);
  assert.deepEqual(rb.get(103), packet(103));
  // A late packet inside the window is stored in its own slot.
  assert.equal(rb.store(101, packet(101)), true);
  assert.deepEqual(rb.get(101), packet(101));
  assert.deepEqual(rb.get(100), packet(100));
});

test('a packet too old for the window is refused and does not clobber a newer one', () => {
  const rb = new RetransmissionBuffer(8);
  for (let s = 100; s < 110; s++) rb.store(s, packet(s));
  assert.equal(rb.store(101, packet(101)), false); // 8 behind 109: its slot holds 109
  assert.deepEqual(rb.get(109), packet(109));
  assert.equal(rb.get(101), null);
  assert.equal(rb.store(102, packet(102)), true); // exactly capacity-1 behind: fits
  assert.deepEqual(rb.get(102), packet(102));
});

test('a slot left over from 65536 sequence numbers ago is not returned', () => {
  const rb = new RetransmissionBuffer(4);
  rb.store(1, packet(1)); // slot 1, first cycle
  // Move through one whole cycle touching only slot 0.
  for (let s = 4; s <= 65536; s += 4) rb.store(s & 0xffff, packet(s & 0xffff));
  rb.store(2, packet(2)); // second cycle; 1 is within the window but was never stored this cycle
  assert.equal(rb.get(1), null);
  assert.deepEqual(rb.get(2), packet(2));
  assert.deepEqual(rb.get(0), packet(0));
});

test('empty and oversize packets are refused', () => {
  const rb = new RetransmissionBuffer(8, 100);
  assert.equal(rb.store(1, Buffer.alloc(0)), false);
  assert.equal(rb.store(1, Buffer.alloc(101)), false);
  assert.equal(rb.get(1), null);
  assert.equal(rb.store(1, packet(1, 100)), true);
  assert.deepEqual(rb.get(1), packet(1, 100));
});

test('a full 1500-byte packet fits a default slot and neighbours stay intact', () => {
  const rb = new RetransmissionBuffer(4);
  const big = Buffer.alloc(1500, 0xab);
  rb.store(0, packet(0));
  rb.store(1, big);
  rb.store(2, packet(2));
  assert.deepEqual(rb.get(0), packet(0));
  assert.deepEqual(rb.get(1), big);
  assert.deepEqual(rb.get(2), packet(2));
});

test('get returns a view of the stored length that a later store into the slot reuses', () => {
  const rb = new RetransmissionBuffer(2);
  rb.store(10, packet(10, 30));
  const view = rb.get(10)!;
  assert.equal(view.length, 30);
  rb.store(12, packet(12, 40)); // same slot
  assert.equal(rb.get(10), null);
  assert.deepEqual(view.subarray(0, 30), packet(12, 40).subarray(0, 30));
});

test('clear forgets everything', () => {
  const rb = new RetransmissionBuffer(8);
  rb.store(5, packet(5));
  rb.clear();
  assert.equal(rb.get(5), null);
  rb.store(60_000, packet(60_000)); // no relation to what came before
  assert.deepEqual(rb.get(60_000), packet(60_000));
});

test('capacity must be a power of two up to 32768; slotSize sane', () => {
  for (const bad of [0, 3, 500, 65536, -8, 1.5, Number.NaN]) {
    assert.throws(() => new RetransmissionBuffer(bad), RangeError, String(bad));
  }
  for (const good of [1, 2, 512, 32768]) assert.equal(new RetransmissionBuffer(good).capacity, good);
  assert.throws(() => new RetransmissionBuffer(8, 11), RangeError);
  assert.throws(() => new RetransmissionBuffer(8, 70_000), RangeError);
});

test('capacity 1 keeps only the newest packet', () => {
  const rb = new RetransmissionBuffer(1);
  rb.store(65535, packet(65535));
  rb.store(0, packet(0));
  assert.equal(rb.get(65535), null);
  assert.deepEqual(rb.get(0), packet(0));
  assert.equal(rb.store(65535, packet(65535)), false);
});
