import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IceBox } from './IceBox.js';

const c = (n: number) => ({ candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${1000 + n} typ host`, sdpMid: '0' });

describe('IceBox', () => {
  it('holds candidates until their ufrag is the remote one, then returns only new ones', () => {
    const box = new IceBox();
    assert.deepEqual(box.update({ ufrag: 'A', revision: 1, candidates: [c(1)] }), []);
    assert.deepEqual(box.setUfrag('A'), [c(1)]);
    assert.deepEqual(box.update({ ufrag: 'A', revision: 2, candidates: [c(1), c(2)] }), [c(2)]);
    assert.deepEqual(box.update({ ufrag: 'A', revision: 2, candidates: [c(1), c(2), c(3)] }), [], 'same revision');
    assert.deepEqual(box.update({ ufrag: 'A', revision: 1, candidates: [c(9)] }), [], 'older revision');
    assert.deepEqual(box.update({ ufrag: 'B', revision: 3, candidates: [c(4)] }), [], 'other ufrag');
    assert.deepEqual(box.setUfrag('B'), [c(4)]);
  });

  it('treats an entry without ufrag as the current one', () => {
    const box = new IceBox();
    assert.deepEqual(box.update({ ufrag: null, revision: 1, candidates: [c(1)] }), []);
    assert.deepEqual(box.setUfrag('A'), [c(1)]);
    assert.deepEqual(box.update({ revision: 2, candidates: [c(1), c(2)] }), [c(2)]);
  });
});
