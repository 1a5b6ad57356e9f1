/** RemoteAudioTrack (twilio-video lib/media/track/remoteaudiotrack.js). */
import type { MediaTrackReceiver } from './MediaTransceivers.js';
import { RemoteMediaTrack } from './RemoteMediaTrack.js';

export class RemoteAudioTrack extends RemoteMediaTrack<'audio'> {
  /** @internal Created by RemoteParticipant when a subscription's m-section arrives. */
  constructor(sid: string, name: string, receiver: MediaTrackReceiver, isEnabled: boolean) {
    super('audio', sid, name, receiver, isEnabled);
  }
}
