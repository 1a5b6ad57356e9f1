/**
 * Error codes raised only inside @plaza/client (never sent on the wire). Twilio has no code for these
 * conditions, so they extend the 533xx "track" range next to TrackDataMessageTooLarge (53306); keep
 * them here so server-side codes added later cannot collide with them.
 */
export const ClientErrorCode = {
  /** LocalDataTrack.send() while its bounded pre-open queue is full. */
  DataTrackSendQueueFull: 53307,
  /** publishTrack() settled because the track was unpublished or the room disconnected first. */
  TrackPublicationCanceled: 53308,
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];
