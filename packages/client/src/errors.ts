/**
 * Errors raised by @plaza/client. Like twilio-video's lib/util/twilio-video-errors.js, every error
 * is a TwilioError with a numeric `code`, so apps that switch imports keep their `error.code` checks.
 * Codes come from @plaza/protocol (Twilio's where one exists, Plaza's client-only ones otherwise).
 */
import { ClientErrorCode, ErrorCode, defaultErrorMessage } from '@plaza/protocol';

export class TwilioError extends Error {
  override name = 'TwilioError';
  /** Twilio-compatible error code (e.g. 20101, 53118). Any number the server sends is kept. */
  readonly code: number;

  constructor(code: number, message: string = defaultErrorMessage(code)) {
    super(message);
    this.code = code;
  }

  /** Mirrors the SDK's createTwilioError(): the server's `error {code, message}` becomes one of these. */
  static fromServer(code: unknown, message: unknown): TwilioError {
    const numeric = typeof code === 'number' ? code : 0;
    const text = typeof message === 'string' && message ? message : defaultErrorMessage(numeric);
    switch (numeric) {
      case ErrorCode.RoomCompleted:
        return new RoomCompletedError();
      case ErrorCode.SignalingConnectionDisconnected:
        return new SignalingConnectionDisconnectedError();
      default:
        return new TwilioError(numeric, text);
    }
  }
}

/** 53118: the room ended (`disconnected {status: 'completed'}`). */
export class RoomCompletedError extends TwilioError {
  override name = 'RoomCompletedError';
  constructor() {
    super(ErrorCode.RoomCompleted);
  }
}

/** 53000: the signaling socket could not be (re)established. */
export class SignalingConnectionError extends TwilioError {
  override name = 'SignalingConnectionError';
  constructor(detail?: string) {
    super(ErrorCode.SignalingConnectionError, withDetail(ErrorCode.SignalingConnectionError, detail));
  }
}

/** 53001: the signaling connection dropped and did not come back within the session timeout. */
export class SignalingConnectionDisconnectedError extends TwilioError {
  override name = 'SignalingConnectionDisconnectedError';
  constructor() {
    super(ErrorCode.SignalingConnectionDisconnected);
  }
}

/** 53002: connect() did not complete in time. */
export class SignalingConnectionTimeoutError extends TwilioError {
  override name = 'SignalingConnectionTimeoutError';
  constructor(detail?: string) {
    super(ErrorCode.SignalingConnectionTimeout, withDetail(ErrorCode.SignalingConnectionTimeout, detail));
  }
}

/** 53003: the server sent something we cannot use (e.g. `connected` without `participant`). */
export class SignalingIncomingMessageInvalidError extends TwilioError {
  override name = 'SignalingIncomingMessageInvalidError';
  constructor(detail?: string) {
    super(ErrorCode.SignalingIncomingMessageInvalid, withDetail(ErrorCode.SignalingIncomingMessageInvalid, detail));
  }
}

/** 53006: the server answered `busy` with no retry. */
export class SignalingServerBusyError extends TwilioError {
  override name = 'SignalingServerBusyError';
  constructor() {
    super(ErrorCode.SignalingServerBusy);
  }
}

/** 53300: invalid LocalDataTrack options (bad limits, or both limits set). */
export class TrackInvalidError extends TwilioError {
  override name = 'TrackInvalidError';
  constructor(detail: string) {
    super(ErrorCode.TrackInvalid, withDetail(ErrorCode.TrackInvalid, detail));
  }
}

/** 53306: a DataTrack message larger than the channel's max message size. Thrown by send(). */
export class DataTrackMessageTooLargeError extends TwilioError {
  override name = 'DataTrackMessageTooLargeError';
  constructor(
    readonly size: number,
    readonly maxMessageSize: number,
  ) {
    super(
      ErrorCode.TrackDataMessageTooLarge,
      withDetail(ErrorCode.TrackDataMessageTooLarge, `${size} bytes > ${maxMessageSize} bytes`),
    );
  }
}

/** 53307: send() while the queue of messages waiting for the channel to open is full. */
export class DataTrackSendQueueFullError extends TwilioError {
  override name = 'DataTrackSendQueueFullError';
  constructor(limit: string) {
    super(ClientErrorCode.DataTrackSendQueueFull, `Data track send queue is full (${limit})`);
  }
}

/** 53308: publishTrack() gave up because the track was unpublished or the room disconnected. */
export class TrackPublicationCanceledError extends TwilioError {
  override name = 'TrackPublicationCanceledError';
  constructor(reason: string) {
    super(ClientErrorCode.TrackPublicationCanceled, `Track publication canceled: ${reason}`);
  }
}

/**
 * Client-only code for "this platform cannot capture, send or render audio/video" (Node has no
 * getUserMedia, and node-datachannel's RTCPeerConnection polyfill has no addTransceiver). It
 * continues the client-only 533xx range of @plaza/protocol's ClientErrorCode (53307, 53308).
 */
export const MEDIA_NOT_SUPPORTED_CODE = 53309;

/** 53309: audio/video is not available here (e.g. createLocalTracks() or publishing media in Node). */
export class MediaNotSupportedError extends TwilioError {
  override name = 'MediaNotSupportedError';
  constructor(detail: string) {
    super(MEDIA_NOT_SUPPORTED_CODE, `Media is not supported in this environment: ${detail}`);
  }
}

/**
 * Client-only code for "a durable DataChannel message was not sent" (DATA-CHANNELS.md §2). Plaza's
 * 5339x range: 53390 is the server's TrackSubscriberTooSlow.
 */
export const DATA_CHANNEL_SEND_FAILED_CODE = 53391;

/**
 * 53391: DataChannelSender.sendMessage() on a durable sender could not send the message: the sender
 * is closed, its session could not be published, or its channel failed. (A message over the size
 * limit rejects with DataTrackMessageTooLargeError, 53306; a full send queue with
 * DataTrackSendQueueFullError, 53307.)
 */
export class DataChannelSendError extends TwilioError {
  override name = 'DataChannelSendError';
  constructor(
    readonly channelId: number,
    readonly reason: string,
  ) {
    super(DATA_CHANNEL_SEND_FAILED_CODE, `DataChannel ${channelId}: message not sent: ${reason}`);
  }
}

/** 53405: the RTCPeerConnection could not be created or negotiated. */
export class MediaConnectionError extends TwilioError {
  override name = 'MediaConnectionError';
  constructor(detail?: string) {
    super(ErrorCode.MediaConnectionError, withDetail(ErrorCode.MediaConnectionError, detail));
  }
}

function withDetail(code: number, detail: string | undefined): string {
  const base = defaultErrorMessage(code);
  return detail ? `${base}: ${detail}` : base;
}
