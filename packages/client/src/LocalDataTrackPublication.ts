/**
 * LocalDataTrackPublication (twilio-video lib/media/track/localdatatrackpublication.js): a
 * LocalDataTrack the server accepted (`published.tracks[{id, sid, state: 'ready'}]`).
 */
import type { LocalDataTrack } from './LocalDataTrack.js';

export class LocalDataTrackPublication {
  readonly kind = 'data' as const;
  /** Assigned by the server (MT…). */
  readonly trackSid: string;
  readonly trackName: string;
  readonly track: LocalDataTrack;
  /** Data tracks cannot be disabled (SDK). */
  readonly isTrackEnabled = true;
  /** Publish priority; data tracks are always published with 'standard'. */
  readonly priority = 'standard' as const;
  readonly #unpublish: (track: LocalDataTrack) => void;

  constructor(trackSid: string, track: LocalDataTrack, unpublish: (track: LocalDataTrack) => void) {
    this.trackSid = trackSid;
    this.trackName = track.name;
    this.track = track;
    this.#unpublish = unpublish;
  }

  /** Same as localParticipant.unpublishTrack(this.track). */
  unpublish(): this {
    this.#unpublish(this.track);
    return this;
  }
}
