import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientErrorCode } from '@plaza/protocol';
import type { SendableChannel } from './DataTrackSender.js';
import { MediaNotSupportedError, TrackPublicationCanceledError, TwilioError } from './errors.js';
import { LocalAudioTrack } from './LocalAudioTrack.js';
import { LocalDataTrack } from './LocalDataTrack.js';
import { LocalVideoTrackPublication } from './LocalMediaTrackPublication.js';
import { LocalVideoTrack } from './LocalVideoTrack.js';
import { LocalParticipant, type ChannelFactory } from './LocalParticipant.js';
import { Logger } from './Logger.js';

const log = new Logger('off');
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Stands in for PeerConnectionV2: records the channels it is asked for. */
function fakeChannels() {
  const created: Array<{ label: string; init: RTCDataChannelInit; channel: SendableChannel & EventTarget }> = [];
  const factory = {
    maxMessageSize: 262144,
    createDataChannel(label: string, init: RTCDataChannelInit) {
      const channel = Object.assign(new EventTarget(), {
        readyState: 'connecting' as RTCDataChannelState,
        send() {},
        close() {
          channel.readyState = 'closed';
        },
      });
      created.push({ label, init, channel });
      return channel as unknown as RTCDataChannel;
    },
  };
  return { factory: factory as unknown as ChannelFactory, created };
}

function setup() {
  const participant = new LocalParticipant(log);
  const { factory, created } = fakeChannels();
  participant._setChannelFactory(factory);
  let updates = 0;
  participant._setUpdateCallback(() => updates++);
  participant._connect('PA0', 'me');
  return { participant, created, updates: () => updates };
}

describe('LocalParticipant', () => {
  it('starts at revision 1 and adds a track with its channel and reliability', async () => {
    const { participant, created, updates } = setup();
    assert.equal(participant.getState().revision, 1);
    const track = new LocalDataTrack({ name: 'chat', ordered: false, maxPacketLifeTime: 500 });
    void participant.publishTrack(track);
    const state = participant.getState();
    assert.equal(state.revision, 2);
    assert.deepEqual(state.tracks, [
      {
        id: track.id,
        kind: 'data',
        name: 'chat',
        enabled: true,
        priority: 'standard',
        ordered: false,
        max_packet_life_time: 500,
        max_retransmits: null,
      },
    ]);
    assert.deepEqual(created.map((c) => [c.label, c.init]), [[track.id, { ordered: false, maxPacketLifeTime: 500 }]]);
    await tick();
    assert.equal(updates(), 1);
  });

  it('resolves on ready, ignores stale `published` revisions, and publishes once per track', async () => {
    const { participant } = setup();
    const track = new LocalDataTrack();
    const promise = participant.publishTrack(track);
    assert.equal(participant.publishTrack(track), promise);
    participant._handlePublished({ revision: 2, tracks: [{ id: track.id, state: 'created' }] });
    participant._handlePublished({ revision: 1, tracks: [{ id: track.id, sid: 'MTstale', state: 'ready' }] });
    participant._handlePublished({ revision: 3, tracks: [{ id: track.id, sid: 'MT1', state: 'ready' }] });
    const publication = await promise;
    assert.equal(publication.trackSid, 'MT1');
    assert.equal(publication.trackName, track.name);
    assert.equal(publication.track, track);
    assert.equal(participant.tracks.get('MT1'), publication);
    assert.equal(participant.dataTracks.get('MT1'), publication);
    assert.equal(await participant.publishTrack(track), publication);
  });

  it('rejects with the server code on failed and emits trackPublicationFailed', async () => {
    const { participant } = setup();
    const track = new LocalDataTrack();
    const failures: TwilioError[] = [];
    participant.on('trackPublicationFailed', (error, t) => {
      assert.equal(t, track);
      failures.push(error);
    });
    const promise = participant.publishTrack(track);
    const revision = participant.getState().revision;
    participant._handlePublished({
      revision: 1,
      tracks: [{ id: track.id, state: 'failed', error: { code: 53304, message: 'Track name is duplicated' } }],
    });
    await assert.rejects(promise, (error: unknown) => error instanceof TwilioError && error.code === 53304);
    assert.equal(failures.length, 1);
    assert.equal(participant.getState().tracks.length, 0);
    assert.equal(participant.getState().revision, revision + 1);
  });

  it('unpublishes: closes the channel, bumps the revision, cancels a pending publish', async () => {
    const { participant, created } = setup();
    const track = new LocalDataTrack();
    const promise = participant.publishTrack(track);
    const revision = participant.getState().revision;
    assert.equal(participant.unpublishTrack(track), null);
    await assert.rejects(
      promise,
      (error: unknown) => error instanceof TrackPublicationCanceledError && error.code === ClientErrorCode.TrackPublicationCanceled,
    );
    assert.equal(created[0]?.channel.readyState, 'closed');
    assert.equal(participant.getState().revision, revision + 1);
    assert.equal(participant.unpublishTrack(track), null);
  });

  it('creates channels for tracks added before the peer connection existed', () => {
    const participant = new LocalParticipant(log);
    const track = new LocalDataTrack();
    void participant._addTrack(track);
    const { factory, created } = fakeChannels();
    participant._setChannelFactory(factory);
    assert.deepEqual(created.map((c) => c.label), [track.id]);
  });

  it('fails pending publishes on disconnect and refuses new ones', async () => {
    const { participant } = setup();
    const promise = participant.publishTrack(new LocalDataTrack());
    participant._disconnect();
    await assert.rejects(promise, TrackPublicationCanceledError);
    await assert.rejects(participant.publishTrack(new LocalDataTrack()), TrackPublicationCanceledError);
    assert.equal(participant.state, 'disconnected');
  });
});

/** Stands in for a browser MediaStreamTrack (Node has none). */
class FakeMediaStreamTrack extends EventTarget {
  enabled = true;
  readyState: MediaStreamTrackState = 'live';
  readonly id = `mst-${Math.random()}`;
  constructor(readonly kind: 'audio' | 'video') {
    super();
  }
  stop(): void {
    this.readyState = 'ended';
  }
}

/** A channel factory that also records addMediaTrack/removeMediaTrack. */
function setupMedia(failWith?: Error) {
  const added: Array<{ track: MediaStreamTrack; id: string; transceiver: object }> = [];
  const removed: object[] = [];
  const { factory } = fakeChannels();
  Object.assign(factory, {
    addMediaTrack(track: MediaStreamTrack, id: string) {
      if (failWith) throw failWith;
      const transceiver = { mid: String(added.length) };
      added.push({ track, id, transceiver });
      return transceiver;
    },
    removeMediaTrack(transceiver: object) {
      removed.push(transceiver);
    },
  });
  const participant = new LocalParticipant(log);
  participant._setChannelFactory(factory);
  let updates = 0;
  participant._setUpdateCallback(() => updates++);
  participant._connect('PA0', 'me');
  return { participant, added, removed, updates: () => updates };
}

describe('LocalParticipant media', () => {
  it('adds a sending transceiver with the track id and reports kind/enabled in the state', async () => {
    const { participant, added } = setupMedia();
    const mic = new LocalAudioTrack(new FakeMediaStreamTrack('audio') as unknown as MediaStreamTrack, { name: 'mic' });
    void participant.publishTrack(mic, { priority: 'high' });
    assert.deepEqual(added.map((a) => [a.track, a.id]), [[mic.mediaStreamTrack, mic.id]]);
    assert.deepEqual(participant.getState(), {
      revision: 2,
      tracks: [{ id: mic.id, kind: 'audio', name: 'mic', enabled: true, priority: 'high' }],
    });
  });

  it('enable/disable bump the revision, send an update with the new `enabled`, and are re-emitted', async () => {
    const { participant, updates } = setupMedia();
    const cam = new LocalVideoTrack(new FakeMediaStreamTrack('video') as unknown as MediaStreamTrack);
    void participant.publishTrack(cam);
    await tick();
    const seen: string[] = [];
    participant.on('trackDisabled', (t) => seen.push(`disabled ${t === cam}`));
    participant.on('trackEnabled', (t) => seen.push(`enabled ${t === cam}`));
    const before = { revision: participant.getState().revision, updates: updates() };
    cam.disable();
    assert.equal(participant.getState().revision, before.revision + 1);
    assert.equal(participant.getState().tracks[0]?.enabled, false);
    await tick();
    assert.equal(updates(), before.updates + 1);
    cam.disable(); // no change, no update
    cam.enable();
    await tick();
    assert.equal(participant.getState().tracks[0]?.enabled, true);
    assert.equal(participant.getState().revision, before.revision + 2);
    assert.equal(updates(), before.updates + 2);
    assert.deepEqual(seen, ['disabled true', 'enabled true']);
  });

  it('resolves with a LocalVideoTrackPublication on ready; unpublish removes the transceiver and stops listening', async () => {
    const { participant, added, removed } = setupMedia();
    const mst = new FakeMediaStreamTrack('video') as unknown as MediaStreamTrack;
    const promise = participant.publishTrack(mst, { name: 'screen' });
    assert.equal(participant.publishTrack(mst), promise, 'the same MediaStreamTrack is the same publication');
    const id = added[0]?.id ?? '';
    participant._handlePublished({ revision: 1, tracks: [{ id, sid: 'MTv', state: 'ready' }] });
    const publication = await promise;
    assert.ok(publication instanceof LocalVideoTrackPublication);
    assert.equal(publication.kind, 'video');
    assert.equal(publication.trackName, 'screen');
    assert.equal(publication.track.mediaStreamTrack, mst);
    assert.equal(participant.videoTracks.get('MTv'), publication);
    assert.equal(participant.tracks.get('MTv'), publication);
    assert.equal(publication.isTrackEnabled, true);

    const revision = participant.getState().revision;
    assert.equal(participant.unpublishTrack(mst), publication);
    assert.deepEqual(removed, [added[0]?.transceiver]);
    assert.equal(participant.videoTracks.size, 0);
    assert.equal(participant.getState().tracks.length, 0);
    assert.equal(participant.getState().revision, revision + 1);
    publication.track.disable();
    assert.equal(participant.getState().revision, revision + 1, 'an unpublished track no longer changes the state');
  });

  it('fails the publication with the typed error when media cannot be sent (Node)', async () => {
    const { participant } = setupMedia(new MediaNotSupportedError('no addTransceiver'));
    const failures: TwilioError[] = [];
    participant.on('trackPublicationFailed', (error) => failures.push(error));
    const mic = new LocalAudioTrack(new FakeMediaStreamTrack('audio') as unknown as MediaStreamTrack);
    await assert.rejects(participant.publishTrack(mic), MediaNotSupportedError);
    assert.equal(failures[0]?.code, 53309);
    assert.equal(participant.getState().tracks.length, 0);
  });

  it('rejects values that are not tracks with a TypeError', async () => {
    const { participant } = setupMedia();
    await assert.rejects(participant.publishTrack({} as LocalDataTrack), TypeError);
  });
});
