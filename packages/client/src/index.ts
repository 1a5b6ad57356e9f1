/**
 * @plaza/client: connect to a Plaza room from a browser or Node, with twilio-video's names for
 * rooms, participants, data tracks and audio/video tracks, so a Twilio app can switch its import.
 * Audio/video needs a browser (getUserMedia, RTCRtpTransceiver); in Node the media entry points
 * reject with MediaNotSupportedError and data tracks work as in browsers.
 */
export { connect, DEFAULT_CONNECT_TIMEOUT, type ConnectOptions } from './connect.js';
export { Room, type RoomEvents, type RoomState } from './Room.js';
export {
  LocalParticipant,
  type LocalParticipantEvents,
  type LocalParticipantState,
  type LocalTrackPublication,
  type LocalTrackPublishOptions,
} from './LocalParticipant.js';
export {
  RemoteParticipant,
  type RemoteParticipantEvents,
  type RemoteParticipantState,
  type RemoteTrack,
  type RemoteTrackPublication,
  type TrackAndPublication,
} from './RemoteParticipant.js';
export {
  createLocalTracks,
  createLocalAudioTrack,
  createLocalVideoTrack,
  type CreateLocalTracksOptions,
  type CreateLocalTrackOptions,
  type LocalTrack,
} from './createLocalTracks.js';
export { LocalAudioTrack } from './LocalAudioTrack.js';
export { RtpMediaStreamTrack, type RtpPacketEvent } from './RtpMediaStreamTrack.js';
export { LocalVideoTrack } from './LocalVideoTrack.js';
export { LocalMediaTrack, type LocalMediaTrackEvents, type LocalTrackOptions } from './LocalMediaTrack.js';
export { LocalAudioTrackPublication, LocalVideoTrackPublication } from './LocalMediaTrackPublication.js';
export { RemoteAudioTrack } from './RemoteAudioTrack.js';
export { RemoteVideoTrack } from './RemoteVideoTrack.js';
export { RemoteMediaTrack, type RemoteMediaTrackEvents } from './RemoteMediaTrack.js';
export {
  RemoteAudioTrackPublication,
  RemoteVideoTrackPublication,
  type RemoteMediaTrackPublicationEvents,
} from './RemoteMediaTrackPublication.js';
export type { VideoDimensions } from './MediaElements.js';
export { LocalDataTrack, type LocalDataTrackOptions, type DataTrackMessage } from './LocalDataTrack.js';
export { RemoteDataTrack, type RemoteDataTrackEvents, type TrackPriority } from './RemoteDataTrack.js';
export { LocalDataTrackPublication } from './LocalDataTrackPublication.js';
export { RemoteDataTrackPublication, type RemoteDataTrackPublicationEvents } from './RemoteDataTrackPublication.js';
export type { DataMessage } from './DataTrackReceiver.js';
export {
  DataChannelFeature,
  DataChannelSender,
  DataChannelReceiver,
  MAX_RECEIVER_BUFFERED_MESSAGES,
  MAX_RECEIVER_BUFFERED_BYTES,
  type DataChannelFeatureEvents,
  type DataChannelReceiverEvents,
  type DataChannelSenderOptions,
  type DataChannelMessage,
  type DataChannelParticipant,
  type DataChannelReliability,
  type DataChannelPriority,
  type DataChannelReceipt,
  type DataChannelProgress,
  type DataChannelGap,
  type DataChannelSenderEvents,
  type SendMessageOptions,
  DEFAULT_MAX_DURABLE_MESSAGE_BYTES,
} from './DataChannels.js';
export type { QueueLimits } from './DataTrackSender.js';
export type { LogLevel } from './Logger.js';
export { TypedEmitter, type EventMap, type Listener, type ListenerForOne } from './TypedEmitter.js';
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
  DataChannelSendError,
  TrackPublicationCanceledError,
  MediaConnectionError,
  MediaNotSupportedError,
} from './errors.js';
export { waitForEvent } from './testing.js';
export { version } from './version.js';
