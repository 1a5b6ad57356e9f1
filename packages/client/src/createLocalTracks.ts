/**
 * createLocalTracks(), createLocalAudioTrack(), createLocalVideoTrack() with twilio-video's names
 * and option shapes (lib/createlocaltracks.ts, lib/createlocaltrack.js): one getUserMedia() call,
 * audio tracks first, then video. `audio`/`video` are booleans or MediaTrackConstraints plus an
 * optional `name`; when neither is given both default to true, as in the SDK.
 *
 * Where getUserMedia does not exist (Node, or an insecure browser context) they reject with
 * MediaNotSupportedError (53309) instead of the SDK's untyped Error.
 */
import { MediaNotSupportedError, TrackInvalidError } from './errors.js';
import { LocalAudioTrack } from './LocalAudioTrack.js';
import { LocalDataTrack } from './LocalDataTrack.js';
import { isMediaStreamTrackLike, type LocalTrackOptions } from './LocalMediaTrack.js';
import { LocalVideoTrack } from './LocalVideoTrack.js';

/** MediaTrackConstraints plus the track name (SDK: CreateLocalTrackOptions). */
export type CreateLocalTrackOptions = MediaTrackConstraints & { name?: string; logLevel?: unknown };

export interface CreateLocalTracksOptions {
  /** Default true when neither audio nor video is given, else false. */
  audio?: boolean | CreateLocalTrackOptions;
  /** Default true when neither audio nor video is given, else false. */
  video?: boolean | CreateLocalTrackOptions;
  /** Accepted for compatibility and ignored. */
  logLevel?: unknown;
}

export type LocalMediaTrackOf = LocalAudioTrack | LocalVideoTrack;
export type LocalTrack = LocalAudioTrack | LocalVideoTrack | LocalDataTrack;

type GetUserMedia = (constraints: MediaStreamConstraints) => Promise<MediaStream>;

function findGetUserMedia(): GetUserMedia | null {
  const devices = (globalThis as { navigator?: { mediaDevices?: MediaDevices } }).navigator?.mediaDevices;
  return devices && typeof devices.getUserMedia === 'function' ? devices.getUserMedia.bind(devices) : null;
}

/** Captures microphone and/or camera and wraps each MediaStreamTrack in a LocalAudioTrack/LocalVideoTrack. */
export async function createLocalTracks(options: CreateLocalTracksOptions = {}): Promise<LocalMediaTrackOf[]> {
  const bothAbsent = !('audio' in options) && !('video' in options);
  const audio = options.audio ?? bothAbsent;
  const video = options.video ?? bothAbsent;
  if (audio === false && video === false) return [];
  const getUserMedia = findGetUserMedia();
  if (!getUserMedia) {
    throw new MediaNotSupportedError(
      'navigator.mediaDevices.getUserMedia is missing (Node has no capture devices; browsers need a secure context)',
    );
  }
  const [audioConstraints, audioName] = split(audio);
  const [videoConstraints, videoName] = split(video);
  const stream = await getUserMedia({ audio: audioConstraints, video: videoConstraints });
  return [
    ...stream.getAudioTracks().map((t) => new LocalAudioTrack(t, nameOption(audioName))),
    ...stream.getVideoTracks().map((t) => new LocalVideoTrack(t, nameOption(videoName))),
  ];
}

export async function createLocalAudioTrack(options?: CreateLocalTrackOptions): Promise<LocalAudioTrack> {
  const [track] = await createLocalTracks({ audio: options && Object.keys(options).length > 0 ? options : true, video: false });
  if (!(track instanceof LocalAudioTrack)) throw new TrackInvalidError('getUserMedia returned no audio track');
  return track;
}

export async function createLocalVideoTrack(options?: CreateLocalTrackOptions): Promise<LocalVideoTrack> {
  const [track] = await createLocalTracks({ audio: false, video: options && Object.keys(options).length > 0 ? options : true });
  if (!(track instanceof LocalVideoTrack)) throw new TrackInvalidError('getUserMedia returned no video track');
  return track;
}

/**
 * LocalParticipant.publishTrack() and connect({tracks}) accept raw MediaStreamTracks and wrap them
 * (the SDK's asLocalTrack()); other values are rejected.
 */
export function asLocalTrack(track: unknown, options: LocalTrackOptions = {}): LocalTrack {
  if (track instanceof LocalAudioTrack || track instanceof LocalVideoTrack || track instanceof LocalDataTrack) return track;
  if (isMediaStreamTrackLike(track)) {
    return track.kind === 'audio' ? new LocalAudioTrack(track, options) : new LocalVideoTrack(track, options);
  }
  throw new TypeError('track must be a LocalAudioTrack, LocalVideoTrack, LocalDataTrack or MediaStreamTrack');
}

function split(option: boolean | CreateLocalTrackOptions): [boolean | MediaTrackConstraints, string | undefined] {
  if (typeof option !== 'object' || option === null) return [option, undefined];
  const { name, logLevel: _logLevel, ...constraints } = option;
  return [Object.keys(constraints).length > 0 ? constraints : true, name];
}

function nameOption(name: string | undefined): LocalTrackOptions {
  return name === undefined ? {} : { name };
}
