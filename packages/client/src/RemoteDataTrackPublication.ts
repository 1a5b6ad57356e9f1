/**
 * RemoteDataTrackPublication (twilio-video lib/media/track/remotedatatrackpublication.js): a data
 * track another participant published. `track` is set while we are subscribed.
 */
import type { ParsedServerTrack } from '@plaza/protocol';
import type { TwilioError } from './errors.js';
import { isTrackPriority, type DataTrackReliability, type RemoteDataTrack, type TrackPriority } from './RemoteDataTrack.js';
import { TypedEmitter } from './TypedEmitter.js';

/** A DataChannel session carried by this track (the server's `plaza_channel`; DataChannels.ts). */
export interface PlazaChannelInfo {
  channelId: number;
  reliability: 'durable' | 'lossy';
  priority: 'high' | 'normal';
}

export type RemoteDataTrackPublicationEvents = {
  subscribed: [track: RemoteDataTrack];
  unsubscribed: [track: RemoteDataTrack];
  subscriptionFailed: [error: TwilioError];
  publishPriorityChanged: [priority: TrackPriority];
};

export class RemoteDataTrackPublication extends TypedEmitter<RemoteDataTrackPublicationEvents> {
  readonly kind = 'data' as const;
  readonly trackSid: string;
  readonly trackName: string;
  /** Data tracks cannot be disabled (SDK). */
  readonly isTrackEnabled = true;
  #publishPriority: TrackPriority = 'standard';
  #track: RemoteDataTrack | null = null;
  /** The server's reliability extension fields, when it sent them. */
  #reliability: Partial<DataTrackReliability> = {};
  #plazaChannel: PlazaChannelInfo | null = null;

  constructor(state: ParsedServerTrack) {
    super();
    this.trackSid = state.sid;
    this.trackName = state.name;
    this._update(state);
  }

  get isSubscribed(): boolean {
    return this.#track !== null;
  }

  get track(): RemoteDataTrack | null {
    return this.#track;
  }

  get publishPriority(): TrackPriority {
    return this.#publishPriority;
  }

  /** @internal Reliability announced by the server (may be partial or empty). */
  get _reliability(): Partial<DataTrackReliability> {
    return this.#reliability;
  }

  /** @internal The DataChannel session this track carries, or null for an ordinary DataTrack. */
  get _plazaChannel(): PlazaChannelInfo | null {
    return this.#plazaChannel;
  }

  /** @internal Applies a newer track state from the participant's entry. */
  _update(state: ParsedServerTrack): void {
    // Fixed for the life of a publication: a session never becomes a plain track or another session.
    if (this.#plazaChannel === null) this.#plazaChannel = parsePlazaChannel(state.plaza_channel);
    const reliability: Partial<DataTrackReliability> = {};
    if (typeof state.ordered === 'boolean') reliability.ordered = state.ordered;
    if (state.max_packet_life_time !== undefined) reliability.maxPacketLifeTime = state.max_packet_life_time;
    if (state.max_retransmits !== undefined) reliability.maxRetransmits = state.max_retransmits;
    this.#reliability = reliability;
    const priority = state.priority;
    if (isTrackPriority(priority) && priority !== this.#publishPriority) {
      this.#publishPriority = priority;
      this.emit('publishPriorityChanged', priority);
    }
  }

  /** @internal */
  _subscribed(track: RemoteDataTrack): void {
    this.#track = track;
    this.emit('subscribed', track);
  }

  /** @internal Returns the track that was unsubscribed, if any. */
  _unsubscribe(): RemoteDataTrack | null {
    const track = this.#track;
    if (!track) return null;
    this.#track = null;
    track._unsubscribe();
    this.emit('unsubscribed', track);
    return track;
  }
}

function parsePlazaChannel(value: unknown): PlazaChannelInfo | null {
  if (typeof value !== 'object' || value === null) return null;
  const { channel_id: channelId, reliability, priority } = value as Record<string, unknown>;
  if (typeof channelId !== 'number' || !Number.isInteger(channelId) || channelId < 1 || channelId > 65535) return null;
  if (reliability !== 'durable' && reliability !== 'lossy') return null;
  return { channelId, reliability, priority: priority === 'high' ? 'high' : 'normal' };
}
