import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from './TokenBucket.js';

describe('TokenBucket', () => {
  it('starts full, takes while tokens last, then says how long to wait', () => {
    const bucket = new TokenBucket(1000, 500, 0); // 1000 B/s, burst 500 B
    assert.equal(bucket.take(300, 0), 0);
    assert.equal(bucket.take(200, 0), 0);
    assert.equal(bucket.take(100, 0), 100); // 100 B at 1000 B/s
    assert.equal(bucket.available(0), 0); // a refused take takes nothing
    assert.equal(bucket.take(100, 50), 50);
    assert.equal(bucket.take(100, 100), 0);
  });

  it('refills at the rate, never beyond the capacity', () => {
    const bucket = new TokenBucket(1000, 500, 0);
    assert.equal(bucket.take(500, 0), 0);
    assert.equal(bucket.available(250), 250);
    assert.equal(bucket.available(10_000), 500);
  });

  it('lets a message larger than the capacity go on a full bucket, into debt that later messages wait for', () => {
    const bucket = new TokenBucket(1000, 500, 0);
    assert.equal(bucket.take(2000, 0), 0);
    assert.equal(bucket.available(0), -1500);
    assert.equal(bucket.take(100, 0), 1600);
    assert.equal(bucket.take(100, 1600), 0);
  });

  it('sizes a kbit/s bucket at one second of traffic, with a floor', () => {
    const bucket = TokenBucket.forKbps(64, 0);
    assert.equal(bucket.bytesPerSecond, 8000);
    assert.equal(bucket.capacity, 8000);
    assert.equal(TokenBucket.forKbps(0.001, 0, 9).capacity, 9);
    assert.throws(() => new TokenBucket(0, 1, 0), RangeError);
    assert.throws(() => new TokenBucket(1, Number.POSITIVE_INFINITY, 0), RangeError);
  });
});
