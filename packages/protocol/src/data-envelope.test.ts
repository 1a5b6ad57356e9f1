import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ControlKind,
  decodeControl,
  decodeEnvelope,
  encodeControl,
  encodeEnvelope,
  ENVELOPE_HEADER_BYTES,
  EnvelopeFlag,
  forReceivers,
  isFirstFragment,
  isRecipient,
  MAX_RECIPIENTS,
  WHOLE_MESSAGE,
} from './data-envelope.js';

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

test('a first fragment carries the whole length; Previous carries the last sequence addressed to the receiver', () => {
  const first = decodeEnvelope(
    encodeEnvelope({ flags: EnvelopeFlag.FragmentStart, sequence: 5, recipients: [2], total: 16 * 1024 * 1024, payload }),
  );
  assert.ok(typeof first !== 'string');
  assert.equal(first.total, 16 * 1024 * 1024);
  assert.deepEqual([...first.payload], [...payload]);
  assert.ok(isFirstFragment(first.flags));
  assert.ok(!isFirstFragment(WHOLE_MESSAGE) && !isFirstFragment(EnvelopeFlag.FragmentEnd));

  const stamped = decodeEnvelope(forReceivers(first, { previous: 0xffffffff, replayed: true }));
  assert.ok(typeof stamped !== 'string');
  assert.equal(stamped.previous, 0xffffffff);
  assert.equal(stamped.total, 16 * 1024 * 1024);
  assert.ok(stamped.flags & EnvelopeFlag.Replayed);
  assert.deepEqual(stamped.recipients, []);
  assert.deepEqual([...stamped.payload], [...payload]);
  // Without `previous`, a stale Previous flag is cleared rather than written without its field.
  const plain = decodeEnvelope(forReceivers({ ...stamped, flags: stamped.flags }));
  assert.ok(typeof plain !== 'string');
  assert.equal(plain.previous, undefined);
  assert.equal(plain.flags & EnvelopeFlag.Previous, 0);

  const cut = encodeEnvelope({ flags: EnvelopeFlag.FragmentStart, sequence: 5, recipients: [], total: 9, payload: new Uint8Array(0) });
  assert.equal(decodeEnvelope(cut.subarray(0, cut.length - 1)), 'truncated');
  assert.throws(() => encodeEnvelope({ flags: EnvelopeFlag.FragmentStart, sequence: 1, recipients: [], payload }), RangeError);
});

test('control notices round trip; malformed ones decode to null', () => {
  const receiptUp = decodeEnvelope(encodeControl({ kind: ControlKind.Receipt, sequence: 9, from: null }));
  assert.ok(typeof receiptUp !== 'string');
  assert.deepEqual(decodeControl(receiptUp), { kind: ControlKind.Receipt, sequence: 9, from: null });
  const receiptDown = decodeEnvelope(encodeControl({ kind: ControlKind.Receipt, sequence: 9, from: 4 }));
  assert.ok(typeof receiptDown !== 'string');
  assert.deepEqual(decodeControl(receiptDown), { kind: ControlKind.Receipt, sequence: 9, from: 4 });

  const routed = { kind: ControlKind.Routed, sequence: 0xfffffffe, confirming: [1, 300], unconfirming: [7] } as const;
  const routedBack = decodeEnvelope(encodeControl({ ...routed, confirming: [...routed.confirming], unconfirming: [...routed.unconfirming] }));
  assert.ok(typeof routedBack !== 'string');
  assert.deepEqual(decodeControl(routedBack), routed);

  const rejected = decodeEnvelope(encodeControl({ kind: ControlKind.Rejected, sequence: 3, code: 53306 }));
  assert.ok(typeof rejected !== 'string');
  assert.deepEqual(decodeControl(rejected), { kind: ControlKind.Rejected, sequence: 3, code: 53306 });

  const end = decodeEnvelope(encodeControl({ kind: ControlKind.End, sequence: 77 }));
  assert.ok(typeof end !== 'string');
  assert.deepEqual(decodeControl(end), { kind: ControlKind.End, sequence: 77 });
  for (const kind of [ControlKind.Pause, ControlKind.Resume, ControlKind.Received, ControlKind.Rewind]) {
    const flow = decodeEnvelope(encodeControl({ kind, sequence: 0 }));
    assert.ok(typeof flow !== 'string');
    assert.deepEqual(decodeControl(flow), { kind, sequence: 0 });
  }

  const notControl = decodeEnvelope(encodeEnvelope({ flags: WHOLE_MESSAGE, sequence: 1, recipients: [], payload: Uint8Array.of(1) }));
  assert.ok(typeof notControl !== 'string');
  assert.equal(decodeControl(notControl), null);
  const unknownKind = decodeEnvelope(encodeEnvelope({ flags: EnvelopeFlag.Control, sequence: 1, recipients: [], payload: Uint8Array.of(99) }));
  assert.ok(typeof unknownKind !== 'string');
  assert.equal(decodeControl(unknownKind), null);
  const oddRouted = decodeEnvelope(encodeEnvelope({ flags: EnvelopeFlag.Control, sequence: 1, recipients: [], payload: Uint8Array.of(2, 0, 5, 1) }));
  assert.ok(typeof oddRouted !== 'string');
  assert.equal(decodeControl(oddRouted), null);
});
