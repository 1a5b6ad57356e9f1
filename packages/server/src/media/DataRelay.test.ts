/**
 * DataChannel session routing in the relay, over stand-in node-datachannel channels (the native
 * boundary) that record what would go to the network. The end-to-end path with real peers is in
 * test/data-channel.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataChannel } from 'node-datachannel';
import { pino } from 'pino';
import { decodeEnvelope, encodeEnvelope } from '@plaza/protocol';
import { DataRelay } from './DataRelay.js';

class FakeChannel {
  sent: Array<string | Buffer> = [];
  private onMessageCb: ((m: string | Buffer) => void) | null = null;
  private onOpenCb: (() => void) | null = null;
  onMessage = (cb: (m: string | Buffer) => void) => void (this.onMessageCb = cb);
  onOpen = (cb: () => void) => void (this.onOpenCb = cb);
  onClosed = () => undefined;
  onError = () => undefined;
  onBufferedAmountLow = () => undefined;
  setBufferedAmountLowThreshold = () => undefined;
  bufferedAmount = () => 0;
  isOpen = () => true;
  close = () => undefined;
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

function session() {
  const source = new FakeChannel();
  const relay = new DataRelay(source as unknown as DataChannel, {
    reliability: { ordered: true, maxPacketLifeTime: null, maxRetransmits: null },
    session: true,
    queueLimitBytes: 1 << 20,
    log,
    onOverflow: () => undefined,
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
