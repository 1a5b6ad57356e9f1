/**
 * MediaTransceivers against a fake RTCPeerConnection: what gets added, reused and removed, the msid
 * rewrite of signaled descriptions, and which subscription each receiving transceiver carries.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaNotSupportedError } from './errors.js';
import { Logger } from './Logger.js';
import { MediaTransceivers } from './MediaTransceivers.js';
import { parseSections } from './Sdp.js';

const log = new Logger('off');

class FakeTrack {
  enabled = true;
  constructor(
    readonly kind: 'audio' | 'video',
    readonly id = `mst-${Math.random()}`,
  ) {}
}

class FakeTransceiver {
  mid: string | null = null;
  currentDirection: RTCRtpTransceiverDirection | null = null;
  readonly receiver: { track: FakeTrack };
  readonly sender: { track: FakeTrack | null; replaceTrack(t: FakeTrack | null): Promise<void> };
  constructor(
    kind: 'audio' | 'video',
    public direction: RTCRtpTransceiverDirection,
    sending: FakeTrack | null,
  ) {
    this.receiver = { track: new FakeTrack(kind) };
    const sender = {
      track: sending,
      replaceTrack: async (t: FakeTrack | null) => {
        sender.track = t;
      },
    };
    this.sender = sender;
  }
}

class FakePeerConnection {
  transceivers: FakeTransceiver[] = [];
  remoteDescription: { type: string; sdp: string } | null = null;
  addTransceiver(track: FakeTrack, init: RTCRtpTransceiverInit): FakeTransceiver {
    const transceiver = new FakeTransceiver(track.kind, init.direction ?? 'sendrecv', track);
    this.transceivers.push(transceiver);
    return transceiver;
  }
  getTransceivers(): FakeTransceiver[] {
    return this.transceivers;
  }
  /** What setRemoteDescription(server offer) does: one recvonly transceiver per new section. */
  applyRemote(sdp: string): void {
    this.remoteDescription = { type: 'offer', sdp };
    for (const section of parseSections(sdp).sections) {
      if (section.kind !== 'audio' && section.kind !== 'video') continue;
      if (this.transceivers.some((t) => t.mid === section.mid)) continue;
      const transceiver = new FakeTransceiver(section.kind, 'recvonly', null);
      transceiver.mid = section.mid;
      this.transceivers.push(transceiver);
    }
  }
}

function setup() {
  const pc = new FakePeerConnection();
  const media = new MediaTransceivers(pc as unknown as RTCPeerConnection, log);
  const add = (track: FakeTrack, id: string) => media.add(track as unknown as MediaStreamTrack, id) as unknown as FakeTransceiver;
  return { pc, media, add };
}

function section(kind: string, mid: string, direction: string, msid?: string): string[] {
  return [`m=${kind} 9 UDP/TLS/RTP/SAVPF 96`, 'c=IN IP4 0.0.0.0', `a=mid:${mid}`, `a=${direction}`, ...(msid ? [`a=msid:${msid}`] : [])];
}
const sdp = (...sections: string[][]) => ['v=0', 's=-', 't=0 0', ...sections.flat(), ''].join('\r\n');

describe('MediaTransceivers: sending', () => {
  it('adds sendonly transceivers and rewrites their msid to our ids once they have a mid', async () => {
    const { media, add } = setup();
    const audio = add(new FakeTrack('audio'), 'id-a');
    const video = add(new FakeTrack('video'), 'id-v');
    assert.equal(audio.direction, 'sendonly');
    assert.equal(media.hasUnnegotiatedSenders, true);
    audio.mid = '0';
    video.mid = '1';
    assert.equal(media.hasUnnegotiatedSenders, false);
    const local = sdp(section('audio', '0', 'sendonly', 's1 chrome-a'), section('video', '1', 'sendonly', 's2 chrome-v'));
    assert.deepEqual(parseSections(media.rewrite(local)).sections.map((s) => s.msidTrackId), ['id-a', 'id-v']);
  });

  it('unpublish makes the transceiver inactive with no track; the next track of that kind reuses it', async () => {
    const { pc, media, add } = setup();
    const first = add(new FakeTrack('video'), 'id-1');
    first.mid = '0';
    assert.equal(media.remove(first as unknown as RTCRtpTransceiver), true);
    assert.equal(media.remove(first as unknown as RTCRtpTransceiver), false, 'twice does nothing');
    await media.settled();
    assert.equal(first.direction, 'inactive');
    assert.equal(first.sender.track, null);
    const inactive = sdp(section('video', '0', 'inactive', 'chrome-stream chrome-track'));
    assert.equal(media.rewrite(inactive), sdp(section('video', '0', 'inactive')), 'an idle section is signaled without msid');

    assert.notEqual(add(new FakeTrack('audio'), 'id-a'), first, 'not for another kind');
    const camera = new FakeTrack('video');
    const second = add(camera, 'id-2');
    assert.equal(second, first);
    await media.settled();
    assert.equal(second.direction, 'sendonly');
    assert.equal(second.sender.track, camera);
    assert.equal(pc.transceivers.length, 2);
    assert.equal(parseSections(media.rewrite(sdp(section('video', '0', 'sendonly', 's x')))).sections[0]?.msidTrackId, 'id-2');
  });

  it('never reuses a transceiver the server created', () => {
    const { pc, add } = setup();
    pc.applyRemote(sdp(section('audio', '0', 'inactive')));
    const server = pc.transceivers[0];
    if (server) server.direction = 'inactive';
    assert.notEqual(add(new FakeTrack('audio'), 'id'), server);
  });

  it('throws MediaNotSupportedError where the peer connection cannot send media', () => {
    const polyfill = {
      addTransceiver() {
        throw new Error('Not implemented');
      },
    };
    const media = new MediaTransceivers(polyfill as unknown as RTCPeerConnection, log);
    assert.throws(() => media.add(new FakeTrack('audio') as unknown as MediaStreamTrack, 'x'), MediaNotSupportedError);
    const none = new MediaTransceivers({} as RTCPeerConnection, log);
    assert.throws(() => none.add(new FakeTrack('audio') as unknown as MediaStreamTrack, 'x'), MediaNotSupportedError);
  });
});

describe('MediaTransceivers: receiving', () => {
  it('maps each receiving transceiver to the msid track id of its mid in the remote SDP', () => {
    const { pc, media, add } = setup();
    const ours = add(new FakeTrack('audio'), 'mine');
    ours.mid = '0';
    pc.applyRemote(sdp(section('audio', '0', 'recvonly'), section('video', '1', 'sendonly', 'srv sub-v'), section('audio', '2', 'sendonly', 'srv sub-a')));
    const receivers = media.updateReceivers();
    assert.deepEqual(receivers?.map((r) => [r.id, r.kind, r.mid]), [['sub-v', 'video', '1'], ['sub-a', 'audio', '2']]);
    assert.equal(receivers?.[0]?.track, pc.transceivers[1]?.receiver.track as unknown as MediaStreamTrack);
    assert.equal(media.updateReceivers(), null, 'unchanged');
  });

  it('drops sections the server stopped sending in, and follows a section reused for another subscription', () => {
    const { pc, media } = setup();
    pc.applyRemote(sdp(section('video', '0', 'sendonly', 'srv sub-1'), section('audio', '1', 'sendonly', 'srv sub-2')));
    const first = media.updateReceivers();
    pc.applyRemote(sdp(section('video', '0', 'sendonly', 'srv sub-3'), section('audio', '1', 'inactive')));
    const second = media.updateReceivers();
    assert.deepEqual(second?.map((r) => r.id), ['sub-3']);
    assert.equal(second?.[0]?.track, first?.[0]?.track, 'same transceiver, same MediaStreamTrack');
    assert.deepEqual([...media.receivers.keys()], ['sub-3']);
  });

  it('keeps a mapping when an answer leaves out the msid of a sending section', () => {
    const { pc, media } = setup();
    pc.applyRemote(sdp(section('video', '0', 'sendonly', 'srv sub-1')));
    const first = media.updateReceivers();
    pc.remoteDescription = { type: 'answer', sdp: sdp(section('video', '0', 'sendonly')) };
    assert.equal(media.updateReceivers(), null);
    assert.equal(media.receivers.get('sub-1'), first?.[0]);
  });

  it('reports nothing without getTransceivers (the polyfill reports none either)', () => {
    const media = new MediaTransceivers({ remoteDescription: { sdp: 'v=0' } } as unknown as RTCPeerConnection, log);
    assert.equal(media.updateReceivers(), null);
  });
});
