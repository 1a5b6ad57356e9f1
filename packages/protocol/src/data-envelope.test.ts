import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEnvelope, encodeEnvelope, ENVELOPE_HEADER_BYTES, EnvelopeFlag, forReceivers, isRecipient, MAX_RECIPIENTS } from './data-envelope.js';

const payload = new Uint8Array([1, 2, 3, 250]);

test('round trip: flags, u32 sequence, recipients and payload bytes', () => {
  const e = { flags: EnvelopeFlag.FragmentStart | EnvelopeFlag.FragmentEnd, sequence: 0xfffffffe, recipients: [0, 7, 65535], payload };
  const bytes = encodeEnvelope(e);
  assert.equal(bytes.length, ENVELOPE_HEADER_BYTES + 6 + payload.length);
  const back = decodeEnvelope(bytes);
  assert.ok(typeof back !== 'string');
  assert.deepEqual({ ...back, payload: [...back.payload] }, { ...e, payload: [...payload] });
});

test('the receivers see no recipient list; the payload is identical', () => {
  const sent = decodeEnvelope(encodeEnvelope({ flags: 0, sequence: 42, recipients: [3, 4], payload }));
  assert.ok(typeof sent !== 'string');
  const received = decodeEnvelope(forReceivers(sent));
  assert.ok(typeof received !== 'string');
  assert.deepEqual(received.recipients, []);
  assert.equal(received.sequence, 42);
  assert.deepEqual([...received.payload], [...payload]);
});

test('no recipients means everyone; otherwise only those listed', () => {
  assert.ok(isRecipient({ recipients: [] }, 9));
  assert.ok(isRecipient({ recipients: [1, 9] }, 9));
  assert.ok(!isRecipient({ recipients: [1, 2] }, 9));
});

test('network input never throws: short, foreign, future version, too many recipients, truncated', () => {
  assert.equal(decodeEnvelope(new Uint8Array(3)), 'too-short');
  assert.equal(decodeEnvelope(new TextEncoder().encode('hello world')), 'not-an-envelope');
  const future = encodeEnvelope({ flags: 0, sequence: 1, recipients: [], payload });
  future[1] = 2;
  assert.equal(decodeEnvelope(future), 'unknown-version');
  const many = encodeEnvelope({ flags: 0, sequence: 1, recipients: [], payload });
  many[3] = MAX_RECIPIENTS + 1;
  assert.equal(decodeEnvelope(many), 'too-many-recipients');
  const cut = encodeEnvelope({ flags: 0, sequence: 1, recipients: [1, 2, 3], payload: new Uint8Array() }).subarray(0, ENVELOPE_HEADER_BYTES + 3);
  assert.equal(decodeEnvelope(cut), 'truncated');
});

test('the decoded payload is a view of the received bytes (no copy), also at an offset', () => {
  const inner = encodeEnvelope({ flags: 0, sequence: 5, recipients: [1], payload });
  const outer = new Uint8Array(inner.length + 10);
  outer.set(inner, 10);
  const e = decodeEnvelope(outer.subarray(10));
  assert.ok(typeof e !== 'string');
  assert.equal(e.sequence, 5);
  assert.equal(e.payload.buffer, outer.buffer);
});

test('encoding refuses what the wire cannot carry', () => {
  assert.throws(() => encodeEnvelope({ flags: 0, sequence: 2 ** 32, recipients: [], payload }), RangeError);
  assert.throws(() => encodeEnvelope({ flags: 0, sequence: 1, recipients: [70_000], payload }), RangeError);
  assert.throws(() => encodeEnvelope({ flags: 0, sequence: 1, recipients: Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) => i), payload }), RangeError);
});
