/** The call screen: video grid and whiteboard on the stage, chat / files / people beside, controls below. */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { CallSession } from '../call/CallSession.js';
import { ChatPanel } from './ChatPanel.js';
import { Controls } from './Controls.js';
import { FilesPanel } from './FilesPanel.js';
import { PeoplePanel } from './PeoplePanel.js';
import { Tabs } from './Tabs.js';
import { useChanges } from './useChanges.js';
import { VideoGrid } from './VideoGrid.js';
import { Whiteboard } from './Whiteboard.js';

export function CallView({ session }: { session: CallSession }): JSX.Element {
  useChanges(session);
  useChanges(session.chat);
  const [tab, setTab] = useState('chat');
  // Chat messages seen so far: the Chat tab shows how many arrived while another tab was open.
  const [seen, setSeen] = useState(0);
  const messages = session.chat.entries.length;
  useEffect(() => {
    if (tab === 'chat') setSeen(messages);
  }, [tab, messages]);

  const tiles = session.tiles();
  const others = tiles.filter((t) => !t.isLocal).map((t) => t.identity);
  const unread = messages - seen;
  const invite = `${location.origin}/?room=${encodeURIComponent(session.room.name)}`;

  return (
    <div class="call">
      <header class="topbar">
        <h1>Plaza Meet</h1>
        <span class="room-name" data-testid="room-name">
          {session.room.name}
        </span>
        <span class="muted">
          {tiles.length} {tiles.length === 1 ? 'person' : 'people'}
        </span>
      </header>
      {session.roomState === 'reconnecting' && (
        <p class="notice warn" role="status">
          Connection lost, reconnecting…
        </p>
      )}
      {session.mediaNotice && (
        <p class="notice" role="status" data-testid="media-notice">
          {session.mediaNotice}
        </p>
      )}
      <main class="stage">
        <VideoGrid tiles={tiles} />
        <Whiteboard board={session.whiteboard} />
      </main>
      <aside class="side" aria-label="Chat, files and people">
        <Tabs
          label="Side panel"
          selected={tab}
          onSelect={setTab}
          tabs={[
            {
              id: 'chat',
              label: (
                <>
                  Chat
                  {unread > 0 && <span class="badge" aria-label={`${unread} unread`}>{unread}</span>}
                </>
              ),
              panel: <ChatPanel chat={session.chat} />,
            },
            { id: 'files', label: 'Files', panel: <FilesPanel files={session.files} others={others} /> },
            {
              id: 'people',
              label: `People (${tiles.length})`,
              panel: (
                <>
                  <PeoplePanel tiles={tiles} />
                  <label for="invite">Invite link</label>
                  <input id="invite" readOnly value={invite} onFocus={(e) => e.currentTarget.select()} />
                </>
              ),
            },
          ]}
        />
      </aside>
      <Controls session={session} />
    </div>
  );
}
