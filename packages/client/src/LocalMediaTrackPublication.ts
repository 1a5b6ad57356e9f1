/**
 * LocalAudioTrackPublication / LocalVideoTrackPublication (twilio-video
 * lib/media/track/localtrackpublication.js): a LocalAudioTrack or LocalVideoTrack the server
 * accepted (`published.tracks[{id, sid, state: 'ready'}]`).
 */
import type { LocalAudioTrack } from './LocalAudioTrack.js';
import type { LocalVideoTrack } from './LocalVideoTrack.js';
import type { TrackPriority } from './RemoteDataTrack.js';

class LocalMediaTrackPublication<T extends LocalAudioTrack | LocalVideoTrack> {
  readonly kind: T['kind'];
  /** Assigned by the server (MT…). */
  readonly trackSid: string;
  readonly trackName: string;
  readonly track: T;
  /** Publish priority, as given to publishTrack(). Default 'standard'. */
  readonly priority: TrackPriority;
  readonly #unpublish: (track: T) => void;

  constructor(trackSid: string, track: T, priority: TrackPriority, unpublish: (track: T) => void) {
    this.kind = track.kind;
    this.trackSid = trackSid;
    this.trackName = track.name;
    this.track = track;
    this.priority = priority;
    this.#unpublish = unpublish;
  }

  /** Whether the track is enabled (what other participants see as isTrackEnabled). */
  get isTrackEnabled(): boolean {
    return this.track.isEnabled;
  }

  /** Same as localParticipant.unpublishTrack(this.track). */
  unpublish(): this {
    this.#unpublish(this.track);
    return this;
  }
}

export class LocalAudioTrackPublication extends LocalMediaTrackPublication<LocalAudioTrack> {}
export class LocalVideoTrackPublication extends LocalMediaTrackPublication<LocalVideoTrack> {}
