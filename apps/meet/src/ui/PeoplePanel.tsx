/** Who is in the room, with their camera and microphone state in words. */
import type { JSX } from 'preact';
import type { Tile } from '../call/CallSession.js';

export function PeoplePanel({ tiles }: { tiles: Tile[] }): JSX.Element {
  return (
    <ul class="people" data-testid="people">
      {tiles.map((tile) => (
        <li key={tile.key} data-identity={tile.identity}>
          <span class="person-name">
            {tile.identity}
            {tile.isLocal && <span class="muted"> (you)</span>}
          </span>
          <span class="muted person-state">
            {device('camera', tile.hasCamera, tile.cameraOn)}, {device('microphone', tile.hasMicrophone, tile.microphoneOn)}
          </span>
        </li>
      ))}
    </ul>
  );
}

const device = (name: string, present: boolean, on: boolean): string => (!present ? `no ${name}` : `${name} ${on ? 'on' : 'off'}`);
