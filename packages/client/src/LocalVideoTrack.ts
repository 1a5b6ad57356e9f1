/**
 * LocalVideoTrack (twilio-video lib/media/track/localvideotrack.js): a camera or any video
 * MediaStreamTrack. `new LocalVideoTrack(mediaStreamTrack, {name})` as in the SDK, or
 * createLocalVideoTrack() to capture one. `dimensions` and `dimensionsChanged` come from the base.
 */
import { LocalMediaTrack, type LocalTrackOptions } from './LocalMediaTrack.js';

export class LocalVideoTrack extends LocalMediaTrack<'video'> {
  constructor(mediaStreamTrack: MediaStreamTrack, options: LocalTrackOptions = {}) {
    super('video', mediaStreamTrack, options);
  }
}
