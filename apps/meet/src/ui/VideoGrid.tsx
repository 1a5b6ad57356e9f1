/** The video grid: one tile per participant, with name, camera and microphone state. */
import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Tile } from '../call/CallSession.js';
import { Icon } from './icons.js';

export function VideoGrid({ tiles }: { tiles: Tile[] }): JSX.Element {
  return (
    <ul class={`grid grid-${Math.min(tiles.length, 4)}`} aria-label="Participants' video" data-testid="grid">
      {tiles.map((tile) => (
        <VideoTile key={tile.key} tile={tile} />
      ))}
    </ul>
  );
}

/** A local or remote audio/video track (the SDK's attach/detach). */
interface Attachable {
  attach(el: HTMLMediaElement): unknown;
  detach(el: HTMLMediaElement): unknown;
}

/** Attaches a track to an element while both exist. */
function useAttached<E extends HTMLMediaElement>(track: Attachable | null) {
  const ref = useRef<E>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || !track) return;
    track.attach(el);
    return () => void track.detach(el);
  }, [track]);
  return ref;
}

function VideoTile({ tile }: { tile: Tile }): JSX.Element {
  const video = useAttached<HTMLVideoElement>(tile.video);
  const audio = useAttached<HTMLAudioElement>(tile.audio);
  const showVideo = tile.video !== null && tile.cameraOn;
  const name = tile.isLocal ? `${tile.identity} (you)` : tile.identity;
  return (
    <li
      class={`tile${tile.isLocal ? ' local' : ''}`}
      data-testid="tile"
      data-identity={tile.identity}
      data-local={String(tile.isLocal)}
      data-camera={tile.cameraOn ? 'on' : 'off'}
      data-microphone={tile.microphoneOn ? 'on' : 'off'}
    >
      {/* Kept in the DOM when the camera is off, so turning it on again needs no re-attach. */}
      <video ref={video} autoplay playsInline muted hidden={!showVideo} aria-label={`${name}'s camera`} />
      {!showVideo && (
        <div class="avatar" aria-hidden="true">
          {initials(tile.identity)}
        </div>
      )}
      {tile.audio && <audio ref={audio} autoplay />}
      <div class="tile-label">
        <span class="tile-name">{name}</span>
        {!tile.microphoneOn && (
          <span class="tile-muted" title={tile.hasMicrophone ? 'Microphone off' : 'No microphone'}>
            <Icon name="micOff" />
            <span class="visually-hidden">{tile.hasMicrophone ? 'microphone off' : 'no microphone'}</span>
          </span>
        )}
        {!tile.cameraOn && <span class="visually-hidden">{tile.hasCamera ? 'camera off' : 'no camera'}</span>}
      </div>
    </li>
  );
}

/** "Ada Lovelace" → "AL", "carol" → "C". */
function initials(identity: string): string {
  const words = identity.trim().split(/\s+/).filter(Boolean).slice(0, 2);
  return words.map((w) => [...w][0]).join('').toUpperCase() || '?';
}
