/**
 * Forwarding logic over real MediaLines whose node-datachannel Track (the native boundary) is a
 * stand-in that records what would go to the network. The real path is covered in Chromium
 * (test/browser/twilio-media.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Track } from 'node-datachannel';
import { pino } from 'pino';
import { MediaForwarder, PUBLISHER_VIDEO_BITRATE } from './MediaForwarder.js';
import { MediaLine } from './MediaLine.js';
import { buildNack, buildPli, buildSenderReport, parseRtcp, rtpPayloadType, rtpSequence, rtpSsrc, rtpTimestamp } from './rtp/index.js';

class FakeTrack {
  sent: Buffer[] = [];
  open = true;
  private onMessageCb: ((b: Buffer) => void) | null = null;
  private onOpenCb: (() => void) | null = null;
  isOpen = () => this.open;
  onOpen = (cb: () => void) => void (this.onOpenCb = cb);
  onMessage = (cb: (b: Buffer) => void) => void (this.onMessageCb = cb);
  close = () => undefined;
  sendMessageBinary = (b: Buffer) => (this.sent.push(Buffer.from(b)), true);
  deliver(b: Buffer): void {
    this.onMessageCb?.(b);
  }
  opened(): void {
    this.onOpenCb?.();
  }
  get rtp(): Buffer[] {
    return this.sent.filter((p) => p[1]! < 192 || p[1]! > 223);
  }
  get rtcp() {
    return this.sent.filter((p) => p[1]! >= 192 && p[1]! <= 223).flatMap((p) => parseRtcp(p));
  }
}

function clientLine(track: FakeTrack): MediaLine {
  return new MediaLine('0', 'video', 'client', track as unknown as Track);
}

function serverLine(track: FakeTrack, ssrcs = [0xabcdef, 0x123456]): MediaLine {
  return new MediaLine('s0', 'video', 'server', track as unknown as Track, { ssrcs, payloadType: 96 });
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
  const sinkLine = serverLine(sub);
  const forwarder = new MediaForwarder(clientLine(source), { kind: 'video', sourcePayloadType: 100, log });
  forwarder.addSubscriber('s1', sinkLine);
  return { source, sub, sinkLine, forwarder };
}

test('a video subscriber starts at a keyframe; packets get its SSRC, payload type and continuous sequence', () => {
  const { source, sub } = setup();
  source.deliver(rtp(10, 100, VP8_DELTA_PAYLOAD)); // before any keyframe: held back
  source.deliver(rtp(11, 100, VP8_KEY_PAYLOAD));
  source.deliver(rtp(12, 100, VP8_DELTA_PAYLOAD));
  assert.equal(sub.rtp.length, 2);
  assert.deepEqual(sub.rtp.map((p) => [rtpSsrc(p), rtpPayloadType(p)]), [[0xabcdef, 96], [0xabcdef, 96]]);
  assert.equal(rtpSequence(sub.rtp[1]!), (rtpSequence(sub.rtp[0]!)! + 1) & 0xffff);
});

test('the publisher gets a receiver report and REMB on its first packet and on each sender report', () => {
  const { source } = setup();
  source.deliver(rtp(10, 100, VP8_KEY_PAYLOAD));
  const remb = source.rtcp.filter((p) => p.type === 'remb');
  assert.equal(remb.length, 1);
  assert.ok(remb[0]!.type === 'remb' && remb[0]!.ssrcs[0] === 0x1234 && remb[0]!.bitrate <= PUBLISHER_VIDEO_BITRATE && remb[0]!.bitrate > 0.99 * PUBLISHER_VIDEO_BITRATE);
  source.deliver(buildSenderReport(0x1234, 3_900_000_000, 0x80000000, 30_000, 1, 100));
  const rrs = source.rtcp.filter((p) => p.type === 'rr');
  assert.equal(rrs.length, 2);
  const last = rrs[1]!;
  assert.ok(last.type === 'rr' && last.reports[0]!.ssrc === 0x1234 && last.reports[0]!.lsr !== 0, 'the RR echoes the SR (RTT for the publisher)');
  assert.equal(source.rtcp.filter((p) => p.type === 'remb').length, 2);
});

test('sender reports reach each subscriber with its SSRC and its timestamp offset, once it forwards that source', () => {
  const { source, sub } = setup();
  source.deliver(buildSenderReport(0x1234, 1, 2, 5_000, 1, 100)); // before any packet: nothing to map yet
  assert.equal(sub.rtcp.length, 0);
  source.deliver(rtp(30, 100, VP8_KEY_PAYLOAD));
  const inTs = 30 * 3000;
  const outTs = rtpTimestamp(sub.rtp[0]!)!;
  source.deliver(buildSenderReport(0x1234, 3_900_000_000, 7, inTs + 900, 1, 100));
  const srs = sub.rtcp.filter((p) => p.type === 'sr');
  assert.equal(srs.length, 1);
  const sr = srs[0]!;
  assert.ok(sr.type === 'sr');
  assert.equal(sr.ssrc, 0xabcdef);
  assert.equal(sr.ntpSeconds, 3_900_000_000);
  assert.equal(sr.rtpTimestamp, (outTs + 900) >>> 0, 'the RTP timestamp is in the subscriber\'s timeline');
  assert.equal(sr.packetCount, 1, 'counts are what this subscriber was sent');
  source.deliver(buildSenderReport(0x9999, 1, 2, 3, 4, 5)); // not the forwarded source
  assert.equal(sub.rtcp.filter((p) => p.type === 'sr').length, 1);
});

test('garbage and unknown payload types never reach subscribers', () => {
  const { source, sub, forwarder } = setup();
  source.deliver(rtp(1, 100, VP8_KEY_PAYLOAD));
  const before = sub.sent.length;
  source.deliver(Buffer.from('not rtp at all'));
  source.deliver(Buffer.alloc(3));
  source.deliver(rtp(2, 101, VP8_DELTA_PAYLOAD)); // e.g. RTX or a codec we do not forward
  source.deliver(buildPli(1, 2));
  source.deliver(Buffer.from([0x80, 200, 0xff, 0xff, 1, 2])); // an SR whose length runs past the end
  source.deliver(Buffer.alloc(4000, 0x80)); // over the MTU
  assert.equal(sub.sent.length, before);
  assert.equal(forwarder.stats.invalid, 4);
});

test('a flood of PLIs becomes at most one keyframe request per 500 ms', () => {
  const { source, sub } = setup();
  source.deliver(rtp(1, 100, VP8_KEY_PAYLOAD));
  for (let i = 0; i < 1000; i++) sub.deliver(buildPli(0xabcdef, 0xabcdef));
  const plis = source.rtcp.filter((p) => p.type === 'pli');
  assert.equal(plis.length, 1);
  assert.ok(plis[0]!.type === 'pli' && plis[0]!.mediaSsrc === 0x1234, 'the PLI names the publisher\'s SSRC');
});

test('feedback about another SSRC is not ours (a sendrecv line also carries the client\'s own stream)', () => {
  const { source, sub, forwarder } = setup();
  source.deliver(rtp(40, 100, VP8_KEY_PAYLOAD));
  sub.deliver(buildPli(1, 0x5555));
  sub.deliver(buildNack(1, 0x5555, [rtpSequence(sub.rtp[0]!)!])!);
  assert.equal(forwarder.stats.keyframeRequests, 0);
  assert.equal(sub.rtp.length, 1);
});

test('NACKs are answered from the retransmission buffer with the same bytes', () => {
  const { source, sub } = setup();
  source.deliver(rtp(20, 100, VP8_KEY_PAYLOAD));
  source.deliver(rtp(21, 100, VP8_DELTA_PAYLOAD));
  const lost = sub.rtp[1]!;
  sub.deliver(buildNack(0xabcdef, 0xabcdef, [rtpSequence(lost)!])!);
  assert.equal(sub.rtp.length, 3);
  assert.deepEqual(sub.rtp[2], lost);
});

test('an outgoing stream continues its sequence numbers when another publisher feeds it', () => {
  const { source, sub, sinkLine, forwarder } = setup();
  source.deliver(rtp(100, 100, VP8_KEY_PAYLOAD));
  forwarder.removeSubscriber('s1');
  source.deliver(rtp(101, 100, VP8_DELTA_PAYLOAD));
  assert.equal(sub.rtp.length, 1, 'nothing after unsubscribing');
  const other = new FakeTrack();
  const next = new MediaForwarder(clientLine(other), { kind: 'video', sourcePayloadType: 100, log });
  next.addSubscriber('s2', sinkLine);
  other.deliver(rtp(5000, 100, VP8_KEY_PAYLOAD, 0x7777));
  assert.equal(sub.rtp.length, 2);
  assert.equal(rtpSequence(sub.rtp[1]!), (rtpSequence(sub.rtp[0]!)! + 1) & 0xffff);
  assert.equal(rtpSsrc(sub.rtp[1]!), 0xabcdef);
  // The endpoint moves a reused line to its next SSRC: a new stream with its own sequence.
  next.removeSubscriber('s2');
  sinkLine.nextStream();
  next.addSubscriber('s3', sinkLine);
  other.deliver(rtp(5001, 100, VP8_KEY_PAYLOAD, 0x7777));
  assert.equal(rtpSsrc(sub.rtp[2]!), 0x123456);
});

test('a line dispatches RTP to its receiver and RTCP to both receiver and feedback; a closed forwarder lets go', () => {
  const track = new FakeTrack();
  const line = serverLine(track);
  const got: string[] = [];
  line.receiver = { rtp: () => got.push('rtp'), rtcp: () => got.push('rtcp') };
  line.feedback = () => got.push('feedback');
  track.deliver(rtp(1, 96, VP8_DELTA_PAYLOAD));
  track.deliver(buildPli(1, 2));
  assert.deepEqual(got, ['rtp', 'feedback', 'rtcp']);
  const forwarder = new MediaForwarder(line, { kind: 'video', sourcePayloadType: 96, log });
  forwarder.close();
  assert.equal(line.receiver, null);
});
