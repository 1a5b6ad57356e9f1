import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEnvelope, EnvelopeFlag, WHOLE_MESSAGE, type Envelope } from '@plaza/protocol';
import { MAX_RETAINED_BYTES, RetentionBudget, SessionRetention } from './SessionRetention.js';

const message = (sequence: number, fields: Partial<Envelope> = {}): Envelope => ({
  flags: WHOLE_MESSAGE,
  sequence,
  recipients: [],
  payload: Buffer.from(`m${sequence}`),
  ...fields,
});

test('keeps the newest N broadcasts; the replayed envelope is flagged Replayed and the bare form is the payload', () => {
  const retention = new SessionRetention(2);
  for (const sequence of [1, 2, 3]) retention.offer(message(sequence));
  assert.deepEqual(retention.entries().map((m) => m.sequence), [2, 3]);
  const [first] = retention.entries();
  const replayed = decodeEnvelope(first!.enveloped);
  assert.ok(typeof replayed !== 'string');
  assert.equal(replayed.flags, WHOLE_MESSAGE | EnvelopeFlag.Replayed);
  assert.equal(first!.bare.toString(), 'm2');
});

test('keeps neither addressed messages, fragments nor notices; drops a receipt request', () => {
  const retention = new SessionRetention(8);
  retention.offer(message(1, { recipients: [3] }));
  retention.offer(message(2, { flags: EnvelopeFlag.FragmentStart, total: 10 }));
  retention.offer(message(3, { flags: EnvelopeFlag.FragmentEnd }));
  retention.offer(message(4, { flags: WHOLE_MESSAGE | EnvelopeFlag.Control }));
  retention.offer(message(5, { flags: WHOLE_MESSAGE | EnvelopeFlag.ReceiptRequested }));
  assert.deepEqual(retention.entries().map((m) => m.sequence), [5]);
  assert.equal(retention.entries()[0]!.enveloped[2]! & EnvelopeFlag.ReceiptRequested, 0);
});

test('a copy is kept: later changes to the incoming buffer do not reach the retained message', () => {
  const retention = new SessionRetention(1);
  const payload = Buffer.from('state');
  retention.offer(message(1, { payload }));
  payload.fill(0);
  assert.equal(retention.entries()[0]!.bare.toString(), 'state');
});

test('bounded by bytes: oldest first; one message over the bound keeps nothing', () => {
  const retention = new SessionRetention(64, 100);
  for (const sequence of [1, 2, 3]) retention.offer(message(sequence, { payload: Buffer.alloc(40) }));
  assert.deepEqual(retention.entries().map((m) => m.sequence), [2, 3], 'each takes 48 bytes with its header');
  assert.equal(retention.retainedBytes, 96);
  retention.offer(message(4, { payload: Buffer.alloc(101) }));
  assert.deepEqual(retention.entries(), []);
  assert.equal(retention.retainedBytes, 0);
  assert.equal(MAX_RETAINED_BYTES, 1024 * 1024);
});

test("one participant's sessions share a budget: past it the offering session keeps less (its own oldest go), and a closed session gives its bytes back", () => {
  const budget = new RetentionBudget(250);
  const first = new SessionRetention(10, MAX_RETAINED_BYTES, budget);
  const second = new SessionRetention(10, MAX_RETAINED_BYTES, budget);
  const hundred = (sequence: number) => message(sequence, { payload: new Uint8Array(100) });
  first.offer(hundred(0));
  first.offer(hundred(1));
  assert.equal(first.entries().length, 2);
  second.offer(hundred(0)); // over 250 with its ~108 bytes: second's own oldest (this one) goes
  assert.equal(second.entries().length, 0);
  assert.ok(budget.used <= budget.limit);
  first.clear();
  assert.equal(budget.used, 0);
  second.offer(hundred(1));
  assert.equal(second.entries().length, 1);
});
