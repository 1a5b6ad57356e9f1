/**
 * LocalAudioTrack (twilio-video lib/media/track/localaudiotrack.js): a microphone or any audio
 * MediaStreamTrack. `new LocalAudioTrack(mediaStreamTrack, {name})` as in the SDK, or
 * createLocalAudioTrack() to capture one.
 */
import { LocalMediaTrack, type LocalTrackOptions } from './LocalMediaTrack.js';

export class LocalAudioTrack extends LocalMediaTrack<'audio'> {
  constructor(mediaStreamTrack: MediaStreamTrack, options: LocalTrackOptions = {}) {
    super('audio', mediaStreamTrack, options);
  }
}
