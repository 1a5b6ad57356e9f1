import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ParsedRemoteParticipant, ParsedServerTrack } from '@plaza/protocol';
import { DataTrackReceiver, type ReceivableChannel } from './DataTrackReceiver.js';
import { Logger } from './Logger.js';
import { RemoteAudioTrack } from './RemoteAudioTrack.js';
import { RemoteParticipant } from './RemoteParticipant.js';
import { RemoteVideoTrack } from './RemoteVideoTrack.js';

const log = new Logger('off');

function track(sid: string, extra: Partial<ParsedServerTrack> = {}): ParsedServerTrack {
  return { sid, name: `name-${sid}`, kind: 'data', enabled: true, priority: 'standard', ...extra };
}

function state(revision: number, tracks: ParsedServerTrack[], s: ParsedRemoteParticipant['state'] = 'connected'): ParsedRemoteParticipant {
  return { sid: 'PA1', identity: 'alice', revision, state: s, tracks };
}

/** Stands in for a server-opened RTCDataChannel. */
class FakeChannel extends EventTarget {
  binaryType: BinaryType = 'blob';
  constructor(
    readonly label: string,
    readonly ordered = true,
    readonly maxPacketLifeTime: number | null = null,
    readonly maxRetransmits: number | null = null,
  ) {
    super();
  }
  close(): void {
    this.dispatchEvent(new Event('close'));
  }
  receive(data: unknown): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data }));
  }
}

function record(participant: RemoteParticipant) {
  const events: string[] = [];
  participant.on('trackPublished', (p) => events.push(`published ${p.trackSid}`));
  participant.on('trackUnpublished', (p) => events.push(`unpublished ${p.trackSid}`));
  participant.on('trackSubscribed', (t) => events.push(`subscribed ${t.sid}`));
  participant.on('trackUnsubscribed', (t) => events.push(`unsubscribed ${t.sid}`));
  participant.on('reconnecting', () => events.push('reconnecting'));
  participant.on('reconnected', () => events.push('reconnected'));
  participant.on('disconnected', () => events.push('disconnected'));
  return events;
}

describe('RemoteParticipant revisions', () => {
  it('applies only entries with a higher revision', () => {
    const participant = new RemoteParticipant(state(3, [track('MT1')]), log);
    const events = record(participant);
    assert.equal(participant.revision, 3);
    assert.deepEqual([...participant.tracks.keys()], ['MT1']);

    assert.equal(participant._update(state(3, [track('MT1'), track('MT2')])), false);
    assert.equal(participant._update(state(2, [])), false);
    assert.deepEqual([...participant.tracks.keys()], ['MT1']);
    assert.deepEqual(events, []);

    assert.equal(participant._update(state(4, [track('MT2')])), true);
    assert.deepEqual(events, ['published MT2', 'unpublished MT1']);
    assert.deepEqual([...participant.dataTracks.keys()], ['MT2']);
    assert.equal(participant.revision, 4);
  });

  it("ends on state 'disconnected' and ignores everything after", () => {
    const participant = new RemoteParticipant(state(1, [track('MT1')]), log);
    const events = record(participant);
    participant._update(state(2, [track('MT1')], 'disconnected'));
    assert.equal(participant.state, 'disconnected');
    assert.deepEqual(events, ['disconnected']);
    assert.equal(participant._update(state(3, [track('MT9')])), false);
  });

  it('reports reconnecting and reconnected once each', () => {
    const participant = new RemoteParticipant(state(1, []), log);
    const events = record(participant);
    participant._update(state(2, [], 'reconnecting'));
    participant._update(state(3, [], 'reconnecting'));
    participant._update(state(4, [], 'connected'));
    assert.deepEqual(events, ['reconnecting', 'reconnected']);
  });

  it('represents audio, video and data publications and ignores unknown kinds', () => {
    const participant = new RemoteParticipant(
      state(1, [track('MTa', { kind: 'audio' }), track('MTv', { kind: 'video' }), track('MTd'), track('MTx', { kind: 'hologram' })]),
      log,
    );
    assert.deepEqual([...participant.tracks.keys()], ['MTa', 'MTv', 'MTd']);
    assert.deepEqual([...participant.audioTracks.keys()], ['MTa']);
    assert.deepEqual([...participant.videoTracks.keys()], ['MTv']);
    assert.deepEqual([...participant.dataTracks.keys()], ['MTd']);
  });
});

describe('RemoteParticipant subscriptions', () => {
  it('delivers messages that arrived before the subscription, after trackSubscribed', () => {
    const participant = new RemoteParticipant(state(1, [track('MT1', { ordered: false, max_retransmits: 2 })]), log);
    const channel = new FakeChannel('sub-1');
    const receiver = new DataTrackReceiver(channel as unknown as ReceivableChannel, log);
    assert.equal(channel.binaryType, 'arraybuffer');
    channel.receive('early');
    channel.receive(new Uint8Array([1, 2]).buffer);

    const publication = participant.dataTracks.get('MT1');
    assert.ok(publication);
    const got: unknown[] = [];
    participant.on('trackSubscribed', (t) => {
      if (t.kind === 'data') t.on('message', (data) => got.push(data));
    });
    participant._subscribe(publication, receiver, 'sub-1');
    channel.receive('late');

    assert.equal(got.length, 3);
    assert.equal(got[0], 'early');
    assert.ok(got[1] instanceof ArrayBuffer);
    assert.equal(got[2], 'late');
    const remote = publication.track;
    assert.ok(remote);
    // Reliability from the server's extension fields, not from the channel.
    assert.equal(remote.ordered, false);
    assert.equal(remote.maxRetransmits, 2);
    assert.equal(remote.maxPacketLifeTime, null);
    assert.equal(remote.reliable, false);
    assert.equal(participant._subscriptionId(publication), 'sub-1');
  });

  it('falls back to the channel reliability and unsubscribes on unpublish', () => {
    const participant = new RemoteParticipant(state(1, [track('MT1')]), log);
    const events = record(participant);
    const publication = participant.dataTracks.get('MT1');
    assert.ok(publication);
    participant._subscribe(publication, new DataTrackReceiver(new FakeChannel('x', false, 65535, 65535) as unknown as ReceivableChannel, log), 'x');
    const remote = publication.track;
    assert.ok(remote);
    assert.equal(remote.ordered, false);
    assert.equal(remote.maxPacketLifeTime, null); // 65535 means "no limit" (Chrome/Safari)
    assert.equal(remote.reliable, true);
    participant._update(state(2, []));
    assert.deepEqual(events, ['subscribed MT1', 'unsubscribed MT1', 'unpublished MT1']);
    assert.equal(remote.isSubscribed, false);
  });
});

describe('RemoteParticipant media', () => {
  const receiver = (id: string, kind: 'audio' | 'video') => ({
    id,
    kind,
    mid: '0',
    track: { kind, id: 'browser-id', enabled: false } as unknown as MediaStreamTrack,
  });

  it('subscribes to an audio publication, follows its enabled state, and unsubscribes on unpublish', () => {
    const participant = new RemoteParticipant(state(1, [track('MTa', { kind: 'audio', name: 'mic' })]), log);
    const events: string[] = [];
    participant.on('trackSubscribed', (t, p) => events.push(`subscribed ${t.kind} ${t.sid} ${p.trackSid}`));
    participant.on('trackUnsubscribed', (t) => events.push(`unsubscribed ${t.sid}`));
    participant.on('trackUnpublished', (p) => events.push(`unpublished ${p.trackSid}`));
    participant.on('trackEnabled', (p) => events.push(`participant enabled ${p.trackSid}`));
    participant.on('trackDisabled', (p) => events.push(`participant disabled ${p.trackSid}`));
    const publication = participant.audioTracks.get('MTa');
    assert.ok(publication);
    publication.on('trackDisabled', () => events.push('publication disabled'));

    const carried = receiver('sub-a', 'audio');
    participant._subscribeMedia(publication, carried, 'sub-a');
    const remote = publication.track;
    assert.ok(remote instanceof RemoteAudioTrack);
    assert.equal(remote.name, 'mic');
    assert.equal(remote.mediaStreamTrack, carried.track);
    assert.equal(remote.mediaStreamTrack.enabled, true, 're-enabled for a new subscription');
    assert.equal(remote.isEnabled, true);
    assert.equal(participant._subscriptionId(publication), 'sub-a');
    remote.on('disabled', (t) => events.push(`track disabled ${t === remote}`));

    participant._update(state(2, [track('MTa', { kind: 'audio', name: 'mic', enabled: false })]));
    assert.equal(remote.isEnabled, false);
    assert.equal(publication.isTrackEnabled, false);
    participant._update(state(3, [track('MTa', { kind: 'audio', name: 'mic', enabled: true })]));
    participant._update(state(4, []));
    assert.deepEqual(events, [
      'subscribed audio MTa MTa',
      'track disabled true',
      'participant disabled MTa', // its listener was attached first, when the publication appeared
      'publication disabled',
      'participant enabled MTa',
      'unsubscribed MTa',
      'unpublished MTa',
    ]);
  });

  it('creates RemoteVideoTracks with the publisher state, and refuses a receiver of the wrong kind', () => {
    const participant = new RemoteParticipant(state(1, [track('MTv', { kind: 'video', enabled: false })]), log);
    const publication = participant.videoTracks.get('MTv');
    assert.ok(publication);
    participant._subscribeMedia(publication, receiver('sub-v', 'audio'), 'sub-v');
    assert.equal(publication.isSubscribed, false);
    participant._subscribeMedia(publication, receiver('sub-v', 'video'), 'sub-v');
    assert.ok(publication.track instanceof RemoteVideoTrack);
    assert.equal(publication.track.isEnabled, false);
    assert.equal(publication.track.isSwitchedOff, false);
  });
});
