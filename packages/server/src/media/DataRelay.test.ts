/**
 * DataChannel session routing in the relay, over stand-in node-datachannel channels (the native
 * boundary) that record what would go to the network. The end-to-end path with real peers is in
 * test/data-channel.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataChannel } from 'node-datachannel';
import { pino } from 'pino';
import {
  ControlKind,
  decodeControl,
  decodeEnvelope,
  encodeControl,
  encodeEnvelope,
  EnvelopeFlag,
  WHOLE_MESSAGE,
  type Control,
  type Envelope,
} from '@plaza/protocol';
import { DataRelay, LEG_WINDOW, type DataRelayOptions } from './DataRelay.js';
import { MAX_RETAINED_BYTES } from './SessionRetention.js';

class FakeChannel {
  sent: Array<string | Buffer> = [];
  private onMessageCb: ((m: string | Buffer) => void) | null = null;
  private onOpenCb: (() => void) | null = null;
  onMessage = (cb: (m: string | Buffer) => void) => void (this.onMessageCb = cb);
  onOpen = (cb: () => void) => void (this.onOpenCb = cb);
  private onClosedCb: (() => void) | null = null;
  onClosed = (cb: () => void) => void (this.onClosedCb = cb);
  /** The channel closed from the other side (or with its transport). */
  remoteClose(): void {
    this.onClosedCb?.();
  }
  onError = () => undefined;
  private onLowCb: (() => void) | null = null;
  onBufferedAmountLow = (cb: () => void) => void (this.onLowCb = cb);
  setBufferedAmountLowThreshold = () => undefined;
  bufferedAmount = () => 0;
  isOpen = () => true;
  closedByRelay = false;
  close = () => void (this.closedByRelay = true);
  /** The channel's buffer drained: 'bufferedAmountLow'. */
  low(): void {
    this.onLowCb?.();
  }
  sendMessage = (m: string) => (this.sent.push(m), true);
  sendMessageBinary = (m: Buffer) => (this.sent.push(Buffer.from(m)), true);
  deliver(m: string | Buffer): void {
    this.onMessageCb?.(m);
  }
  open(): void {
    this.onOpenCb?.();
  }
}

const log = pino({ level: 'silent' });
const payload = Buffer.from('secret for bob');

const durable = { ordered: true, maxPacketLifeTime: null, maxRetransmits: null };
const lossy = { ordered: false, maxPacketLifeTime: null, maxRetransmits: 0 };

function session(options: Partial<DataRelayOptions> = {}) {
  const source = new FakeChannel();
  const relay = new DataRelay(source as unknown as DataChannel, {
    reliability: durable,
    session: true,
    queueLimitBytes: 1 << 20,
    log,
    onOverflow: () => undefined,
    ...options,
  });
  const legs = { alice: new FakeChannel(), bob: new FakeChannel(), sdk: new FakeChannel() };
  relay.addSubscriber('alice', legs.alice as unknown as DataChannel, { index: 0, envelopes: true });
  relay.addSubscriber('bob', legs.bob as unknown as DataChannel, { index: 1, envelopes: true });
  relay.addSubscriber('sdk', legs.sdk as unknown as DataChannel, { index: 2, envelopes: false });
  for (const leg of Object.values(legs)) leg.open();
  return { source, relay, legs };
}

test('a message goes only to the recipients it names; the others get nothing', () => {
  const { source, legs } = session();
  source.deliver(Buffer.from(encodeEnvelope({ flags: 3, sequence: 9, recipients: [1], payload })));
  assert.equal(legs.alice.sent.length, 0);
  assert.equal(legs.sdk.sent.length, 0);
  assert.equal(legs.bob.sent.length, 1);
  const got = decodeEnvelope(legs.bob.sent[0] as Buffer);
  assert.ok(typeof got !== 'string');
  assert.deepEqual([got.sequence, got.recipients, Buffer.from(got.payload).toString()], [9, [], 'secret for bob']);
});

test('no recipients named: everyone; the official SDK gets the bare payload, Plaza clients the envelope', () => {
  const { source, legs } = session();
  source.deliver(Buffer.from(encodeEnvelope({ flags: 3, sequence: 1, recipients: [], payload })));
  assert.deepEqual(legs.sdk.sent, [payload], 'no envelope byte reaches the SDK');
  for (const leg of [legs.alice, legs.bob]) {
    const got = decodeEnvelope(leg.sent[0] as Buffer);
    assert.ok(typeof got !== 'string' && got.sequence === 1);
  }
});

test('strings and malformed envelopes on a session channel are dropped and counted', () => {
  const { source, relay, legs } = session();
  source.deliver('plain text');
  source.deliver(Buffer.from('not an envelope'));
  source.deliver(Buffer.from([0x50, 1, 3, 200, 0, 0, 0, 1])); // claims 200 recipients
  assert.equal(relay.invalidMessages, 3);
  assert.equal(legs.alice.sent.length + legs.bob.sent.length + legs.sdk.sent.length, 0);
});

test('a plain DataTrack relays everything to everyone, unchanged', () => {
  const source = new FakeChannel();
  const relay = new DataRelay(source as unknown as DataChannel, {
    reliability: { ordered: true, maxPacketLifeTime: null, maxRetransmits: null },
    queueLimitBytes: 1 << 20,
    log,
    onOverflow: () => undefined,
  });
  const leg = new FakeChannel();
  relay.addSubscriber('x', leg as unknown as DataChannel);
  leg.open();
  source.deliver('hello');
  source.deliver(payload);
  assert.deepEqual(leg.sent, ['hello', payload]);
});

// --- helpers for the session features below ---

const { FragmentStart, FragmentEnd, ReceiptRequested, Previous, Replayed } = EnvelopeFlag;

/** What the publisher sends: an envelope, as node-datachannel hands it over. */
function msg(sequence: number, fields: Partial<Envelope> & { text?: string } = {}): Buffer {
  const { text = `m${sequence}`, ...rest } = fields;
  return Buffer.from(encodeEnvelope({ flags: WHOLE_MESSAGE, sequence, recipients: [], payload: Buffer.from(text), ...rest }));
}

function envelopes(channel: FakeChannel): Envelope[] {
  return channel.sent.map((bytes) => {
    const e = decodeEnvelope(bytes as Buffer);
    assert.ok(typeof e !== 'string', `not an envelope: ${e as string}`);
    return e;
  });
}

/** The notices the publisher got back on its own channel (without the Received byte counts: allNotices has them). */
function notices(source: FakeChannel): Control[] {
  return allNotices(source).filter((n) => n.kind !== ControlKind.Received);
}

function allNotices(source: FakeChannel): Control[] {
  return envelopes(source).map((e) => {
    const control = decodeControl(e);
    assert.ok(control);
    return control;
  });
}

const receipt = (sequence: number) => Buffer.from(encodeControl({ kind: ControlKind.Receipt, sequence, from: null }));

/** A 3-fragment message of `text` (split in thirds) with the given flags on every fragment. */
function fragmented(sequence: number, text: string, options: { recipients?: number[]; extraFlags?: number; total?: number } = {}): Buffer[] {
  const { recipients = [], extraFlags = 0, total = text.length } = options;
  const third = Math.ceil(text.length / 3);
  const parts = [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)];
  const flags = [FragmentStart, 0, FragmentEnd];
  return parts.map((part, i) =>
    Buffer.from(encodeEnvelope({ flags: flags[i]! | extraFlags, sequence, recipients, payload: Buffer.from(part), total: i === 0 ? total : undefined })),
  );
}

// --- fragments and the size cap ---

test('official-SDK legs never get a fragment, only whole messages; Plaza legs get every fragment with the total', () => {
  const { source, relay, legs } = session();
  for (const part of fragmented(4, 'a message in three pieces')) source.deliver(part);
  source.deliver(msg(5));
  assert.deepEqual(legs.sdk.sent.map(String), ['m5'], 'the SDK only gets the whole message');
  assert.equal(relay.skippedFragments, 3);
  for (const leg of [legs.alice, legs.bob]) {
    const got = envelopes(leg);
    assert.deepEqual(
      got.map((e) => [e.sequence, e.flags & WHOLE_MESSAGE, e.total]),
      [
        [4, FragmentStart, 25],
        [4, 0, undefined],
        [4, FragmentEnd, undefined],
        [5, WHOLE_MESSAGE, undefined],
      ],
    );
    assert.equal(got.slice(0, 3).map((e) => Buffer.from(e.payload).toString()).join(''), 'a message in three pieces');
  }
});

test('each fragment is routed by its own recipient list', () => {
  const { source, legs } = session();
  for (const part of fragmented(1, 'for bob only', { recipients: [1] })) source.deliver(part);
  assert.equal(legs.alice.sent.length, 0);
  assert.equal(legs.bob.sent.length, 3);
});

test('a leg that subscribes in the middle of a fragmented message gets none of the rest of it', () => {
  const { source, relay, legs } = session();
  const [first, middle, last] = fragmented(1, 'started before carol came');
  source.deliver(first!);
  const carol = new FakeChannel();
  relay.addSubscriber('carol', carol as unknown as DataChannel, { index: 3, envelopes: true });
  carol.open();
  source.deliver(middle!);
  source.deliver(last!);
  source.deliver(msg(2));
  assert.deepEqual(envelopes(carol).map((e) => e.sequence), [2]);
  assert.equal(legs.alice.sent.length, 4);
});

test('a first fragment whose total is over the cap: nothing of it is forwarded, the publisher gets Rejected 53306, the next message flows', () => {
  const { source, relay, legs } = session({ maxMessageBytes: 10 });
  for (const part of fragmented(7, 'twelve bytes')) source.deliver(part);
  source.deliver(msg(8));
  for (const leg of [legs.alice, legs.bob]) assert.deepEqual(envelopes(leg).map((e) => e.sequence), [8], 'only the next message arrives');
  assert.deepEqual(legs.sdk.sent.map(String), ['m8']);
  assert.deepEqual(notices(source), [{ kind: ControlKind.Rejected, sequence: 7, code: 53306 }]);
  assert.equal(relay.rejectedMessages, 1);
  assert.equal(relay.invalidMessages, 0, 'the rest of a refused message is not malformed');
});

test('fragments adding up to more than the declared total: the rest is cut off and the publisher gets Rejected', () => {
  const { source, legs } = session();
  const [first, middle, last] = fragmented(3, 'longer than it says', { total: 8 });
  source.deliver(first!); // 7 bytes of the 8 declared: forwarded
  source.deliver(middle!); // 14 > 8: refused from here on
  source.deliver(last!);
  assert.deepEqual(envelopes(legs.alice).map((e) => e.flags & WHOLE_MESSAGE), [FragmentStart]);
  assert.deepEqual(notices(source), [{ kind: ControlKind.Rejected, sequence: 3, code: 53306 }]);
});

test('a whole message over the cap is refused; a fragment of no message in progress is dropped as malformed', () => {
  const { source, relay, legs } = session({ maxMessageBytes: 4 });
  source.deliver(msg(1, { text: 'too big' }));
  source.deliver(msg(2, { flags: FragmentEnd, text: 'end' }));
  assert.equal(legs.alice.sent.length + legs.sdk.sent.length, 0);
  assert.deepEqual(notices(source), [{ kind: ControlKind.Rejected, sequence: 1, code: 53306 }]);
  assert.equal(relay.invalidMessages, 1);
});

test('a Control envelope from the publisher is not forwarded (notices come from the server only)', () => {
  const { source, relay, legs } = session();
  source.deliver(Buffer.from(encodeControl({ kind: ControlKind.Receipt, sequence: 1, from: 0 })));
  assert.equal(legs.alice.sent.length + legs.bob.sent.length + legs.sdk.sent.length, 0);
  assert.equal(relay.invalidMessages, 1);
});

test("the publisher's End is answered with End once everything before it was routed; no other notice from it is", () => {
  const { source, legs } = session();
  source.deliver(msg(0));
  source.deliver(Buffer.from(encodeControl({ kind: ControlKind.End, sequence: 1 })));
  assert.deepEqual(notices(source), [{ kind: ControlKind.End, sequence: 1 }]);
  assert.equal(legs.alice.sent.length, 1); // the message, not the notice
});

test('closing a session relay: each Plaza leg gets End behind its last message and closes when it answers End; the SDK leg closes at once', () => {
  const { source, relay, legs } = session();
  let buffered = 0;
  legs.alice.bufferedAmount = () => buffered;
  buffered = 1 << 30; // alice's channel is full: her messages queue in the relay
  source.deliver(msg(0));
  source.deliver(msg(1));
  relay.close();
  assert.equal(legs.sdk.closedByRelay, true);
  assert.equal(legs.sdk.sent.length, 2); // the official SDK never sees a notice
  assert.deepEqual(envelopes(legs.bob).map((e) => decodeControl(e)?.kind ?? e.sequence), [0, 1, ControlKind.End]);
  assert.equal(legs.bob.closedByRelay, false); // until bob says he has it all
  legs.bob.deliver(Buffer.from(encodeControl({ kind: ControlKind.End, sequence: 0 })));
  assert.equal(legs.bob.closedByRelay, true);
  buffered = 0;
  legs.alice.low();
  assert.deepEqual(envelopes(legs.alice).map((e) => decodeControl(e)?.kind ?? e.sequence), [0, 1, ControlKind.End]);
  assert.equal(legs.alice.closedByRelay, false);
  legs.alice.deliver(Buffer.from(encodeControl({ kind: ControlKind.End, sequence: 0 })));
  assert.equal(legs.alice.closedByRelay, true);
});

test('durable sessions: the publisher is paused while a recipient queues over 1 MiB, resumed once all are under 256 KiB', () => {
  const { source, relay, legs } = session({ queueLimitBytes: 4 << 20 });
  let buffered = 1 << 30; // bob's channel is full: his messages queue in the relay
  legs.bob.bufferedAmount = () => buffered;
  const chunk = (sequence: number) => msg(sequence, { text: 'x'.repeat(300 * 1024) });
  for (let i = 0; i < 3; i++) source.deliver(chunk(i));
  assert.deepEqual(notices(source), []); // 900 KiB queued: not yet
  source.deliver(chunk(3));
  assert.deepEqual(notices(source), [{ kind: ControlKind.Pause, sequence: 0 }]);
  source.deliver(chunk(4)); // in flight before the pause arrived: still taken, no second Pause
  assert.equal(notices(source).length, 1);
  buffered = 0;
  legs.bob.low();
  assert.deepEqual(notices(source).at(-1), { kind: ControlKind.Resume, sequence: 0 });
  assert.equal(envelopes(legs.bob).length, 5); // nobody was dropped
  relay.close();
});

test('durable sessions: the publisher hears the data bytes received every 64 KiB (its window); lossy sessions never', () => {
  const { source } = session();
  const chunk = msg(0, { text: 'x'.repeat(40 * 1024) });
  source.deliver(chunk);
  assert.deepEqual(allNotices(source), []); // 40 KiB: not yet
  source.deliver(Buffer.from('a string is not counted, the sender does not count it either'));
  source.deliver(chunk);
  assert.deepEqual(allNotices(source), [{ kind: ControlKind.Received, sequence: 2 * chunk.length }]);

  const lossySession = session({ reliability: lossy });
  for (let i = 0; i < 4; i++) lossySession.source.deliver(chunk);
  assert.deepEqual(allNotices(lossySession.source), []);
});

test('a pause that lasts too long ends the recipient that holds it, and the publisher resumes', async () => {
  const source = new FakeChannel();
  const overflowed: string[] = [];
  const relay = new DataRelay(source as unknown as DataChannel, {
    reliability: durable,
    session: true,
    queueLimitBytes: 8 << 20,
    log,
    onOverflow: (key) => overflowed.push(key),
    maxPauseMs: 20,
  });
  const stuck = new FakeChannel();
  const fine = new FakeChannel();
  relay.addSubscriber('stuck', stuck as unknown as DataChannel, { index: 0, envelopes: true });
  relay.addSubscriber('fine', fine as unknown as DataChannel, { index: 1, envelopes: true });
  stuck.open();
  fine.open();
  stuck.bufferedAmount = () => 1 << 30;
  for (let i = 0; i < 4; i++) source.deliver(msg(i, { text: 'x'.repeat(300 * 1024) }));
  await new Promise<void>((resolve) => {
    const poll = () => (overflowed.length > 0 ? resolve() : setImmediate(poll));
    poll();
  });
  assert.deepEqual(overflowed, ['stuck']);
  assert.deepEqual(notices(source).map((n) => n.kind), [ControlKind.Pause, ControlKind.Resume]);
  assert.equal(envelopes(fine).length, 4);
  relay.close();
});

test('the Rejected notice is skipped quietly when the publisher channel is closed or throws', () => {
  const { source, legs } = session({ maxMessageBytes: 1 });
  source.isOpen = () => false;
  source.deliver(msg(1));
  source.isOpen = () => true;
  source.sendMessageBinary = () => {
    throw new Error('closed');
  };
  source.deliver(msg(2));
  source.deliver(msg(3, { text: 'x' }));
  assert.equal(legs.alice.sent.length, 1, 'the relay keeps going');
});

// --- receipts ---

test('Routed names the Plaza recipients as confirming and the SDK ones as unconfirming, only when asked', () => {
  const { source } = session();
  source.deliver(msg(1)); // no ReceiptRequested: no notice
  source.deliver(msg(2, { flags: WHOLE_MESSAGE | ReceiptRequested }));
  source.deliver(msg(3, { flags: WHOLE_MESSAGE | ReceiptRequested, recipients: [1, 2] }));
  assert.deepEqual(notices(source), [
    { kind: ControlKind.Routed, sequence: 2, confirming: [0, 1], unconfirming: [2] },
    { kind: ControlKind.Routed, sequence: 3, confirming: [1], unconfirming: [2] },
  ]);
});

test('a fragmented message gets Routed once, after its last fragment, without the SDK legs that did not get it', () => {
  const { source, legs } = session();
  const parts = fragmented(6, 'receipt for the whole', { extraFlags: ReceiptRequested });
  source.deliver(parts[0]!);
  source.deliver(parts[1]!);
  assert.equal(source.sent.length, 0, 'nothing before the last fragment');
  source.deliver(parts[2]!);
  assert.deepEqual(notices(source), [{ kind: ControlKind.Routed, sequence: 6, confirming: [0, 1], unconfirming: [] }]);
  assert.equal(legs.alice.sent.length, 3);
});

test("a receiver's Receipt reaches the publisher with that leg's index, whatever the bytes claim", () => {
  const { source, legs } = session();
  source.deliver(msg(2, { flags: WHOLE_MESSAGE | ReceiptRequested }));
  legs.bob.deliver(Buffer.from(encodeControl({ kind: ControlKind.Receipt, sequence: 2, from: 0 }))); // claims alice
  legs.alice.deliver(receipt(2));
  assert.deepEqual(notices(source).slice(1), [
    { kind: ControlKind.Receipt, sequence: 2, from: 1 },
    { kind: ControlKind.Receipt, sequence: 2, from: 0 },
  ]);
});

test('a receipt for an unknown sequence, a duplicate, one from a non-recipient or malformed upstream bytes are ignored', () => {
  const { source, relay, legs } = session();
  source.deliver(msg(2, { flags: WHOLE_MESSAGE | ReceiptRequested, recipients: [1] }));
  source.deliver(msg(3)); // routed without ReceiptRequested
  legs.bob.deliver(receipt(2));
  legs.bob.deliver(receipt(2)); // duplicate
  legs.alice.deliver(receipt(2)); // alice was not a recipient
  legs.bob.deliver(receipt(3)); // no receipt was asked for
  legs.bob.deliver(receipt(99)); // unknown
  legs.bob.deliver('receipt please');
  legs.bob.deliver(Buffer.from([0x50, 1]));
  legs.bob.deliver(Buffer.from(encodeControl({ kind: ControlKind.Rejected, sequence: 2, code: 1 })));
  assert.deepEqual(notices(source).slice(1), [{ kind: ControlKind.Receipt, sequence: 2, from: 1 }]);
  assert.equal(relay.ignoredUpstream, 7);
});

test('a plain DataTrack still ignores upstream messages on its legs', () => {
  const source = new FakeChannel();
  const relay = new DataRelay(source as unknown as DataChannel, { reliability: durable, queueLimitBytes: 1 << 20, log, onOverflow: () => undefined });
  const leg = new FakeChannel();
  relay.addSubscriber('x', leg as unknown as DataChannel);
  leg.deliver(receipt(1));
  assert.equal(source.sent.length, 0);
  assert.equal(relay.ignoredUpstream, 0);
});

// --- Previous on lossy sessions ---

function previousOf(leg: FakeChannel): Array<[number, number | undefined]> {
  return envelopes(leg).map((e) => [e.sequence, (e.flags & Previous) !== 0 ? e.previous : undefined]);
}

test('lossy: previous is the last message addressed to that receiver, so messages for others are not losses', () => {
  const { source, legs } = session({ reliability: lossy });
  source.deliver(msg(0, { recipients: [1] }));
  source.deliver(msg(1, { recipients: [0] }));
  source.deliver(msg(2, { recipients: [1] }));
  assert.deepEqual(previousOf(legs.bob), [
    [0, undefined],
    [2, 0],
  ]);
  assert.deepEqual(previousOf(legs.alice), [[1, undefined]], 'a first message carries no previous');
});

test('lossy: a hole upstream stamps the sequence before the message; a message dropped under backpressure still counts as addressed', () => {
  const { source, legs } = session({ reliability: lossy });
  source.deliver(msg(3));
  source.deliver(msg(5)); // 4 never reached the server
  let buffered = 0;
  legs.alice.bufferedAmount = () => buffered;
  buffered = 1 << 30;
  source.deliver(msg(6)); // dropped for alice
  buffered = 0;
  source.deliver(msg(7));
  assert.deepEqual(previousOf(legs.alice), [
    [3, undefined],
    [5, 4],
    [7, 6],
  ]);
  assert.deepEqual(previousOf(legs.bob).at(-1), [7, 6]);
});

test('durable sessions never stamp previous', () => {
  const { source, legs } = session();
  source.deliver(msg(0, { recipients: [1] }));
  source.deliver(msg(1, { recipients: [0] }));
  source.deliver(msg(5, { recipients: [1] }));
  assert.ok(envelopes(legs.bob).every((e) => (e.flags & Previous) === 0 && e.previous === undefined));
});

// --- retention ---

test('retention: a late subscriber first gets the last N broadcasts, flagged Replayed, in order, then live ones', () => {
  const { source, relay } = session({ retain: 2 });
  source.deliver(msg(1));
  source.deliver(msg(2));
  source.deliver(msg(3, { flags: WHOLE_MESSAGE | ReceiptRequested }));
  source.deliver(msg(4, { recipients: [0] })); // addressed: not retained
  for (const part of fragmented(5, 'fragments are not retained')) source.deliver(part);
  const carol = new FakeChannel();
  relay.addSubscriber('carol', carol as unknown as DataChannel, { index: 3, envelopes: true });
  source.deliver(msg(6)); // before carol's channel opens: queued behind the replay
  carol.open();
  source.deliver(msg(7));
  const got = envelopes(carol);
  assert.deepEqual(
    got.map((e) => [e.sequence, (e.flags & Replayed) !== 0]),
    [
      [2, true],
      [3, true],
      [6, false],
      [7, false],
    ],
  );
  assert.equal(got[1]!.flags & ReceiptRequested, 0, 'a late subscriber is not asked for a receipt');
  assert.deepEqual(got.map((e) => Buffer.from(e.payload).toString()), ['m2', 'm3', 'm6', 'm7']);
});

test('retention: an official-SDK late subscriber gets the bare payloads', () => {
  const { source, relay } = session({ retain: 3 });
  source.deliver(msg(1));
  source.deliver(msg(2));
  const late = new FakeChannel();
  relay.addSubscriber('late', late as unknown as DataChannel, { index: 4, envelopes: false });
  late.open();
  assert.deepEqual(late.sent.map(String), ['m1', 'm2']);
});

test('retention: bounded by bytes, oldest dropped first; a message bigger than the bound is not kept (nor anything older)', () => {
  const { source, relay } = session({ retain: 64, queueLimitBytes: 4 << 20 });
  const big = 'x'.repeat(MAX_RETAINED_BYTES / 2);
  source.deliver(msg(1, { text: big }));
  source.deliver(msg(2, { text: big }));
  source.deliver(msg(3, { text: 'small' }));
  const late = () => {
    const channel = new FakeChannel();
    relay.addSubscriber(`late${Math.random()}`, channel as unknown as DataChannel, { index: 9, envelopes: true });
    channel.open();
    return envelopes(channel).map((e) => e.sequence);
  };
  assert.deepEqual(late(), [2, 3], 'two halves plus headers do not fit: the oldest went');
  source.deliver(msg(4, { text: 'y'.repeat(MAX_RETAINED_BYTES) }));
  assert.deepEqual(late(), []);
  source.deliver(msg(5));
  assert.deepEqual(late(), [5]);
});

test('retention on a lossy session: the first live message names the last replayed one as previous', () => {
  const { source, relay } = session({ reliability: lossy, retain: 1 });
  source.deliver(msg(1));
  source.deliver(msg(2));
  const late = new FakeChannel();
  relay.addSubscriber('late', late as unknown as DataChannel, { index: 5, envelopes: true });
  late.open();
  source.deliver(msg(3));
  assert.deepEqual(previousOf(late), [
    [2, undefined],
    [3, 2],
  ]);
});

// Transport replacement (Plaza's ICE restart): the relay takes the participant's new channels.

const message = (sequence: number, size = 100) => Buffer.from(encodeEnvelope({ flags: WHOLE_MESSAGE, sequence, recipients: [], payload: Buffer.alloc(size, sequence) }));
const upstream = (control: Control) => Buffer.from(encodeControl(control));
const sequencesOf = (sent: Array<string | Buffer>) => sent.map((m) => (decodeEnvelope(m as Buffer) as Envelope).sequence);

test("subscriber side: on its new channel a Plaza leg waits for the receiver's Rewind, sends again exactly what followed, then goes on", () => {
  const { source, relay, legs } = session();
  for (let i = 0; i < 3; i++) source.deliver(message(i));
  const [first, second] = legs.bob.sent as Buffer[];
  legs.bob.deliver(upstream({ kind: ControlKind.Received, sequence: first!.length })); // bob acknowledged message 0
  legs.bob.remoteClose(); // its transport died

  const next = new FakeChannel();
  assert.equal(relay.rebindSubscriber('bob', next as unknown as DataChannel), true);
  source.deliver(message(3));
  next.open();
  assert.deepEqual(next.sent, [], 'nothing before the Rewind');
  // Bob had messages 0 and 1 when the old transport died.
  next.deliver(upstream({ kind: ControlKind.Rewind, sequence: first!.length + second!.length }));
  assert.deepEqual(sequencesOf(next.sent), [2, 3]);
  source.deliver(message(4));
  assert.deepEqual(sequencesOf(next.sent), [2, 3, 4]);
  assert.deepEqual(sequencesOf(legs.alice.sent), [0, 1, 2, 3, 4], 'the others never noticed');
});

test('a Plaza leg sends at most LEG_WINDOW beyond what its receiver acknowledged; acknowledgements let the rest go', () => {
  const { source, legs } = session({ queueLimitBytes: 16 * 1024 * 1024 });
  const size = 256 * 1024;
  const count = (LEG_WINDOW / size) * 2;
  for (let i = 0; i < count; i++) source.deliver(message(i, size));
  const bytesSent = (sent: Array<string | Buffer>) => sent.reduce((n, m) => n + m.length, 0);
  assert.ok(bytesSent(legs.bob.sent) <= LEG_WINDOW + size, 'no further ahead than the window');
  assert.ok(legs.bob.sent.length < count);
  assert.equal(legs.sdk.sent.length, count, 'official-SDK legs cannot acknowledge: no window');
  legs.bob.deliver(upstream({ kind: ControlKind.Received, sequence: bytesSent(legs.bob.sent) }));
  legs.bob.deliver(upstream({ kind: ControlKind.Received, sequence: bytesSent(legs.bob.sent) }));
  assert.deepEqual(sequencesOf(legs.bob.sent), [...Array(count).keys()], 'all of it, in order, once acknowledged');
});

test("publisher side: the new channel hears Rewind with the session bytes received; the old channel's last words are ignored", () => {
  const { source, relay, legs } = session();
  const sizes = [message(0).length, message(1).length];
  source.deliver(message(0));
  source.deliver(message(1));
  const next = new FakeChannel();
  relay.rebindSource(next as unknown as DataChannel);
  assert.deepEqual(next.sent.map((m) => decodeControl(decodeEnvelope(m as Buffer) as Envelope)), [{ kind: ControlKind.Rewind, sequence: sizes[0]! + sizes[1]! }]);
  source.deliver(message(2)); // the dead channel
  next.deliver(message(2));
  assert.deepEqual(sequencesOf(legs.bob.sent), [0, 1, 2]);
});

test("a Plaza leg outlives its channel's close (its transport may be replaced); an official-SDK leg does not", () => {
  const { relay, legs } = session();
  legs.alice.remoteClose();
  legs.sdk.remoteClose();
  assert.equal(relay.subscriberCount, 2);
  assert.equal(relay.rebindSubscriber('sdk', new FakeChannel() as unknown as DataChannel), false);
  assert.equal(relay.rebindSubscriber('alice', new FakeChannel() as unknown as DataChannel), true);
});
