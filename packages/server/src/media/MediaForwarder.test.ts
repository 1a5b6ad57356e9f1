/**
 * Forwarding logic with stand-in tracks: node-datachannel's Track is the native boundary, so the
 * fakes record what would go to the network. The real path is covered in Chromium
 * (test/browser/twilio-media.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Track } from 'node-datachannel';
import { pino } from 'pino';
import { MediaForwarder } from './MediaForwarder.js';
import { buildNack, buildPli, rtpPayloadType, rtpSequence, rtpSsrc } from './rtp/index.js';

class FakeTrack {
  sent: Buffer[] = [];
  keyframeRequests = 0;
  bitrate = 0;
  private onMessageCb: ((b: Buffer) => void) | null = null;
  isOpen = () => true;
  onOpen = (_cb: () => void) => undefined;
  onMessage = (cb: (b: Buffer) => void) => void (this.onMessageCb = cb);
  setMediaHandler = () => undefined;
  requestBitrate = (bps: number) => ((this.bitrate = bps), true);
  requestKeyframe = () => (this.keyframeRequests++, true);
  sendMessageBinary = (b: Buffer) => (this.sent.push(Buffer.from(b)), true);
  deliver(b: Buffer): void {
    this.onMessageCb?.(b);
  }
}

const log = pino({ level: 'silent' });
const VP8_KEY_PAYLOAD = Buffer.from('1050341 29d012a8002e001'.replace(/ /g, ''), 'hex');
const VP8_DELTA_PAYLOAD = Buffer.from('10513412aabbcc', 'hex');

function rtp(seq: number, payloadType: number, payload: Buffer, ssrc = 0x1234): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = payloadType;
  header.writeUInt16BE(seq, 2);
  header.writeUInt32BE(seq * 3000, 4);
  header.writeUInt32BE(ssrc, 8);
  return Buffer.concat([header, payload]);
}

function setup() {
  const source = new FakeTrack();
  const sub = new FakeTrack();
  const forwarder = new MediaForwarder(source as unknown as Track, { kind: 'video', sourcePayloadType: 100, log });
  forwarder.addSubscriber('s1', sub as unknown as Track, 0xabcdef, 96);
  return { source, sub, forwarder };
}

test('a video subscriber starts at a keyframe; packets get its SSRC, payload type and continuous sequence', () => {
  const { source, sub } = setup();
  assert.equal(source.bitrate, 1_500_000, 'REMB bitrate requested from the publisher');
  source.deliver(rtp(10, 100, VP8_DELTA_PAYLOAD)); // before any keyframe: held back
  source.deliver(rtp(11, 100, VP8_KEY_PAYLOAD));
  source.deliver(rtp(12, 100, VP8_DELTA_PAYLOAD));
  assert.equal(sub.sent.length, 2);
  assert.deepEqual(sub.sent.map((p) => [rtpSsrc(p), rtpPayloadType(p)]), [[0xabcdef, 96], [0xabcdef, 96]]);
  assert.equal(rtpSequence(sub.sent[1]!), (rtpSequence(sub.sent[0]!)! + 1) & 0xffff);
});

test('garbage, RTCP and unknown payload types never reach subscribers', () => {
  const { source, sub, forwarder } = setup();
  source.deliver(rtp(1, 100, VP8_KEY_PAYLOAD));
  const before = sub.sent.length;
  source.deliver(Buffer.from('not rtp at all'));
  source.deliver(Buffer.alloc(3));
  source.deliver(rtp(2, 101, VP8_DELTA_PAYLOAD)); // e.g. RTX or a codec we do not forward
  source.deliver(buildPli(1, 2));
  source.deliver(Buffer.alloc(4000, 0x80)); // over the MTU
  assert.equal(sub.sent.length, before);
  assert.equal(forwarder.stats.invalid, 4);
});

test('a flood of PLIs becomes at most one keyframe request per 500 ms', () => {
  const { source, sub } = setup();
  const initial = source.keyframeRequests; // one on subscribe
  for (let i = 0; i < 1000; i++) sub.deliver(buildPli(0xabcdef, 0x1234));
  assert.equal(source.keyframeRequests, initial);
});

test('NACKs are answered from the retransmission buffer with the same bytes', () => {
  const { source, sub } = setup();
  source.deliver(rtp(20, 100, VP8_KEY_PAYLOAD));
  source.deliver(rtp(21, 100, VP8_DELTA_PAYLOAD));
  const lost = sub.sent[1]!;
  sub.deliver(buildNack(0xabcdef, 0xabcdef, [rtpSequence(lost)!])!);
  assert.equal(sub.sent.length, 3);
  assert.deepEqual(sub.sent[2], lost);
});
