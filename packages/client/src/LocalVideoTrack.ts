/**
 * LocalVideoTrack (twilio-video lib/media/track/localvideotrack.js): a camera or any video
 * MediaStreamTrack. `new LocalVideoTrack(mediaStreamTrack, {name})` as in the SDK, or
 * createLocalVideoTrack() to capture one. `dimensions` and `dimensionsChanged` come from the base.
 */
import { LocalMediaTrack, type LocalTrackOptions } from './LocalMediaTrack.js';
import type { RtpMediaStreamTrack } from './RtpMediaStreamTrack.js';

export class LocalVideoTrack extends LocalMediaTrack<'video'> {
  /** In Node, `mediaStreamTrack` may be an RtpMediaStreamTrack (media written as RTP packets). */
  constructor(mediaStreamTrack: MediaStreamTrack | RtpMediaStreamTrack, options: LocalTrackOptions = {}) {
    super('video', mediaStreamTrack, options);
  }
}
