/**
 * LocalAudioTrack (twilio-video lib/media/track/localaudiotrack.js): a microphone or any audio
 * MediaStreamTrack. `new LocalAudioTrack(mediaStreamTrack, {name})` as in the SDK, or
 * createLocalAudioTrack() to capture one.
 */
import { LocalMediaTrack, type LocalTrackOptions } from './LocalMediaTrack.js';
import type { RtpMediaStreamTrack } from './RtpMediaStreamTrack.js';

export class LocalAudioTrack extends LocalMediaTrack<'audio'> {
  /** In Node, `mediaStreamTrack` may be an RtpMediaStreamTrack (media written as RTP packets). */
  constructor(mediaStreamTrack: MediaStreamTrack | RtpMediaStreamTrack, options: LocalTrackOptions = {}) {
    super('audio', mediaStreamTrack, options);
  }
}
