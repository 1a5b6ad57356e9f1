/**
 * RemoteParticipant (twilio-video lib/remoteparticipant.js + lib/signaling/v2/remoteparticipant.js).
 *
 * State comes from `participants[]` entries of room state: an entry is applied only if its revision
 * is higher than the last one applied; tracks absent from an applied entry are unpublished;
 * `state: 'disconnected'` ends the participant. This client carries data tracks only: audio and
 * video publications of other participants are not represented.
 */
import type { ParsedRemoteParticipant } from '@plaza/protocol';
import type { DataMessage, DataTrackReceiver } from './DataTrackReceiver.js';
import type { TwilioError } from './errors.js';
import type { Logger } from './Logger.js';
import { RemoteDataTrack, reliabilityFromChannel } from './RemoteDataTrack.js';
import { RemoteDataTrackPublication } from './RemoteDataTrackPublication.js';
import { TypedEmitter } from './TypedEmitter.js';

export type RemoteParticipantState = 'connected' | 'reconnecting' | 'disconnected';

export type RemoteParticipantEvents = {
  trackPublished: [publication: RemoteDataTrackPublication];
  trackUnpublished: [publication: RemoteDataTrackPublication];
  trackSubscribed: [track: RemoteDataTrack, publication: RemoteDataTrackPublication];
  trackUnsubscribed: [track: RemoteDataTrack, publication: RemoteDataTrackPublication];
  trackSubscriptionFailed: [error: TwilioError, publication: RemoteDataTrackPublication];
  trackMessage: [data: DataMessage, track: RemoteDataTrack];
  reconnecting: [participant: RemoteParticipant];
  reconnected: [participant: RemoteParticipant];
  disconnected: [participant: RemoteParticipant];
};

export class RemoteParticipant extends TypedEmitter<RemoteParticipantEvents> {
  readonly sid: string;
  readonly identity: string;
  /** Publications by track SID. */
  readonly tracks = new Map<string, RemoteDataTrackPublication>();
  /** Data publications by track SID (all of them: this client handles data only). */
  readonly dataTracks = new Map<string, RemoteDataTrackPublication>();
  #state: RemoteParticipantState = 'connected';
  #revision: number | null = null;
  readonly #log: Logger;
  readonly #subscriptionIds = new WeakMap<RemoteDataTrackPublication, string>();

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
  get trackPublications(): Map<string, RemoteDataTrackPublication> {
    return this.tracks;
  }

  /** @internal Applies an entry if its revision is newer. Returns whether it was applied. */
  _update(state: ParsedRemoteParticipant): boolean {
    if (this.#state === 'disconnected') return false;
    if (this.#revision !== null && state.revision <= this.#revision) return false;
    this.#revision = state.revision;

    const keep = new Set<string>();
    for (const trackState of state.tracks) {
      if (trackState.kind !== 'data') continue;
      keep.add(trackState.sid);
      const existing = this.tracks.get(trackState.sid);
      if (existing) {
        existing._update(trackState);
        continue;
      }
      const publication = new RemoteDataTrackPublication(trackState);
      this.tracks.set(publication.trackSid, publication);
      this.dataTracks.set(publication.trackSid, publication);
      publication.on('subscriptionFailed', (error) => this.emit('trackSubscriptionFailed', error, publication));
      this.emit('trackPublished', publication);
    }
    for (const publication of [...this.tracks.values()]) {
      if (keep.has(publication.trackSid)) continue;
      this._unsubscribe(publication);
      this.tracks.delete(publication.trackSid);
      this.dataTracks.delete(publication.trackSid);
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

  /** @internal Subscribes a publication to the channel that carries it. */
  _subscribe(publication: RemoteDataTrackPublication, receiver: DataTrackReceiver, subscriptionId: string): void {
    if (this.#state === 'disconnected' || publication.isSubscribed) return;
    const fromChannel = reliabilityFromChannel(receiver.channel);
    const announced = publication._reliability;
    const track = new RemoteDataTrack(publication.trackSid, publication.trackName, receiver, {
      ordered: announced.ordered ?? fromChannel.ordered,
      maxPacketLifeTime: announced.maxPacketLifeTime !== undefined ? announced.maxPacketLifeTime : fromChannel.maxPacketLifeTime,
      maxRetransmits: announced.maxRetransmits !== undefined ? announced.maxRetransmits : fromChannel.maxRetransmits,
    });
    this.#subscriptionIds.set(publication, subscriptionId);
    track.on('message', (data, t) => this.emit('trackMessage', data, t));
    publication._subscribed(track);
    this.emit('trackSubscribed', track, publication);
    // Started after the event so that listeners attached in trackSubscribed get early messages too.
    track._start();
    this.#log.debug(`subscribed to ${publication.trackSid} on channel ${subscriptionId}`);
  }

  /** @internal The channel label a subscribed publication uses. */
  _subscriptionId(publication: RemoteDataTrackPublication): string | undefined {
    return publication.isSubscribed ? this.#subscriptionIds.get(publication) : undefined;
  }

  /** @internal */
  _unsubscribe(publication: RemoteDataTrackPublication): void {
    const track = publication._unsubscribe();
    if (track) this.emit('trackUnsubscribed', track, publication);
  }

  /** @internal */
  _subscriptionFailed(publication: RemoteDataTrackPublication, error: TwilioError): void {
    publication.emit('subscriptionFailed', error);
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
}
