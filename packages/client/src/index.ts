/**
 * @plaza/client: connect to a Plaza room from a browser or Node, with twilio-video's names for
 * everything data-track related, so a Twilio app can switch its import for data tracks.
 */
export { connect, DEFAULT_CONNECT_TIMEOUT, type ConnectOptions } from './connect.js';
export { Room, type RoomEvents, type RoomState } from './Room.js';
export { LocalParticipant, type LocalParticipantEvents, type LocalParticipantState } from './LocalParticipant.js';
export { RemoteParticipant, type RemoteParticipantEvents, type RemoteParticipantState } from './RemoteParticipant.js';
export { LocalDataTrack, type LocalDataTrackOptions, type DataTrackMessage } from './LocalDataTrack.js';
export { RemoteDataTrack, type RemoteDataTrackEvents, type TrackPriority } from './RemoteDataTrack.js';
export { LocalDataTrackPublication } from './LocalDataTrackPublication.js';
export { RemoteDataTrackPublication, type RemoteDataTrackPublicationEvents } from './RemoteDataTrackPublication.js';
export type { DataMessage } from './DataTrackReceiver.js';
export type { QueueLimits } from './DataChannelSender.js';
export type { LogLevel } from './Logger.js';
export { TypedEmitter, type EventMap, type Listener } from './TypedEmitter.js';
export {
  TwilioError,
  RoomCompletedError,
  SignalingConnectionError,
  SignalingConnectionDisconnectedError,
  SignalingConnectionTimeoutError,
  SignalingIncomingMessageInvalidError,
  SignalingServerBusyError,
  TrackInvalidError,
  DataTrackMessageTooLargeError,
  DataTrackSendQueueFullError,
  TrackPublicationCanceledError,
  MediaConnectionError,
} from './errors.js';
export { waitForEvent } from './testing.js';
export { version } from './version.js';
