/** RemoteVideoTrack (twilio-video lib/media/track/remotevideotrack.js); `dimensions` come from the base. */
import type { MediaTrackReceiver } from './MediaTransceivers.js';
import { RemoteMediaTrack } from './RemoteMediaTrack.js';

export class RemoteVideoTrack extends RemoteMediaTrack<'video'> {
  /** @internal Created by RemoteParticipant when a subscription's m-section arrives. */
  constructor(sid: string, name: string, receiver: MediaTrackReceiver, isEnabled: boolean) {
    super('video', sid, name, receiver, isEnabled);
  }
}
