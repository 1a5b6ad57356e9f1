/** The first screen: a name, a room, camera and microphone on or off, Join. */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ROOM_PATTERN } from '../call/demoToken.js';
import type { JoinRequest } from '../call/CallSession.js';

export interface JoinFormProps {
  onJoin(request: JoinRequest): void;
  joining: boolean;
  /** Why the last attempt failed, or why the last call ended. */
  message: string | null;
}

const NAME_KEY = 'plaza-meet:name';

/** The room from `?room=` (a shared link), else "demo". */
function initialRoom(): string {
  const room = new URLSearchParams(location.search).get('room');
  return room && new RegExp(`^${ROOM_PATTERN}$`).test(room) ? room : 'demo';
}

function savedName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return ''; // storage disabled: nothing to prefill
  }
}

export function JoinForm({ onJoin, joining, message }: JoinFormProps): JSX.Element {
  const [identity, setIdentity] = useState(savedName);
  const [room, setRoom] = useState(initialRoom);
  const [camera, setCamera] = useState(true);
  const [microphone, setMicrophone] = useState(true);
  const nameInput = useRef<HTMLInputElement>(null);
  // Also after a call ended (the autofocus attribute only works once per page load).
  useEffect(() => nameInput.current?.focus(), []);

  const submit = (event: Event): void => {
    event.preventDefault();
    try {
      localStorage.setItem(NAME_KEY, identity.trim());
    } catch {
      // not remembered: fine
    }
    onJoin({ identity: identity.trim(), room: room.trim(), camera, microphone });
  };

  return (
    <main class="join">
      <form class="join-card" onSubmit={submit} aria-labelledby="join-title">
        <h1 id="join-title">Plaza Meet</h1>
        <p class="muted">Video, a shared whiteboard, chat and files, on your own Plaza server.</p>
        <label for="identity">Your name</label>
        <input
          id="identity"
          ref={nameInput}
          name="identity"
          autocomplete="nickname"
          required
          maxLength={64}
          value={identity}
          onInput={(e) => setIdentity(e.currentTarget.value)}
        />
        <label for="room">Room</label>
        <input
          id="room"
          name="room"
          required
          pattern={ROOM_PATTERN}
          aria-describedby="room-hint"
          autocapitalize="none"
          spellcheck={false}
          value={room}
          onInput={(e) => setRoom(e.currentTarget.value.toLowerCase())}
        />
        <p id="room-hint" class="hint">
          <code>demo</code> or <code>demo-</code> and a name (lowercase letters, digits, dashes). Everyone in the same room
          meets.
        </p>
        <fieldset>
          <legend>Join with</legend>
          <label class="check">
            <input type="checkbox" checked={camera} onChange={(e) => setCamera(e.currentTarget.checked)} /> Camera
          </label>
          <label class="check">
            <input type="checkbox" checked={microphone} onChange={(e) => setMicrophone(e.currentTarget.checked)} /> Microphone
          </label>
        </fieldset>
        <button type="submit" class="primary" disabled={joining}>
          {joining ? 'Joining…' : 'Join'}
        </button>
        <p class="form-message" role="alert" data-testid="join-message">
          {message}
        </p>
      </form>
    </main>
  );
}
