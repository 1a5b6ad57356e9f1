/**
 * Audio/video from Node with @plaza/client (RtpMediaStreamTrack over node-datachannel's native
 * media, real WebRTC through the server): what bots and load tests use. Also: a participant sending
 * garbage RTP and RTCP through a real peer connection cannot disturb anyone else.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, LocalVideoTrack, RtpMediaStreamTrack, type RemoteVideoTrack, type Room } from '@plaza/client';
import { exitAfterReport } from './support/exit.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

let srv: TestServer;
const open: Room[] = [];
const timers: NodeJS.Timeout[] = [];
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  for (const t of timers) clearInterval(t);
  for (const r of open) r.disconnect();
  await srv.close();
  exitAfterReport(); // not node-datachannel's cleanup(): see exit.ts
});

async function join(identity: string, room: string): Promise<Room> {
  const r = await connect(await srv.token(identity, room), { name: room, wsServer: srv.signalingUrl, tracks: [] });
  open.push(r);
  return r;
}

// VP8 payload descriptors (RFC 7741): S=1, PID 0, then a key frame header (P bit 0) or an inter frame.
const KEY = Buffer.from('10' + '1003009d012a', 'hex');
const DELTA = Buffer.from('10' + '31', 'hex');

function vp8Packet(seq: number, keyframe: boolean, marker: string): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = 0x80 | 100; // any payload type: the track writes the negotiated one
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE((seq * 3000) >>> 0, 4);
  header.writeUInt32BE(0x1234, 8);
  return Buffer.concat([header, keyframe ? KEY : DELTA, Buffer.from(marker)]);
}

/** A synthetic camera: inter frames, and a key frame whenever one is asked for. */
function syntheticCamera(source: RtpMediaStreamTrack, label: string): { keyframeRequests: () => number } {
  let seq = 0;
  let wantKeyframe = false;
  let requests = 0;
  source.addEventListener('keyframerequest', () => {
    requests++;
    wantKeyframe = true;
  });
  timers.push(
    setInterval(() => {
      if (source.writeRtp(vp8Packet(seq, wantKeyframe, `${label}:${seq}`))) {
        seq++;
        wantKeyframe = false;
      }
    }, 5),
  );
  return { keyframeRequests: () => requests };
}

interface Received {
  payloads: string[];
  ssrcs: Set<number>;
  sequences: number[];
}

function receive(track: RemoteVideoTrack): Received {
  const got: Received = { payloads: [], ssrcs: new Set(), sequences: [] };
  (track.mediaStreamTrack as unknown as RtpMediaStreamTrack).addEventListener('rtp', ({ data }) => {
    got.ssrcs.add(Buffer.from(data.buffer, data.byteOffset, data.length).readUInt32BE(8));
    got.sequences.push((data[2]! << 8) | data[3]!);
    got.payloads.push(Buffer.from(data.subarray(12)).toString('latin1'));
  });
  return got;
}

function subscribedVideo(room: Room, from: string): Promise<RemoteVideoTrack> {
  return new Promise((resolve) => {
    room.on('trackSubscribed', (track: RemoteVideoTrack, _pub: unknown, participant: { identity: string }) => {
      if (track.kind === 'video' && participant.identity === from) resolve(track);
    });
  });
}

test('a Node participant publishes RTP video; a Node subscriber receives it in order and gap-free, once the server asked for a key frame', async () => {
  const alice = await join('alice', 'node-media');
  const bob = await join('bob', 'node-media');
  const source = new RtpMediaStreamTrack('video');
  const camera = syntheticCamera(source, 'alice');
  const subscribed = subscribedVideo(bob, 'alice');
  const publication = await alice.localParticipant.publishTrack(new LocalVideoTrack(source, { name: 'bot-camera' }));
  assert.equal(publication.trackName, 'bot-camera');
  const got = receive(await subscribed);
  await waitFor(() => got.payloads.length >= 100, '100 packets at bob', 15_000);
  // The camera sends inter frames until asked: the server's request (its subscriber waits for a key
  // frame) is what started the flow. (The very first packets may pass before trackSubscribed.)
  assert.ok(camera.keyframeRequests() >= 1, 'the server asked the publisher for a key frame');
  assert.equal(got.ssrcs.size, 1, "one SSRC: the server's for this subscription");
  for (let i = 1; i < got.sequences.length; i++) assert.equal(got.sequences[i], (got.sequences[i - 1]! + 1) & 0xffff, `sequence ${i} follows`);
  // Payloads arrive untouched, in order: alice:N, alice:N+1, ...
  const numbers = got.payloads.map((p) => Number(p.split('alice:')[1]));
  assert.ok(numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1), 'payloads in order, none missing');
});

test('unpublish and publish again, three times: the subscriber follows each publication', async () => {
  const alice = await join('alice2', 'node-media-cycle');
  const bob = await join('bob2', 'node-media-cycle');
  const unsubscribed: string[] = [];
  bob.on('trackUnsubscribed', (track: { kind: string }) => unsubscribed.push(track.kind));
  for (let cycle = 0; cycle < 3; cycle++) {
    const source = new RtpMediaStreamTrack('video');
    syntheticCamera(source, `cycle${cycle}`);
    const subscribed = subscribedVideo(bob, 'alice2');
    const track = new LocalVideoTrack(source);
    await alice.localParticipant.publishTrack(track);
    const got = receive(await subscribed);
    await waitFor(() => got.payloads.length >= 20, `cycle ${cycle}: packets at bob`, 15_000);
    assert.ok(got.payloads.every((p) => p.includes(`cycle${cycle}:`)), 'only the current publication');
    alice.localParticipant.unpublishTrack(track);
    track.stop();
    await waitFor(() => unsubscribed.length === cycle + 1, `cycle ${cycle}: unsubscribed`);
  }
});

test('garbage RTP and RTCP from a participant never reach others and never stop their media', async () => {
  const alice = await join('alice3', 'node-garbage');
  const bob = await join('bob3', 'node-garbage');
  const mallory = await join('mallory', 'node-garbage');
  const good = new RtpMediaStreamTrack('video');
  syntheticCamera(good, 'good');
  const fromAlice = subscribedVideo(bob, 'alice3');
  const fromMallory = subscribedVideo(bob, 'mallory');
  await alice.localParticipant.publishTrack(new LocalVideoTrack(good));
  // Mallory's raw sink: bytes go out exactly as given (no SSRC/payload type rewrite).
  let raw: ((packet: Uint8Array) => boolean) | null = null;
  const evil = new (class extends RtpMediaStreamTrack {
    override _setSink(sink: Parameters<RtpMediaStreamTrack['_setSink']>[0]): void {
      raw = sink ? (p) => sink.send(p) : null;
      super._setSink(sink);
    }
  })('video');
  await mallory.localParticipant.publishTrack(new LocalVideoTrack(evil));
  await waitFor(() => raw, "mallory's section is open");
  const aliceGot = receive(await fromAlice);
  const malloryGot = receive(await fromMallory);
  await waitFor(() => aliceGot.payloads.length >= 20, "alice's video flows");
  const garbage: Buffer[] = [
    Buffer.from('definitely not RTP'),
    Buffer.alloc(3),
    Buffer.alloc(1400, 0xff),
    vp8Packet(1, true, 'unknown payload type').fill(0x80 | 77, 1, 2), // a payload type nobody negotiated
    Buffer.from([0x80, 200, 0xff, 0xff, 0, 0, 0, 1]), // an SR whose length runs past the end
    Buffer.from([0x81, 206, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0x12, 0x34]), // PLI
  ];
  const before = aliceGot.payloads.length;
  for (let i = 0; i < 2000; i++) raw!(garbage[i % garbage.length]!);
  await waitFor(() => aliceGot.payloads.length >= before + 200, "alice's video keeps flowing during the flood", 15_000);
  const numbers = aliceGot.payloads.map((p) => Number(p.split('good:')[1]));
  assert.ok(numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1), "alice's packets in order, none missing");
  assert.equal(malloryGot.payloads.length, 0, 'nothing of the garbage was forwarded');
  assert.equal(mallory.state, 'connected');
  assert.equal(bob.participants.size, 2);
});

test("after the publisher's and then the subscriber's transport is replaced, the subscriber receives the video again", async () => {
  const alice = await join('alice', 'node-media-restart');
  const bob = await join('bob', 'node-media-restart');
  const source = new RtpMediaStreamTrack('video');
  syntheticCamera(source, 'alice');
  const first = subscribedVideo(bob, 'alice');
  await alice.localParticipant.publishTrack(new LocalVideoTrack(source, { name: 'cam' }));
  const before = receive(await first);
  await waitFor(() => before.payloads.length >= 20, 'video before', 15_000);

  // The publisher's new peer connection carries the same track: bob is subscribed to it anew.
  const second = subscribedVideo(bob, 'alice');
  await alice.restartIce();
  const afterPublisher = receive(await second);
  await waitFor(() => afterPublisher.payloads.length >= 20, "video after the publisher's restart", 15_000);

  // The subscriber's new peer connection gets the subscription on a new m-section.
  const third = subscribedVideo(bob, 'alice');
  await bob.restartIce();
  const afterSubscriber = receive(await third);
  await waitFor(() => afterSubscriber.payloads.length >= 20, "video after the subscriber's restart", 15_000);
  assert.ok(afterSubscriber.payloads.every((p) => p.includes('alice:')), "alice's packets");
  assert.equal(alice.localParticipant.videoTracks.size, 1, 'still one publication');
});
