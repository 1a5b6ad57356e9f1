/**
 * RemoteParticipant (twilio-video lib/remoteparticipant.js + lib/signaling/v2/remoteparticipant.js).
 *
 * State comes from `participants[]` entries of room state: an entry is applied only if its revision
 * is higher than the last one applied; tracks absent from an applied entry are unpublished;
 * `state: 'disconnected'` ends the participant. Audio, video and data tracks are represented;
 * tracks of other kinds are ignored.
 *
 * Re-emitted, as in the SDK (participant.js, remoteparticipant.js): the publications'
 * trackEnabled/trackDisabled/subscriptionFailed (with the publication) and the subscribed tracks'
 * started/dimensionsChanged/message (as trackStarted/trackDimensionsChanged/trackMessage).
 */
import type { ParsedRemoteParticipant, ParsedServerTrack } from '@plaza/protocol';
import type { DataMessage, DataTrackReceiver } from './DataTrackReceiver.js';
import type { TwilioError } from './errors.js';
import type { Logger } from './Logger.js';
import type { MediaTrackReceiver } from './MediaTransceivers.js';
import type { RemoteAudioTrack } from './RemoteAudioTrack.js';
import { RemoteDataTrack, reliabilityFromChannel } from './RemoteDataTrack.js';
import { plazaIndexOf } from './DataChannelAddressing.js';
import { RemoteDataTrackPublication } from './RemoteDataTrackPublication.js';
import type { RemoteMediaTrack } from './RemoteMediaTrack.js';
import { RemoteAudioTrackPublication, RemoteVideoTrackPublication } from './RemoteMediaTrackPublication.js';
import type { RemoteVideoTrack } from './RemoteVideoTrack.js';
import { TypedEmitter } from './TypedEmitter.js';

export type RemoteParticipantState = 'connected' | 'reconnecting' | 'disconnected';

export type RemoteTrack = RemoteAudioTrack | RemoteVideoTrack | RemoteDataTrack;
export type RemoteMediaTrackPublicationOf = RemoteAudioTrackPublication | RemoteVideoTrackPublication;
export type RemoteTrackPublication = RemoteMediaTrackPublicationOf | RemoteDataTrackPublication;

/** A track with its publication, kinds matching; `Rest` is appended (the participant, in Room events). */
export type TrackAndPublication<Rest extends unknown[] = []> =
  | [track: RemoteAudioTrack, publication: RemoteAudioTrackPublication, ...rest: Rest]
  | [track: RemoteVideoTrack, publication: RemoteVideoTrackPublication, ...rest: Rest]
  | [track: RemoteDataTrack, publication: RemoteDataTrackPublication, ...rest: Rest];

export type RemoteParticipantEvents = {
  trackPublished: [publication: RemoteTrackPublication];
  trackUnpublished: [publication: RemoteTrackPublication];
  trackSubscribed: TrackAndPublication;
  trackUnsubscribed: TrackAndPublication;
  trackSubscriptionFailed: [error: TwilioError, publication: RemoteTrackPublication];
  trackEnabled: [publication: RemoteMediaTrackPublicationOf];
  trackDisabled: [publication: RemoteMediaTrackPublicationOf];
  trackStarted: [track: RemoteAudioTrack | RemoteVideoTrack];
  trackDimensionsChanged: [track: RemoteVideoTrack];
  trackMessage: [data: DataMessage, track: RemoteDataTrack];
  reconnecting: [participant: RemoteParticipant];
  reconnected: [participant: RemoteParticipant];
  disconnected: [participant: RemoteParticipant];
};

/** @internal Told about each subscribed track that carries a DataChannel session. */
export type SessionSubscribedHandler = (track: RemoteDataTrack, publication: RemoteDataTrackPublication, participant: RemoteParticipant) => void;

export class RemoteParticipant extends TypedEmitter<RemoteParticipantEvents> {
  readonly sid: string;
  readonly identity: string;
  /** Publications by track SID. */
  readonly tracks = new Map<string, RemoteTrackPublication>();
  readonly audioTracks = new Map<string, RemoteAudioTrackPublication>();
  readonly videoTracks = new Map<string, RemoteVideoTrackPublication>();
  readonly dataTracks = new Map<string, RemoteDataTrackPublication>();
  /** @internal Its room index (`plaza_index`), which DataChannel envelopes name recipients by. */
  _plazaIndex: number | undefined = undefined;
  #state: RemoteParticipantState = 'connected';
  #revision: number | null = null;
  #onSession: SessionSubscribedHandler | null = null;
  readonly #log: Logger;
  readonly #subscriptionIds = new WeakMap<RemoteTrackPublication, string>();
  /** Removes our listeners from a subscribed media track. */
  readonly #unlisten = new WeakMap<RemoteTrackPublication, () => void>();

  constructor(state: ParsedRemoteParticipant, log: Logger) {
    super();
    this.sid = state.sid;
    this.identity = state.identity;
    this.#log = log;
    this._update(state);
  }

  get state(): RemoteParticipantState {
    return this.#state;
  }

  /** Last applied revision of this participant's state. */
  get revision(): number | null {
    return this.#revision;
  }

  /** Alias of `tracks` (newer SDK name). */
  get trackPublications(): Map<string, RemoteTrackPublication> {
    return this.tracks;
  }

  /** @internal Applies an entry if its revision is newer. Returns whether it was applied. */
  _update(state: ParsedRemoteParticipant): boolean {
    if (this.#state === 'disconnected') return false;
    if (this.#revision !== null && state.revision <= this.#revision) return false;
    this.#revision = state.revision;
    this._plazaIndex = plazaIndexOf(state.plaza_index) ?? this._plazaIndex;

    const keep = new Set<string>();
    for (const trackState of state.tracks) {
      const existing = this.tracks.get(trackState.sid);
      if (existing) {
        if (existing.kind !== trackState.kind) continue; // a SID never changes kind; ignore nonsense
        keep.add(trackState.sid);
        existing._update(trackState);
        continue;
      }
      const publication = this.#createPublication(trackState);
      if (!publication) continue;
      keep.add(trackState.sid);
      this.tracks.set(publication.trackSid, publication);
      this.#mapOf(publication).set(publication.trackSid, publication);
      this.emit('trackPublished', publication);
    }
    for (const publication of [...this.tracks.values()]) {
      if (keep.has(publication.trackSid)) continue;
      this._unsubscribe(publication);
      this.tracks.delete(publication.trackSid);
      this.#mapOf(publication).delete(publication.trackSid);
      this.emit('trackUnpublished', publication);
    }

    switch (state.state) {
      case 'disconnected':
        this._disconnect();
        break;
      case 'reconnecting':
        if (this.#state === 'connected') {
          this.#state = 'reconnecting';
          this.emit('reconnecting', this);
        }
        break;
      case 'connected':
        if (this.#state === 'reconnecting') {
          this.#state = 'connected';
          this.emit('reconnected', this);
        }
        break;
    }
    return true;
  }

  /** @internal Set by Room: where subscribed DataChannel session tracks are reported. */
  _setSessionHandler(handler: SessionSubscribedHandler): void {
    this.#onSession = handler;
  }

  /** @internal Subscribes a data publication to the channel that carries it. */
  _subscribe(publication: RemoteDataTrackPublication, receiver: DataTrackReceiver, subscriptionId: string): void {
    if (this.#state === 'disconnected' || publication.isSubscribed) return;
    const fromChannel = reliabilityFromChannel(receiver.channel);
    const announced = publication._reliability;
    const isSession = publication._plazaChannel !== null;
    const track = new RemoteDataTrack(
      publication.trackSid,
      publication.trackName,
      receiver,
      {
        ordered: announced.ordered ?? fromChannel.ordered,
        maxPacketLifeTime: announced.maxPacketLifeTime !== undefined ? announced.maxPacketLifeTime : fromChannel.maxPacketLifeTime,
        maxRetransmits: announced.maxRetransmits !== undefined ? announced.maxRetransmits : fromChannel.maxRetransmits,
      },
      isSession,
    );
    this.#subscriptionIds.set(publication, subscriptionId);
    track.on('message', (data, t) => this.emit('trackMessage', data, t));
    publication._subscribed(track);
    this.emit('trackSubscribed', track, publication);
    // A session's receiver is created before delivery starts, so it gets the early messages too.
    if (isSession) this.#onSession?.(track, publication, this);
    // Started after the event so that listeners attached in trackSubscribed get early messages too.
    track._start();
    this.#log.debug(`subscribed to ${publication.trackSid} on channel ${subscriptionId}`);
  }

  /** @internal Subscribes an audio/video publication to the m-section that carries it. */
  _subscribeMedia(publication: RemoteMediaTrackPublicationOf, receiver: MediaTrackReceiver, subscriptionId: string): void {
    if (this.#state === 'disconnected' || publication.isSubscribed) return;
    if (receiver.kind !== publication.kind) {
      this.#log.warn(`subscription ${subscriptionId} carries ${receiver.kind}, but ${publication.trackSid} is ${publication.kind}`);
      return;
    }
    this.#subscriptionIds.set(publication, subscriptionId);
    if (publication.kind === 'audio') {
      const track = publication._createTrack(receiver);
      this.#unlisten.set(publication, this.#listen(track));
      publication._subscribed(track);
      this.emit('trackSubscribed', track, publication);
    } else {
      const track = publication._createTrack(receiver);
      this.#unlisten.set(publication, this.#listen(track));
      publication._subscribed(track);
      this.emit('trackSubscribed', track, publication);
    }
    this.#log.debug(`subscribed to ${publication.trackSid} (${publication.kind}) on mid ${receiver.mid}`);
  }

  /** @internal The subscription id (channel label or msid track id) a subscribed publication uses. */
  _subscriptionId(publication: RemoteTrackPublication): string | undefined {
    return publication.isSubscribed ? this.#subscriptionIds.get(publication) : undefined;
  }

  /** @internal */
  _unsubscribe(publication: RemoteTrackPublication): void {
    this.#unlisten.get(publication)?.();
    this.#unlisten.delete(publication);
    // Narrowed per kind so the event's track and publication kinds match.
    if (publication.kind === 'data') {
      const track = publication._unsubscribe();
      if (track) this.emit('trackUnsubscribed', track, publication);
    } else if (publication.kind === 'audio') {
      const track = publication._unsubscribe();
      if (track) this.emit('trackUnsubscribed', track, publication);
    } else {
      const track = publication._unsubscribe();
      if (track) this.emit('trackUnsubscribed', track, publication);
    }
  }

  /** @internal */
  _subscriptionFailed(publication: RemoteTrackPublication, error: TwilioError): void {
    // Every publication kind has this event; the cast only avoids calling emit() on a union.
    (publication as unknown as TypedEmitter<{ subscriptionFailed: [TwilioError] }>).emit('subscriptionFailed', error);
  }

  /** @internal Unsubscribes every track (room disconnected); the participant stays as it was. */
  _unsubscribeAll(): void {
    for (const publication of this.tracks.values()) this._unsubscribe(publication);
  }

  /** @internal Ends the participant: tracks are unsubscribed, then `disconnected` is emitted. */
  _disconnect(): void {
    if (this.#state === 'disconnected') return;
    this.#state = 'disconnected';
    this._unsubscribeAll();
    this.emit('disconnected', this);
  }

  #createPublication(state: ParsedServerTrack): RemoteTrackPublication | null {
    switch (state.kind) {
      case 'data': {
        const publication = new RemoteDataTrackPublication(state);
        publication.on('subscriptionFailed', (error) => this.emit('trackSubscriptionFailed', error, publication));
        return publication;
      }
      case 'audio':
      case 'video': {
        const publication = state.kind === 'audio' ? new RemoteAudioTrackPublication(state) : new RemoteVideoTrackPublication(state);
        const emitter = publication as RemoteAudioTrackPublication; // same events for both kinds
        emitter.on('subscriptionFailed', (error) => this.emit('trackSubscriptionFailed', error, publication));
        emitter.on('trackEnabled', () => this.emit('trackEnabled', publication));
        emitter.on('trackDisabled', () => this.emit('trackDisabled', publication));
        return publication;
      }
      default:
        this.#log.debug(`ignoring track ${state.sid} of kind ${state.kind}`);
        return null;
    }
  }

  #mapOf(publication: RemoteTrackPublication): Map<string, RemoteTrackPublication> {
    const maps = { audio: this.audioTracks, video: this.videoTracks, data: this.dataTracks };
    return maps[publication.kind] as Map<string, RemoteTrackPublication>;
  }

  #listen(track: RemoteAudioTrack | RemoteVideoTrack): () => void {
    const emitter = track as RemoteMediaTrack;
    const onStarted = () => this.emit('trackStarted', track);
    const onDimensions = () => this.emit('trackDimensionsChanged', track as RemoteVideoTrack);
    emitter.on('started', onStarted).on('dimensionsChanged', onDimensions);
    return () => emitter.off('started', onStarted).off('dimensionsChanged', onDimensions);
  }
}
