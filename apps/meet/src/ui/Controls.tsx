/**
 * The call's controls: microphone, camera, leave. A button's text says what pressing it does
 * ("Mute", "Unmute"), so it carries no aria-pressed as well (which would say it twice).
 */
import type { JSX } from 'preact';
import type { CallSession } from '../call/CallSession.js';
import { Icon } from './icons.js';

export function Controls({ session }: { session: CallSession }): JSX.Element {
  const micOn = session.audio?.isEnabled ?? false;
  const camOn = session.video?.isEnabled ?? false;
  return (
    <nav class="controls" aria-label="Call controls">
      <button
        type="button"
        class="control"
        disabled={!session.audio}
        title={session.audio ? undefined : 'No microphone'}
        onClick={() => session.toggleMicrophone()}
      >
        <Icon name={micOn ? 'mic' : 'micOff'} />
        <span>{micOn ? 'Mute' : session.audio ? 'Unmute' : 'No mic'}</span>
      </button>
      <button
        type="button"
        class="control"
        disabled={!session.video}
        title={session.video ? undefined : 'No camera'}
        onClick={() => session.toggleCamera()}
      >
        <Icon name={camOn ? 'camera' : 'cameraOff'} />
        <span>{camOn ? 'Stop video' : session.video ? 'Start video' : 'No camera'}</span>
      </button>
      <button type="button" class="control danger" onClick={() => session.leave()}>
        <Icon name="leave" />
        <span>Leave</span>
      </button>
    </nav>
  );
}
