/**
 * Room state handling with the transport and peer connection faked (they are the external edges;
 * their wire behaviour is tested in SignalingTransport.test.ts and end to end).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ParsedRemoteParticipant, ParsedRoomState } from '@plaza/protocol';
import { DataTrackReceiver, type ReceivableChannel } from './DataTrackReceiver.js';
import { ErrorCode } from '@plaza/protocol';
import type { TwilioError } from './errors.js';
import { LocalParticipant } from './LocalParticipant.js';
import { Logger } from './Logger.js';
import type { PeerConnectionV2 } from './PeerConnectionV2.js';
import { Room } from './Room.js';
import type { ConnectedMessage, SignalingTransport, SignalingTransportEvents, UpdatePayload } from './SignalingTransport.js';
import { SubscriptionTable } from './SubscriptionTable.js';
import { TypedEmitter } from './TypedEmitter.js';

const log = new Logger('off');

class FakeTransport extends TypedEmitter<SignalingTransportEvents> {
  published: UpdatePayload[] = [];
  disconnects: Array<TwilioError | undefined> = [];
  publish(update: UpdatePayload): boolean {
    this.published.push(update);
    return true;
  }
  disconnect(error?: TwilioError): boolean {
    this.disconnects.push(error);
    this.emit('stateChanged', 'disconnected', error);
    return true;
  }
  /** Delivers room state the way SignalingTransport does. */
  deliver(state: Omit<Extract<ParsedRoomState, { type: 'update' }>, 'type'> & { type?: 'update' | 'synced' }): void {
    this.emit('message', { type: 'update', ...state } as ParsedRoomState);
  }
}

function remote(sid: string, revision: number, trackSids: string[] = [], state: ParsedRemoteParticipant['state'] = 'connected'): ParsedRemoteParticipant {
  return {
    sid,
    identity: `id-${sid}`,
    revision,
    state,
    tracks: trackSids.map((t) => ({ sid: t, name: t, kind: 'data', enabled: true })),
  };
}

function channel(label: string): ReceivableChannel & EventTarget {
  const fake = Object.assign(new EventTarget(), {
    label,
    ordered: true,
    maxPacketLifeTime: null,
    maxRetransmits: null,
    binaryType: 'arraybuffer' as BinaryType,
    close() {},
  });
  return fake as unknown as ReceivableChannel & EventTarget;
}

function setup(initial: Partial<ConnectedMessage> = {}) {
  const transport = new FakeTransport();
  const pcClosed: boolean[] = [];
  const pc = { id: 'pc-1', update: async () => undefined, close: () => pcClosed.push(true), on: () => pc, removeAllListeners: () => pc };
  const subscriptions = new SubscriptionTable();
  const localParticipant = new LocalParticipant(log);
  const room = new Room({
    initialState: {
      type: 'connected',
      session: 'S',
      sid: 'RM1',
      name: 'room',
      participant: { sid: 'PA0', identity: 'me' },
      participants: [remote('PA0', 1), remote('PA1', 1, ['MT1'])],
      options: { session_timeout: 0.05 },
      ...initial,
    } as ConnectedMessage,
    transport: transport as unknown as SignalingTransport,
    peerConnection: pc as unknown as PeerConnectionV2,
    localParticipant,
    subscriptions,
    log,
  });
  const events: string[] = [];
  room.on('participantConnected', (p) => events.push(`connected ${p.sid}`));
  room.on('participantDisconnected', (p) => events.push(`disconnected ${p.sid}`));
  room.on('trackPublished', (pub, p) => events.push(`published ${pub.trackSid} by ${p.sid}`));
  room.on('trackSubscribed', (t, _pub, p) => events.push(`subscribed ${t.sid} of ${p.sid}`));
  room.on('trackMessage', (data, _t, p) => events.push(`message ${String(data)} from ${p.sid}`));
  return { room, transport, subscriptions, events, pcClosed };
}

describe('Room', () => {
  it('builds the initial participants without itself', () => {
    const { room } = setup();
    assert.equal(room.sid, 'RM1');
    assert.equal(room.localParticipant.sid, 'PA0');
    assert.equal(room.localParticipant.identity, 'me');
    assert.deepEqual([...room.participants.keys()], ['PA1']);
    assert.deepEqual([...(room.participants.get('PA1')?.tracks.keys() ?? [])], ['MT1']);
  });

  it('applies participant revisions and remembers who left', () => {
    const { room, transport, events } = setup();
    transport.deliver({ participants: [remote('PA1', 1, ['MT1', 'MT2'])] });
    assert.deepEqual(events, [], 'same revision ignored');
    transport.deliver({ participants: [remote('PA1', 2, ['MT1', 'MT2']), remote('PA2', 1)] });
    assert.deepEqual(events, ['published MT2 by PA1', 'connected PA2']);
    transport.deliver({ participants: [] });
    assert.equal(room.participants.size, 2, 'absence from an update does not remove');
    transport.deliver({ participants: [remote('PA2', 2, [], 'disconnected')] });
    assert.deepEqual(events.slice(2), ['disconnected PA2']);
    transport.deliver({ participants: [remote('PA2', 2)] });
    assert.equal(room.participants.has('PA2'), false, 'stale entry after leaving is ignored');
    transport.deliver({ participants: [remote('PA2', 3)] });
    assert.deepEqual(events.slice(3), ['connected PA2'], 'a newer revision brings it back');
  });

  it('drops participants absent from synced', () => {
    const { room, transport, events } = setup();
    transport.deliver({ type: 'synced', participants: [] });
    assert.deepEqual(events, ['disconnected PA1']);
    assert.equal(room.participants.size, 0);
  });

  it('subscribes whether the channel or the subscribed entry comes first', () => {
    const { transport, subscriptions, events } = setup({ participants: [remote('PA1', 1, ['MT1', 'MT2'])] });
    // channel first
    const ch1 = channel('sub-1');
    subscriptions.addReceiver(new DataTrackReceiver(ch1, log));
    ch1.dispatchEvent(Object.assign(new Event('message'), { data: 'early' }));
    transport.deliver({ subscribed: { revision: 1, tracks: [{ sid: 'MT1', id: 'sub-1' }, { sid: 'MT2', id: 'sub-2' }] } });
    // subscribed first
    subscriptions.addReceiver(new DataTrackReceiver(channel('sub-2'), log));
    assert.deepEqual(events, ['subscribed MT1 of PA1', 'message early from PA1', 'subscribed MT2 of PA1']);
  });

  it('reconnecting / reconnected, and disconnect with 53001 when the session timeout passes', async () => {
    const { room, transport } = setup();
    const seen: string[] = [];
    room.on('reconnecting', (error) => seen.push(`reconnecting ${error.code}`));
    room.on('reconnected', () => seen.push('reconnected'));
    transport.emit('stateChanged', 'syncing');
    assert.equal(room.state, 'reconnecting');
    transport.emit('stateChanged', 'connected');
    assert.equal(room.state, 'connected');
    const disconnected = new Promise<TwilioError | undefined>((resolve) => room.once('disconnected', (_r, e) => resolve(e)));
    transport.emit('stateChanged', 'syncing');
    const error = await disconnected;
    assert.deepEqual(seen, ['reconnecting 53001', 'reconnected', 'reconnecting 53001']);
    assert.equal(error?.code, ErrorCode.SignalingConnectionDisconnected);
    assert.equal(room.state, 'disconnected');
  });

  it('disconnect() closes everything once', () => {
    const { room, transport, pcClosed } = setup();
    let count = 0;
    room.on('disconnected', (r, error) => {
      assert.equal(r, room);
      assert.equal(error, undefined);
      count++;
    });
    room.disconnect();
    room.disconnect();
    assert.equal(count, 1);
    assert.equal(transport.disconnects.length, 1);
    assert.deepEqual(pcClosed, [true]);
    assert.equal(room.localParticipant.state, 'disconnected');
  });
});

describe('Room media subscriptions', () => {
  const media = (sid: string, kind: 'audio' | 'video', enabled = true) => ({ sid, name: sid, kind, enabled });
  const carrier = (id: string, kind: 'audio' | 'video', mid = '1') => ({
    id,
    kind,
    mid,
    track: { kind, id: `browser-${id}`, enabled: true } as unknown as MediaStreamTrack,
  });

  it('matches publications with subscribed ids and m-sections, in either order, and follows enabled', () => {
    const { room, transport, subscriptions, events } = setup({
      participants: [{ sid: 'PA1', identity: 'a', revision: 1, state: 'connected', tracks: [media('MTa', 'audio'), media('MTv', 'video')] }],
    });
    room.on('trackDisabled', (pub, p) => events.push(`disabled ${pub.trackSid} of ${p.sid}`));
    room.on('trackUnsubscribed', (t, _pub, p) => events.push(`unsubscribed ${t.sid} of ${p.sid}`));
    // m-section first for the audio, subscribed first for the video
    const audioCarrier = carrier('sub-a', 'audio');
    subscriptions.setMediaReceivers([audioCarrier]);
    transport.deliver({ subscribed: { revision: 1, tracks: [{ sid: 'MTa', id: 'sub-a' }, { sid: 'MTv', id: 'sub-v' }] } });
    subscriptions.setMediaReceivers([audioCarrier, carrier('sub-v', 'video', '2')]);
    assert.deepEqual(events, ['subscribed MTa of PA1', 'subscribed MTv of PA1']);
    const audio = room.participants.get('PA1')?.audioTracks.get('MTa')?.track;
    assert.equal(audio?.kind, 'audio');

    transport.deliver({
      participants: [{ sid: 'PA1', identity: 'a', revision: 2, state: 'connected', tracks: [media('MTa', 'audio', false), media('MTv', 'video')] }],
    });
    assert.equal(audio?.isEnabled, false);
    // the video subscription ends: its id leaves `subscribed`
    transport.deliver({ subscribed: { revision: 2, tracks: [{ sid: 'MTa', id: 'sub-a' }] } });
    assert.deepEqual(events.slice(2), ['disabled MTa of PA1', 'unsubscribed MTv of PA1']);
  });

  it('resubscribes when the m-section carrying a subscription changes, and unsubscribes when it goes', () => {
    const { room, transport, subscriptions, events } = setup({
      participants: [{ sid: 'PA1', identity: 'a', revision: 1, state: 'connected', tracks: [media('MTv', 'video')] }],
    });
    room.on('trackUnsubscribed', (t) => events.push(`unsubscribed ${t.sid}`));
    transport.deliver({ subscribed: { revision: 1, tracks: [{ sid: 'MTv', id: 'sub-v' }] } });
    subscriptions.setMediaReceivers([carrier('sub-v', 'video', '1')]);
    subscriptions.setMediaReceivers([carrier('sub-v', 'video', '3')]);
    subscriptions.setMediaReceivers([]);
    assert.deepEqual(events, ['subscribed MTv of PA1', 'unsubscribed MTv', 'subscribed MTv of PA1', 'unsubscribed MTv']);
  });
});
