import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyframeThrottle } from './KeyframeThrottle.js';

test('allows the first request, then at most one per interval (default 500 ms)', () => {
  const t = new KeyframeThrottle();
  assert.equal(t.intervalMs, 500);
  assert.equal(t.shouldRequest(10_000), true);
  assert.equal(t.shouldRequest(10_000), false);
  assert.equal(t.shouldRequest(10_499), false);
  assert.equal(t.shouldRequest(10_500), true);
  assert.equal(t.shouldRequest(10_700), false);
  assert.equal(t.shouldRequest(11_000), true);
});

test('refused calls do not push the window forward', () => {
  const t = new KeyframeThrottle(100);
  assert.equal(t.shouldRequest(0), true);
  for (let now = 1; now < 100; now += 10) assert.equal(t.shouldRequest(now), false);
  assert.equal(t.shouldRequest(100), true);
});

test('works from time zero and with performance.now()-style fractions', () => {
  const t = new KeyframeThrottle(500);
  assert.equal(t.shouldRequest(0), true);
  assert.equal(t.shouldRequest(499.999), false);
  assert.equal(t.shouldRequest(500.001), true);
});

test('reset allows the next request at once', () => {
  const t = new KeyframeThrottle();
  assert.equal(t.shouldRequest(1000), true);
  t.reset();
  assert.equal(t.shouldRequest(1001), true);
  assert.equal(t.shouldRequest(1002), false);
});

test('a clock that went backwards allows a request instead of blocking', () => {
  const t = new KeyframeThrottle();
  assert.equal(t.shouldRequest(1_000_000), true);
  assert.equal(t.shouldRequest(5000), true);
  assert.equal(t.shouldRequest(5100), false);
});
