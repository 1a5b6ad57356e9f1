import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReceiptLedger } from './ReceiptLedger.js';

test('each owed receipt is taken once; others are refused', () => {
  const ledger = new ReceiptLedger();
  ledger.expect(7, [0, 1]);
  assert.equal(ledger.confirm(7, 2), false, 'not a recipient');
  assert.equal(ledger.confirm(8, 0), false, 'unknown sequence');
  assert.equal(ledger.confirm(7, 0), true);
  assert.equal(ledger.confirm(7, 0), false, 'duplicate');
  assert.equal(ledger.confirm(7, 1), true);
  assert.equal(ledger.size, 0, 'a fully confirmed message is forgotten');
});

test('nothing is awaited for a message that went to no confirming receiver', () => {
  const ledger = new ReceiptLedger();
  ledger.expect(1, []);
  assert.equal(ledger.size, 0);
});

test('bounded: the oldest sequences are forgotten first; a reused sequence starts over as the newest', () => {
  const ledger = new ReceiptLedger(3);
  for (const sequence of [1, 2, 3]) ledger.expect(sequence, [0]);
  ledger.expect(1, [5]); // sequence 1 again (wrap): now the newest, owed by 5 only
  ledger.expect(4, [0]); // evicts 2, the oldest
  assert.equal(ledger.size, 3);
  assert.equal(ledger.confirm(2, 0), false);
  assert.equal(ledger.confirm(1, 0), false);
  assert.equal(ledger.confirm(1, 5), true);
  assert.equal(ledger.confirm(3, 0), true);
  assert.equal(ledger.confirm(4, 0), true);
});
