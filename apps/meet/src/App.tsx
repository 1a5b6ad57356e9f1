/** The app: the join form until a call starts, the call until it ends. */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { TwilioError } from '@plaza/client';
import { CallSession, type JoinRequest } from './call/CallSession.js';
import { setTestSession } from './testApi.js';
import { CallView } from './ui/CallView.js';
import { JoinForm } from './ui/JoinForm.js';

export function App(): JSX.Element {
  const [session, setSession] = useState<CallSession | null>(null);
  const [joining, setJoining] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const join = async (request: JoinRequest): Promise<void> => {
    setJoining(true);
    setMessage(null);
    try {
      const call = await CallSession.join(request);
      call.once('ended', (error) => {
        setSession(null);
        setMessage(error ? `The call ended: ${describe(error)}` : 'You left the call.');
      });
      // The address bar is now the invite link for this room.
      history.replaceState(null, '', `?room=${encodeURIComponent(call.room.name)}`);
      setSession(call);
    } catch (error) {
      setMessage(`Could not join: ${describe(error)}`);
    } finally {
      setJoining(false);
    }
  };

  useEffect(() => {
    setTestSession(session);
    if (!session) return;
    // Closing the tab leaves at once, rather than after the server's timeout.
    const leave = (): void => session.leave();
    window.addEventListener('pagehide', leave);
    return () => window.removeEventListener('pagehide', leave);
  }, [session]);

  return session ? <CallView session={session} /> : <JoinForm onJoin={(r) => void join(r)} joining={joining} message={message} />;
}

function describe(error: unknown): string {
  if (error instanceof TwilioError) return `${error.message} (error ${error.code})`;
  return error instanceof Error ? error.message : String(error);
}
