import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ControlKind, decodeControl, decodeEnvelope, type Envelope } from '@plaza/protocol';
import { CLOSE_GRACE_MS, DataTrackReceiver, type ReceivableChannel } from './DataTrackReceiver.js';
import { Logger } from './Logger.js';
import { SubscriptionTable } from './SubscriptionTable.js';

const log = new Logger('off');

type FakeChannel = ReceivableChannel & { fireClose(): void; deliver(bytes: number): void; upstream: Uint8Array[] };

function channel(label: string): FakeChannel {
  const target = new EventTarget();
  const upstream: Uint8Array[] = [];
  return {
    label,
    ordered: true,
    maxPacketLifeTime: null,
    maxRetransmits: null,
    binaryType: 'arraybuffer',
    readyState: 'open',
    upstream,
    send: (data: Uint8Array) => upstream.push(new Uint8Array(data)),
    close() {},
    addEventListener: (type: string, listener: EventListener) => target.addEventListener(type, listener),
    fireClose: () => target.dispatchEvent(new Event('close')),
    deliver: (bytes: number) => target.dispatchEvent(new MessageEvent('message', { data: new ArrayBuffer(bytes) })),
  } as unknown as FakeChannel;
}

/** The control notices a fake channel sent upstream: [kind, sequence]. */
const notices = (ch: FakeChannel) =>
  ch.upstream.map((bytes) => {
    const control = decodeControl(decodeEnvelope(bytes) as Envelope);
    return [control?.kind, control?.sequence];
  });

describe('SubscriptionTable', () => {
  it('maps SIDs to ids by revision, in either arrival order', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const table = new SubscriptionTable();
    let changes = 0;
    table.on('changed', () => changes++);
    const ch = channel('id-1');
    table.addReceiver(new DataTrackReceiver(ch, log));
    assert.equal(changes, 1);
    assert.ok(table.receiverFor('id-1'));
    assert.equal(table.idFor('MT1'), undefined);

    assert.equal(table.updateSubscribed({ revision: 2, tracks: [{ sid: 'MT1', id: 'id-1' }] }), true);
    assert.equal(table.idFor('MT1'), 'id-1');
    assert.equal(table.updateSubscribed({ revision: 1, tracks: [] }), false);
    assert.equal(table.idFor('MT1'), 'id-1');

    table.updateSubscribed({ revision: 3, tracks: [{ sid: 'MT2', error: { code: 53204, message: 'gone' } }] });
    assert.equal(table.idFor('MT1'), undefined, 'absent from a newer revision = unsubscribed');
    assert.deepEqual(table.takeFailure('MT2'), { code: 53204, message: 'gone' });
    assert.equal(table.takeFailure('MT2'), undefined);

    ch.fireClose();
    assert.ok(table.receiverFor('id-1'), 'closed by the server: perhaps with its transport, kept a moment');
    t.mock.timers.tick(CLOSE_GRACE_MS);
    assert.equal(table.receiverFor('id-1'), undefined);
    assert.equal(changes, 2);
  });

  it('a channel with a known label after a transport replacement resumes the same receiver: Rewind upstream with the bytes it has', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const table = new SubscriptionTable();
    const old = channel('id-1');
    table.addChannel(old, (c) => new DataTrackReceiver(c, log));
    const receiver = table.receiverFor('id-1');
    const seen: number[] = [];
    receiver?.attach((data) => seen.push((data as ArrayBuffer).byteLength));
    for (let i = 0; i < 3; i++) old.deliver(30_000); // 90,000 bytes: one Received at 64 KiB
    assert.deepEqual(notices(old), [[ControlKind.Received, 90_000]]);

    table.suspendAll(20_000);
    old.deliver(500); // the old channel's last words are not counted: the server sends them again
    old.fireClose();
    t.mock.timers.tick(CLOSE_GRACE_MS);
    assert.equal(table.receiverFor('id-1'), receiver, 'kept while the new transport comes');

    const next = channel('id-1');
    let created = 0;
    table.addChannel(next, (c) => (created++, new DataTrackReceiver(c, log)));
    assert.equal(created, 0, 'no new receiver');
    assert.deepEqual(notices(next), [[ControlKind.Rewind, 90_000]]);
    next.deliver(700);
    assert.deepEqual(seen, [30_000, 30_000, 30_000, 700]);
    t.mock.timers.tick(20_000);
    assert.equal(table.receiverFor('id-1'), receiver, 'rebound in time: not closed');
  });

  it('a suspended receiver whose channel never comes back is closed after the timeout', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const table = new SubscriptionTable();
    table.addChannel(channel('id-1'), (c) => new DataTrackReceiver(c, log));
    let changes = 0;
    table.on('changed', () => changes++);
    table.suspendAll(20_000);
    t.mock.timers.tick(19_999);
    assert.ok(table.receiverFor('id-1'));
    t.mock.timers.tick(1);
    assert.equal(table.receiverFor('id-1'), undefined);
    assert.equal(changes, 1);
  });
});
