/**
 * Error codes shared by signaling, REST and the SDKs. Codes and messages follow
 * twilio-video's lib/util/twilio-video-errors.js so the official SDK maps them to its
 * own error classes (e.g. 20101 -> AccessTokenInvalidError).
 */
export const ErrorCode = {
  AccessTokenInvalid: 20101,
  AccessTokenHeaderInvalid: 20102,
  AccessTokenIssuerInvalid: 20103,
  AccessTokenExpired: 20104,
  AccessTokenNotYetValid: 20105,
  AccessTokenGrantsInvalid: 20106,
  AccessTokenSignatureInvalid: 20107,
  SignalingConnectionError: 53000,
  SignalingConnectionDisconnected: 53001,
  SignalingConnectionTimeout: 53002,
  SignalingIncomingMessageInvalid: 53003,
  SignalingOutgoingMessageInvalid: 53004,
  SignalingServerBusy: 53006,
  RoomNameInvalid: 53100,
  RoomNameTooLong: 53101,
  RoomConnectFailed: 53104,
  RoomMaxParticipantsExceeded: 53105,
  RoomNotFound: 53106,
  RoomMaxParticipantsOutOfRange: 53107,
  RoomTypeInvalid: 53108,
  RoomTimeoutOutOfRange: 53109,
  RoomStatusCallbackMethodInvalid: 53110,
  RoomStatusCallbackInvalid: 53111,
  RoomStatusInvalid: 53112,
  RoomExists: 53113,
  RoomCompleted: 53118,
  ParticipantIdentityInvalid: 53200,
  ParticipantIdentityTooLong: 53201,
  ParticipantNotFound: 53204,
  ParticipantDuplicateIdentity: 53205,
  /** REST: Rules are invalid (SubscribeRules). */
  RoomInvalidSubscribeRules: 53215,
  TrackInvalid: 53300,
  TrackNameInvalid: 53301,
  TrackNameTooLong: 53302,
  TrackNameIsDuplicated: 53304,
  TrackDataMessageTooLarge: 53306,
  /** Plaza-specific: a subscriber fell too far behind a reliable DataTrack; its subscription ended. */
  TrackSubscriberTooSlow: 53390,
  ServerLocalDescFailed: 53401,
  MediaNoSupportedCodec: 53404,
  ServerRemoteDescFailed: 53403,
  MediaConnectionError: 53405,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const DEFAULT_MESSAGES: Record<number, string> = {
  20101: 'Invalid Access Token',
  20102: 'Invalid Access Token header',
  20103: 'Invalid Access Token issuer/subject',
  20104: 'Access Token expired or expiration date invalid',
  20105: 'Access Token not yet valid',
  20106: 'Invalid Access Token grants',
  20107: 'Invalid Access Token signature',
  53000: 'Signaling connection error',
  53001: 'Signaling connection disconnected',
  53002: 'Signaling connection timed out',
  53003: 'Client received an invalid signaling message',
  53004: 'Client sent an invalid signaling message',
  53006: 'Video server is busy',
  53100: 'Room name is invalid',
  53101: 'Room name is too long',
  53104: 'Unable to connect to Room',
  53107: 'MaxParticipants is out of range',
  53108: 'RoomType is not valid',
  53109: 'Timeout is out of range',
  53110: 'StatusCallbackMethod is invalid',
  53111: 'StatusCallback is invalid',
  53112: 'Status is invalid',
  53113: 'Room exists',
  53215: 'Invalid subscribe rules',
  53105: 'Room contains too many Participants',
  53106: 'Room not found',
  53118: 'Room completed',
  53200: 'Participant identity is invalid',
  53201: 'Participant identity is too long',
  53204: 'Participant not found',
  53205: 'Participant disconnected because of duplicate identity',
  53300: 'Track is invalid',
  53301: 'Track name is invalid',
  53302: 'Track name is too long',
  53304: 'Track name is duplicated',
  53306: 'Data message is larger than the channel allows',
  53390: 'Subscription ended: the subscriber fell too far behind a reliable DataTrack',
  53401: 'Server is unable to create or apply a local media description',
  53404: 'No supported codec',
  53403: 'Server is unable to apply a remote media description',
  53405: 'Media connection failed or Media activity ceased',
};

/** A typed error carrying a Twilio-compatible code. */
export class PlazaError extends Error {
  override readonly name = 'PlazaError';
  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_MESSAGES[code] ?? 'Unknown error',
  ) {
    super(message);
  }

  static of(code: ErrorCode, detail?: string): PlazaError {
    const base = DEFAULT_MESSAGES[code] ?? 'Unknown error';
    return new PlazaError(code, detail ? `${base}: ${detail}` : base);
  }

  static invalidToken(detail?: string): PlazaError {
    return PlazaError.of(ErrorCode.AccessTokenInvalid, detail);
  }

  static invalidSignalingMessage(detail: string): PlazaError {
    return PlazaError.of(ErrorCode.SignalingOutgoingMessageInvalid, detail);
  }
}

export function defaultErrorMessage(code: number): string {
  return DEFAULT_MESSAGES[code] ?? 'Unknown error';
}
