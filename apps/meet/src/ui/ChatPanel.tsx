/** Chat: the conversation (a live region) and a one-line composer. */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { MAX_CHAT_TEXT, type ChatChannel } from '../chat/ChatChannel.js';
import { useChanges } from './useChanges.js';

export function ChatPanel({ chat }: { chat: ChatChannel }): JSX.Element {
  useChanges(chat);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const log = useRef<HTMLDivElement>(null);

  // Follow the conversation (the newest message is at the bottom).
  useEffect(() => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [chat.entries.length]);

  const submit = (event: Event): void => {
    event.preventDefault();
    const text = draft;
    if (!text.trim()) return;
    setDraft('');
    setError(null);
    chat.send(text).catch((e: unknown) => setError(`Not sent: ${e instanceof Error ? e.message : String(e)}`));
  };

  return (
    <div class="chat">
      {/* Focusable, so that a keyboard can scroll back through the conversation. */}
      <div ref={log} class="chat-log" role="log" aria-label="Chat messages" data-testid="chat-log" tabIndex={0}>
        <ol>
          {chat.entries.length === 0 && <li class="muted empty">No messages yet.</li>}
          {chat.entries.map((entry) => (
            <li key={entry.id} class={entry.self ? 'self' : ''} data-testid="chat-message" data-from={entry.from}>
              <span class="chat-from">{entry.self ? 'You' : entry.from}</span>
              <span class="chat-text">{entry.text}</span>
            </li>
          ))}
        </ol>
      </div>
      <form class="composer" onSubmit={submit}>
        <label for="chat-input" class="visually-hidden">
          Message
        </label>
        <input
          id="chat-input"
          placeholder="Message everyone"
          autocomplete="off"
          maxLength={MAX_CHAT_TEXT}
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={!draft.trim()}>
          Send
        </button>
      </form>
      {error && (
        <p class="form-message" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
