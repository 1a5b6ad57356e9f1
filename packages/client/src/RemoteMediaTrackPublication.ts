/**
 * RemoteAudioTrackPublication / RemoteVideoTrackPublication (twilio-video
 * lib/media/track/remotetrackpublication.js): an audio or video track another participant
 * published. `track` is set while we are subscribed. `isTrackEnabled` follows the `enabled` field of
 * the publisher's track state; a change emits `trackEnabled`/`trackDisabled` here (no arguments, as in
 * the SDK) after the subscribed track's own `enabled`/`disabled`.
 */
import type { ParsedServerTrack } from '@plaza/protocol';
import type { TwilioError } from './errors.js';
import type { MediaTrackReceiver } from './MediaTransceivers.js';
import { RemoteAudioTrack } from './RemoteAudioTrack.js';
import { isTrackPriority, type TrackPriority } from './RemoteDataTrack.js';
import { RemoteVideoTrack } from './RemoteVideoTrack.js';
import { TypedEmitter } from './TypedEmitter.js';

export type RemoteMediaTrackPublicationEvents<T> = {
  subscribed: [track: T];
  unsubscribed: [track: T];
  subscriptionFailed: [error: TwilioError];
  trackEnabled: [];
  trackDisabled: [];
  publishPriorityChanged: [priority: TrackPriority];
};

abstract class RemoteMediaTrackPublication<T extends RemoteAudioTrack | RemoteVideoTrack> extends TypedEmitter<
  RemoteMediaTrackPublicationEvents<T>
> {
  abstract readonly kind: T['kind'];
  readonly trackSid: string;
  readonly trackName: string;
  #isTrackEnabled = true;
  #publishPriority: TrackPriority = 'standard';
  #track: T | null = null;

  constructor(state: ParsedServerTrack) {
    super();
    this.trackSid = state.sid;
    this.trackName = state.name;
    this.#isTrackEnabled = state.enabled;
    this.#setPriority(state.priority);
  }

  get isSubscribed(): boolean {
    return this.#track !== null;
  }

  get isTrackEnabled(): boolean {
    return this.#isTrackEnabled;
  }

  /** Always false: Plaza does not switch tracks off. */
  get isTrackSwitchedOff(): boolean {
    return false;
  }

  get track(): T | null {
    return this.#track;
  }

  get publishPriority(): TrackPriority {
    return this.#publishPriority;
  }

  /** @internal Creates the track for a subscription carried by `receiver`. */
  abstract _createTrack(receiver: MediaTrackReceiver): T;

  /** @internal Applies a newer track state from the participant's entry. */
  _update(state: ParsedServerTrack): void {
    if (state.enabled !== this.#isTrackEnabled) {
      this.#isTrackEnabled = state.enabled;
      this.#track?._setEnabled(state.enabled);
      this.emit(state.enabled ? 'trackEnabled' : 'trackDisabled');
    }
    this.#setPriority(state.priority);
  }

  /** @internal */
  _subscribed(track: T): void {
    this.#track = track;
    this.emit('subscribed', track);
  }

  /** @internal Returns the track that was unsubscribed, if any. */
  _unsubscribe(): T | null {
    const track = this.#track;
    if (!track) return null;
    this.#track = null;
    track._unsubscribe();
    this.emit('unsubscribed', track);
    return track;
  }

  #setPriority(priority: string | undefined): void {
    if (isTrackPriority(priority) && priority !== this.#publishPriority) {
      this.#publishPriority = priority;
      this.emit('publishPriorityChanged', priority);
    }
  }
}

export class RemoteAudioTrackPublication extends RemoteMediaTrackPublication<RemoteAudioTrack> {
  readonly kind = 'audio' as const;

  /** @internal */
  _createTrack(receiver: MediaTrackReceiver): RemoteAudioTrack {
    return new RemoteAudioTrack(this.trackSid, this.trackName, receiver, this.isTrackEnabled);
  }
}

export class RemoteVideoTrackPublication extends RemoteMediaTrackPublication<RemoteVideoTrack> {
  readonly kind = 'video' as const;

  /** @internal */
  _createTrack(receiver: MediaTrackReceiver): RemoteVideoTrack {
    return new RemoteVideoTrack(this.trackSid, this.trackName, receiver, this.isTrackEnabled);
  }
}
