import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientErrorCode, ErrorCode } from '@plaza/protocol';
import { DataTrackMessageTooLargeError, TrackInvalidError } from './errors.js';
import { LocalDataTrack, utf8Length } from './LocalDataTrack.js';

describe('LocalDataTrack options', () => {
  it('has the SDK defaults: ordered, no limits, reliable, name = id', () => {
    const track = new LocalDataTrack();
    assert.equal(track.kind, 'data');
    assert.match(track.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(track.name, track.id);
    assert.equal(track.ordered, true);
    assert.equal(track.maxPacketLifeTime, null);
    assert.equal(track.maxRetransmits, null);
    assert.equal(track.reliable, true);
    assert.deepEqual(track.dataChannelInit, { ordered: true });
    assert.notEqual(new LocalDataTrack().id, track.id);
  });

  it('keeps a given name and reliability settings', () => {
    const track = new LocalDataTrack({ name: 'cursor', ordered: false, maxRetransmits: 0 });
    assert.equal(track.name, 'cursor');
    assert.equal(track.ordered, false);
    assert.equal(track.maxRetransmits, 0);
    assert.equal(track.maxPacketLifeTime, null);
    assert.equal(track.reliable, false);
    assert.deepEqual(track.dataChannelInit, { ordered: false, maxRetransmits: 0 });

    const timed = new LocalDataTrack({ maxPacketLifeTime: 65535 });
    assert.equal(timed.reliable, false);
    assert.deepEqual(timed.dataChannelInit, { ordered: true, maxPacketLifeTime: 65535 });
    assert.equal(new LocalDataTrack({ maxPacketLifeTime: null, maxRetransmits: null }).reliable, true);
  });

  it('rejects both limits at once with a typed error', () => {
    assert.throws(
      () => new LocalDataTrack({ maxPacketLifeTime: 100, maxRetransmits: 3 }),
      (error: unknown) =>
        error instanceof TrackInvalidError && error.code === ErrorCode.TrackInvalid && /mutually exclusive/.test(error.message),
    );
  });

  for (const bad of [-1, 65536, 1.5, Number.NaN, Infinity, '10' as unknown as number]) {
    it(`rejects limit ${String(bad)}`, () => {
      assert.throws(() => new LocalDataTrack({ maxPacketLifeTime: bad }), TrackInvalidError);
      assert.throws(() => new LocalDataTrack({ maxRetransmits: bad }), TrackInvalidError);
    });
  }

  it('rejects a non-boolean ordered', () => {
    assert.throws(() => new LocalDataTrack({ ordered: 'yes' as unknown as boolean }), TrackInvalidError);
  });

  it('drops messages while not published anywhere (like the SDK) and rejects bad types', () => {
    const track = new LocalDataTrack();
    track.send('nobody listens');
    track.send(new Uint8Array([1, 2]));
    assert.throws(() => track.send(42 as unknown as string), TypeError);
  });

  it('exports distinct codes for its errors', () => {
    assert.equal(new DataTrackMessageTooLargeError(10, 5).code, ErrorCode.TrackDataMessageTooLarge);
    assert.equal(ClientErrorCode.DataTrackSendQueueFull, 53307);
  });
});

describe('utf8Length', () => {
  it('matches TextEncoder', () => {
    const samples = ['', 'abc', 'é', '€', '😀', 'a😀b€é', '\ud800', 'x\udc00y', 'x'.repeat(1000)];
    for (const text of samples) assert.equal(utf8Length(text), new TextEncoder().encode(text).byteLength, text);
  });
});
