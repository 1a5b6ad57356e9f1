/**
 * The camera and microphone, as far as we can get them. Joining never fails for want of devices:
 * without them the participant joins with data only (whiteboard, chat, files) and sees a notice.
 */
import { createLocalTracks, type LocalAudioTrack, type LocalVideoTrack } from '@plaza/client';

export interface LocalMedia {
  audio: LocalAudioTrack | null;
  video: LocalVideoTrack | null;
  /** Why a device that was asked for is missing, for the user; null when all went well. */
  notice: string | null;
}

/** The camera's capture size: plenty for a grid tile, light on a laptop's uplink. */
const CAMERA = { width: 640, height: 480 } as const;

export async function openLocalMedia(wanted: { camera: boolean; microphone: boolean }): Promise<LocalMedia> {
  const media: LocalMedia = { audio: null, video: null, notice: null };
  if (!wanted.camera && !wanted.microphone) return media;
  // One request for both first (one permission prompt); if that fails, each on its own, so that a
  // machine without a camera still joins with its microphone.
  const attempts = [
    { audio: wanted.microphone, video: wanted.camera },
    ...(wanted.camera && wanted.microphone ? [{ audio: true, video: false }, { audio: false, video: true }] : []),
  ];
  let firstError: unknown = null;
  for (const attempt of attempts) {
    try {
      const tracks = await createLocalTracks({ audio: attempt.audio, video: attempt.video ? { ...CAMERA, name: 'camera' } : false });
      for (const track of tracks) {
        if (track.kind === 'audio') media.audio ??= track;
        else media.video ??= track;
      }
      if (media.audio || media.video) break;
    } catch (error) {
      firstError ??= error;
    }
  }
  const missing = [wanted.camera && !media.video ? 'camera' : null, wanted.microphone && !media.audio ? 'microphone' : null].filter(Boolean);
  if (missing.length > 0) media.notice = `Joined without ${missing.join(' and ')}: ${describeMediaError(firstError)}.`;
  return media;
}

/** getUserMedia's errors in words (DOMException names per the Media Capture spec). */
function describeMediaError(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'permission was denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'no such device was found';
    case 'NotReadableError':
    case 'AbortError':
      return 'the device is in use or could not be started';
    case 'MediaNotSupportedError':
      return 'this page cannot use devices (it needs https or localhost)';
    default:
      return error instanceof Error ? error.message : 'the device is not available';
  }
}
