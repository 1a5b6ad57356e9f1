import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataTrackReceiver, type ReceivableChannel } from './DataTrackReceiver.js';
import { Logger } from './Logger.js';
import { SubscriptionTable } from './SubscriptionTable.js';

const log = new Logger('off');

function channel(label: string): ReceivableChannel & { fireClose(): void } {
  const target = new EventTarget();
  return {
    label,
    ordered: true,
    maxPacketLifeTime: null,
    maxRetransmits: null,
    binaryType: 'arraybuffer',
    close() {},
    addEventListener: (type: string, listener: () => void) => target.addEventListener(type, listener),
    fireClose: () => target.dispatchEvent(new Event('close')),
  } as unknown as ReceivableChannel & { fireClose(): void };
}

describe('SubscriptionTable', () => {
  it('maps SIDs to ids by revision, in either arrival order', () => {
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
    assert.equal(table.receiverFor('id-1'), undefined);
    assert.equal(changes, 2);
  });
});
