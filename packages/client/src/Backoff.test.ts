import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from './Backoff.js';

describe('Backoff', () => {
  it('grows by the factor from min, capped at max (reconnect config without jitter)', async () => {
    const backoff = new Backoff({ min: 80, factor: 1.5, max: 200 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      delays.push(backoff.nextDelay());
      await new Promise<void>((resolve) => backoff.backoff(resolve));
    }
    assert.deepEqual(delays, [80, 120, 180, 200]);
    backoff.reset();
    assert.equal(backoff.nextDelay(), 80);
  });

  it('applies jitter like the SDK (even draw subtracts, odd adds)', () => {
    assert.equal(new Backoff({ min: 80, factor: 1.5, jitter: 1, random: () => 0.25 }).nextDelay(), 60);
    assert.equal(new Backoff({ min: 80, factor: 1.5, jitter: 1, random: () => 0.15 }).nextDelay(), 92);
  });
});
