import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getUfrag, LocalCandidates } from './LocalCandidates.js';

const candidate = (text: string) => ({ candidate: text, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null }) as unknown as RTCIceCandidate;

describe('LocalCandidates', () => {
  it('keeps candidates until the ufrag is known, then signals cumulative lists and complete', () => {
    const local = new LocalCandidates();
    assert.equal(local.add(candidate('a=candidate:1 1 UDP 1 10.0.0.1 5000 typ host')), null, 'no ufrag yet (polyfill)');
    const first = local.setUfrag('uf1');
    assert.deepEqual(first, { candidates: [{ candidate: 'candidate:1 1 UDP 1 10.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 }], ufrag: 'uf1', revision: 1 });
    assert.equal(local.add(candidate('candidate:2 1 UDP 1 10.0.0.2 5000 typ host'))?.candidates.length, 2);
    const done = local.add(null);
    assert.equal(done?.candidates.length, 2);
    assert.equal(done?.revision, 3);
    assert.equal(done?.complete, true);
    assert.equal(local.add(null), null, 'complete only once');
    assert.equal(local.setUfrag('uf2'), null, 'an ICE restart starts a new, empty list');
  });

  it('sends empty lists to an ICE-lite server', () => {
    const local = new LocalCandidates();
    local.isIceLite = true;
    local.setUfrag('uf');
    assert.equal(local.add(candidate('candidate:1 1 UDP 1 10.0.0.1 5000 typ host')), null);
    assert.deepEqual(local.add(null), { candidates: [], ufrag: 'uf', revision: 1, complete: true });
  });

  it('reads the ufrag of an SDP', () => {
    assert.equal(getUfrag('v=0\r\na=ice-ufrag:Ab+/9\r\n'), 'Ab+/9');
    assert.equal(getUfrag(undefined), null);
  });
});
