import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnvelopeFlag, WHOLE_MESSAGE, type Envelope } from '@plaza/protocol';
import { FragmentGate } from './FragmentGate.js';

const { FragmentStart, FragmentEnd } = EnvelopeFlag;
const piece = (sequence: number, flags: number, bytes: number, total?: number): Envelope => ({
  flags,
  sequence,
  recipients: [],
  payload: new Uint8Array(bytes),
  total,
});

test('whole messages and fragmented ones within the cap pass', () => {
  const gate = new FragmentGate(10);
  assert.equal(gate.admit(piece(1, WHOLE_MESSAGE, 10)), 'forward');
  assert.deepEqual(
    [piece(2, FragmentStart, 4, 10), piece(2, 0, 4), piece(2, FragmentEnd, 2)].map((p) => gate.admit(p)),
    ['forward', 'forward', 'forward'],
  );
});

test('a whole message over the cap is rejected', () => {
  assert.equal(new FragmentGate(10).admit(piece(1, WHOLE_MESSAGE, 11)), 'reject');
});

test('a declared total over the cap is rejected at once, and the rest of the message is refused', () => {
  const gate = new FragmentGate(10);
  assert.deepEqual(
    [piece(1, FragmentStart, 1, 11), piece(1, 0, 1), piece(1, FragmentEnd, 1), piece(2, WHOLE_MESSAGE, 1)].map((p) => gate.admit(p)),
    ['reject', 'refused', 'refused', 'forward'],
  );
});

test('fragments adding up past their declared total are rejected where they pass it', () => {
  const gate = new FragmentGate(100);
  assert.deepEqual(
    [piece(1, FragmentStart, 4, 6), piece(1, 0, 4), piece(1, FragmentEnd, 4)].map((p) => gate.admit(p)),
    ['forward', 'reject', 'refused'],
  );
  assert.equal(gate.admit(piece(1, 0, 1)), 'orphan', 'the end closed it');
});

test('a fragment of no message in progress is an orphan; a whole message in between does not disturb one', () => {
  const gate = new FragmentGate(100);
  assert.equal(gate.admit(piece(1, FragmentEnd, 1)), 'orphan');
  assert.equal(gate.admit(piece(2, FragmentStart, 1, 3)), 'forward');
  assert.equal(gate.admit(piece(9, WHOLE_MESSAGE, 1)), 'forward');
  assert.equal(gate.admit(piece(3, 0, 1)), 'orphan', 'another sequence');
  assert.equal(gate.admit(piece(2, FragmentEnd, 2)), 'forward');
});
