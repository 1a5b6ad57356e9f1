import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientErrorCode, ErrorCode } from '@plaza/protocol';
import { DataTrackSender, HIGH_WATER_MARK, LOW_WATER_MARK, type SendableChannel } from './DataTrackSender.js';
import { DataTrackMessageTooLargeError, DataTrackSendQueueFullError, type TwilioError } from './errors.js';
import { LocalDataTrack } from './LocalDataTrack.js';
import { Logger } from './Logger.js';

/** Stands in for an RTCDataChannel: the real one needs a negotiated peer connection. */
class FakeChannel extends EventTarget implements SendableChannel {
  readyState: RTCDataChannelState = 'connecting';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  sent: Array<string | Uint8Array> = [];

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError');
    if (typeof data === 'string') this.sent.push(data);
    else if (data instanceof ArrayBuffer) this.sent.push(new Uint8Array(data.slice(0)));
    else this.sent.push(new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
  }

  close(): void {
    this.setState('closed');
  }

  override addEventListener(type: string, listener: () => void): void {
    super.addEventListener(type, listener);
  }

  setState(state: RTCDataChannelState): void {
    this.readyState = state;
    if (state === 'open' || state === 'closed') this.dispatchEvent(new Event(state === 'open' ? 'open' : 'close'));
  }
}

const log = new Logger('off');
const tick = () => new Promise((resolve) => setImmediate(resolve));

function publish(track: LocalDataTrack, maxMessageSize = 262144) {
  const channel = new FakeChannel();
  const sender = new DataTrackSender(channel, () => maxMessageSize, log, track.queueLimits);
  track._addSender(sender);
  return { channel, sender };
}

describe('DataTrackSender', () => {
  it('queues messages before open and flushes them in order on open', async () => {
    const track = new LocalDataTrack();
    const { channel, sender } = publish(track);
    track.send('one');
    track.send(new Uint8Array([2]));
    track.send('three');
    assert.equal(channel.sent.length, 0);
    assert.equal(sender.queuedMessages, 3);
    channel.setState('open');
    await tick();
    track.send('four');
    assert.deepEqual(channel.sent, ['one', new Uint8Array([2]), 'three', 'four']);
    assert.equal(sender.queuedMessages, 0);
  });

  it('keeps strings as strings and sends exactly the bytes of any view', async () => {
    const track = new LocalDataTrack();
    const { channel } = publish(track);
    channel.setState('open');
    const backing = new Uint8Array([9, 1, 2, 3, 4, 9]);
    track.send('text');
    track.send(new DataView(backing.buffer, 1, 4));
    track.send(new Uint16Array([0x0201]));
    track.send(backing.buffer.slice(1, 3));
    assert.equal(typeof channel.sent[0], 'string');
    assert.deepEqual(channel.sent.slice(1), [new Uint8Array([1, 2, 3, 4]), new Uint8Array([1, 2]), new Uint8Array([1, 2])]);
  });

  it('copies queued binary messages, so the app may reuse its buffer right after send()', async () => {
    const track = new LocalDataTrack();
    const { channel } = publish(track);
    const buffer = new Uint8Array(1);
    for (let i = 0; i < 3; i++) {
      buffer[0] = i;
      track.send(buffer);
    }
    channel.setState('open');
    await tick();
    assert.deepEqual(channel.sent, [new Uint8Array([0]), new Uint8Array([1]), new Uint8Array([2])]);
  });

  it('keeps a Blob in its place in the order', async () => {
    const track = new LocalDataTrack();
    const { channel } = publish(track);
    channel.setState('open');
    track.send('before');
    track.send(new Blob([new Uint8Array([7, 7])]));
    track.send('after');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(channel.sent, ['before', new Uint8Array([7, 7]), 'after']);
  });

  it('bounds the queue by messages with a typed error, and sends nothing when it throws', () => {
    const track = new LocalDataTrack({ queueLimits: { maxMessages: 2 } });
    const { sender } = publish(track);
    track.send('a');
    track.send('b');
    assert.throws(
      () => track.send('c'),
      (error: unknown) => error instanceof DataTrackSendQueueFullError && (error as TwilioError).code === ClientErrorCode.DataTrackSendQueueFull,
    );
    assert.equal(sender.queuedMessages, 2);
  });

  it('bounds the queue by bytes', () => {
    const track = new LocalDataTrack({ queueLimits: { maxBytes: 10 } });
    publish(track);
    track.send('12345678');
    assert.throws(() => track.send('abc'), DataTrackSendQueueFullError);
    track.send('ab');
  });

  it('throws 53306 for a message over the max message size instead of sending it', () => {
    const track = new LocalDataTrack();
    const { channel } = publish(track, 16);
    channel.setState('open');
    track.send('x'.repeat(16));
    assert.throws(
      () => track.send('€'.repeat(6)), // 18 UTF-8 bytes
      (error: unknown) =>
        error instanceof DataTrackMessageTooLargeError &&
        error.code === ErrorCode.TrackDataMessageTooLarge &&
        error.size === 18 &&
        error.maxMessageSize === 16,
    );
    assert.throws(() => track.send(new Uint8Array(17)), DataTrackMessageTooLargeError);
    assert.equal(channel.sent.length, 1);
  });

  it('checks every publication before sending to any', () => {
    const track = new LocalDataTrack();
    const big = publish(track, 1000);
    const small = publish(track, 10);
    big.channel.setState('open');
    small.channel.setState('open');
    assert.throws(() => track.send('x'.repeat(11)), DataTrackMessageTooLargeError);
    assert.equal(big.channel.sent.length, 0);
  });

  it('holds messages while the channel buffer is above the high-water mark, then drains in order', () => {
    const track = new LocalDataTrack();
    const { channel, sender } = publish(track);
    channel.setState('open');
    assert.equal(channel.bufferedAmountLowThreshold, LOW_WATER_MARK);
    channel.bufferedAmount = HIGH_WATER_MARK; // the network is slower than the app
    track.send('held 1');
    track.send('held 2');
    assert.deepEqual(channel.sent, []);
    assert.equal(sender.queuedMessages, 2);
    assert.equal(track.bufferedAmount, HIGH_WATER_MARK + 12);
    channel.bufferedAmount = LOW_WATER_MARK;
    channel.dispatchEvent(new Event('bufferedamountlow'));
    track.send('after');
    assert.deepEqual(channel.sent, ['held 1', 'held 2', 'after']);
  });

  it('drops the queue when the channel closes or the track is unpublished', async () => {
    const track = new LocalDataTrack();
    const first = publish(track);
    track.send('lost');
    first.channel.setState('closed');
    assert.equal(first.sender.queuedMessages, 0);
    track.send('ignored'); // a closed sender accepts and drops

    const second = publish(track);
    track.send('also lost');
    second.sender.close();
    track._removeSender(second.sender);
    assert.equal(second.channel.readyState, 'closed');
    assert.deepEqual(second.channel.sent, []);
  });

  it('reports each message once through its completion callback: sent, or why it was dropped', async () => {
    const track = new LocalDataTrack();
    const { channel, sender } = publish(track);
    const results: Array<string | null> = [];
    track._send(new Uint8Array([1]), (r) => results.push(r)); // queued until open
    channel.setState('open');
    await tick();
    track._send(new Uint8Array([2]), (r) => results.push(r)); // sent at once
    assert.deepEqual(results, [null, null]);
    channel.bufferedAmount = HIGH_WATER_MARK; // held in our queue
    track._send(new Uint8Array([3]), (r) => results.push(r));
    sender.close();
    track._send(new Uint8Array([4]), (r) => results.push(r)); // closed sender
    track._removeSender(sender);
    track._send(new Uint8Array([5]), (r) => results.push(r)); // no channel at all
    assert.deepEqual(results, [null, null, 'unpublished', 'channel closed', 'not published']);
  });
});
