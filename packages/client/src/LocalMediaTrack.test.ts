import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { createLocalAudioTrack, createLocalTracks, createLocalVideoTrack } from './createLocalTracks.js';
import { MediaNotSupportedError, TrackInvalidError } from './errors.js';
import { LocalAudioTrack } from './LocalAudioTrack.js';
import { LocalVideoTrack } from './LocalVideoTrack.js';

/** Stands in for a browser MediaStreamTrack (Node has none). */
class FakeMediaStreamTrack extends EventTarget {
  enabled = true;
  readyState: MediaStreamTrackState = 'live';
  readonly id = randomUUID();
  constructor(readonly kind: 'audio' | 'video') {
    super();
  }
  stop(): void {
    this.readyState = 'ended'; // like browsers, no 'ended' event for a local stop()
  }
}

const asTrack = (fake: FakeMediaStreamTrack) => fake as unknown as MediaStreamTrack;

describe('LocalAudioTrack / LocalVideoTrack', () => {
  it('wraps a MediaStreamTrack with a fresh id, the kind, and a name defaulting to the id', () => {
    const mst = new FakeMediaStreamTrack('audio');
    const track = new LocalAudioTrack(asTrack(mst));
    assert.equal(track.kind, 'audio');
    assert.match(track.id, /^[0-9a-f-]{36}$/);
    assert.notEqual(track.id, mst.id);
    assert.equal(track.name, track.id);
    assert.equal(track.mediaStreamTrack, asTrack(mst));
    assert.equal(new LocalVideoTrack(asTrack(new FakeMediaStreamTrack('video')), { name: 'cam' }).name, 'cam');
    assert.throws(() => new LocalVideoTrack(asTrack(mst)), TrackInvalidError);
    assert.throws(() => new LocalAudioTrack({} as MediaStreamTrack), TrackInvalidError);
  });

  it('enable()/disable()/enable(bool) set mediaStreamTrack.enabled and emit only on change', () => {
    const mst = new FakeMediaStreamTrack('video');
    const track = new LocalVideoTrack(asTrack(mst));
    const events: string[] = [];
    track.on('enabled', (t) => events.push(`enabled ${t === track}`));
    track.on('disabled', (t) => events.push(`disabled ${t === track}`));
    assert.equal(track.isEnabled, true);
    track.enable();
    track.disable();
    assert.equal(mst.enabled, false);
    assert.equal(track.isEnabled, false);
    track.disable();
    track.enable(true);
    track.enable(false);
    assert.deepEqual(events, ['disabled true', 'enabled true', 'disabled true']);
  });

  it('stop() stops the MediaStreamTrack and emits stopped once; a device end emits it too', () => {
    const mst = new FakeMediaStreamTrack('audio');
    const track = new LocalAudioTrack(asTrack(mst));
    let stopped = 0;
    track.on('stopped', () => stopped++);
    track.stop();
    track.stop();
    assert.equal(mst.readyState, 'ended');
    assert.equal(track.isStopped, true);
    assert.equal(stopped, 1);

    const other = new FakeMediaStreamTrack('video');
    const ended = new LocalVideoTrack(asTrack(other));
    let endedCount = 0;
    ended.on('stopped', () => endedCount++);
    other.readyState = 'ended';
    other.dispatchEvent(new Event('ended'));
    assert.equal(endedCount, 1);
    assert.equal(ended.isStopped, true);
  });

  it('has no DOM in Node: attach() throws MediaNotSupportedError, detach() returns nothing', () => {
    const track = new LocalAudioTrack(asTrack(new FakeMediaStreamTrack('audio')));
    assert.throws(() => track.attach(), MediaNotSupportedError);
    assert.deepEqual(track.detach(), []);
    assert.equal(track.isStarted, false);
    assert.deepEqual(track.dimensions, { width: null, height: null });
  });
});

describe('createLocalTracks', () => {
  it('rejects with MediaNotSupportedError (53309) where getUserMedia is missing', async () => {
    await assert.rejects(createLocalTracks(), (e: unknown) => e instanceof MediaNotSupportedError && e.code === 53309);
    await assert.rejects(createLocalAudioTrack(), MediaNotSupportedError);
    await assert.rejects(createLocalVideoTrack({ width: 640 }), MediaNotSupportedError);
    assert.deepEqual(await createLocalTracks({ audio: false }), [], 'nothing asked, nothing captured');
  });

  it('calls getUserMedia once with the constraints and names the tracks', async () => {
    const calls: MediaStreamConstraints[] = [];
    const audio = new FakeMediaStreamTrack('audio');
    const video = new FakeMediaStreamTrack('video');
    const g = globalThis as { navigator?: unknown };
    const saved = Object.getOwnPropertyDescriptor(g, 'navigator');
    Object.defineProperty(g, 'navigator', {
      configurable: true,
      value: {
        mediaDevices: {
          getUserMedia: async (c: MediaStreamConstraints) => {
            calls.push(c);
            return { getAudioTracks: () => (c.audio ? [audio] : []), getVideoTracks: () => (c.video ? [video] : []) };
          },
        },
      },
    });
    try {
      const tracks = await createLocalTracks({ audio: { name: 'mic' }, video: { width: 320, name: 'cam' } });
      assert.deepEqual(calls, [{ audio: true, video: { width: 320 } }]);
      assert.deepEqual(tracks.map((t) => [t.kind, t.name]), [['audio', 'mic'], ['video', 'cam']]);
      assert.ok(tracks[0] instanceof LocalAudioTrack && tracks[1] instanceof LocalVideoTrack);
      const cam = await createLocalVideoTrack();
      assert.deepEqual(calls[1], { audio: false, video: true });
      assert.equal(cam.mediaStreamTrack, asTrack(video));
      await createLocalTracks();
      assert.deepEqual(calls[2], { audio: true, video: true }, 'both by default, as in the SDK');
    } finally {
      if (saved) Object.defineProperty(g, 'navigator', saved);
      else delete g.navigator;
    }
  });
});
