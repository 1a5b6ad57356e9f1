/** File sharing: pick a file and its recipients, follow what goes out and what comes in. */
import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { FileShare, type IncomingFile, type OutgoingFile } from '../files/FileShare.js';
import { MAX_FILE_BYTES } from '../files/fileProtocol.js';
import { useChanges } from './useChanges.js';

export function FilesPanel({ files, others }: { files: FileShare; others: string[] }): JSX.Element {
  useChanges(files);
  const input = useRef<HTMLInputElement>(null);
  const [chosen, setChosen] = useState<File | null>(null);
  const [to, setTo] = useState<string[]>([]);
  // Someone who left is no longer a recipient.
  const recipients = to.filter((identity) => others.includes(identity));

  const submit = (event: Event): void => {
    event.preventDefault();
    if (!chosen) return;
    void files.send(chosen, recipients);
    setChosen(null);
    if (input.current) input.current.value = '';
  };
  const toggle = (identity: string, on: boolean): void =>
    setTo((list) => (on ? [...list.filter((i) => i !== identity), identity] : list.filter((i) => i !== identity)));

  return (
    <div class="files">
      <form class="file-form" onSubmit={submit}>
        <label for="file-input">File (up to {MAX_FILE_BYTES / 1024 / 1024} MiB)</label>
        <input id="file-input" ref={input} type="file" onChange={(e) => setChosen(e.currentTarget.files?.[0] ?? null)} />
        <fieldset>
          <legend>Send to</legend>
          {others.length === 0 && <p class="muted">Nobody else is here yet.</p>}
          {others.map((identity) => (
            <label class="check" key={identity}>
              <input type="checkbox" checked={recipients.includes(identity)} onChange={(e) => toggle(identity, e.currentTarget.checked)} />{' '}
              {identity}
            </label>
          ))}
          <p class="hint">{recipients.length === 0 ? 'Nobody ticked: everyone gets it.' : `Only ${recipients.join(', ')} get it.`}</p>
        </fieldset>
        <button type="submit" class="primary" disabled={!chosen || others.length === 0 || !FileShare.canSend}>
          Send file
        </button>
        {!FileShare.canSend && <p class="hint">File sharing needs a secure page (https or localhost).</p>}
      </form>
      {files.incoming.length > 0 && (
        <section aria-labelledby="incoming-title">
          <h3 id="incoming-title">Received</h3>
          <ul class="file-list" data-testid="incoming-files">
            {files.incoming.map((file) => (
              <IncomingRow key={file.id} file={file} />
            ))}
          </ul>
        </section>
      )}
      {files.outgoing.length > 0 && (
        <section aria-labelledby="outgoing-title">
          <h3 id="outgoing-title">Sent</h3>
          <ul class="file-list" data-testid="outgoing-files">
            {files.outgoing.map((file) => (
              <OutgoingRow key={file.id} file={file} />
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function IncomingRow({ file }: { file: IncomingFile }): JSX.Element {
  const status = {
    receiving: `${percent(file.receivedBytes, file.size)} received`,
    verifying: 'checking…',
    complete: file.sha256 ? 'complete, SHA-256 matches' : 'complete (not verified: no WebCrypto here)',
    corrupt: 'damaged: its SHA-256 does not match, not offered',
  }[file.status];
  return (
    <li data-testid="incoming-file" data-name={file.name} data-size={file.size} data-sha256={file.sha256 ?? ''} data-status={file.status}>
      <div class="file-title">
        <span class="file-name">{file.name}</span> <span class="muted">{formatBytes(file.size)} from {file.from}</span>
      </div>
      <progress max={file.size || 1} value={file.receivedBytes} aria-label={`${file.name} received`} />
      <div class="file-status">
        {status}
        {file.url && (
          <>
            {' · '}
            <a href={file.url} download={file.name}>
              Download<span class="visually-hidden"> {file.name}</span>
            </a>
          </>
        )}
      </div>
    </li>
  );
}

function OutgoingRow({ file }: { file: OutgoingFile }): JSX.Element {
  const status = {
    hashing: 'preparing…',
    sending: `${percent(file.sentBytes, file.size)} sent`,
    sent: file.receivedBy.length > 0 ? `sent, received by ${file.receivedBy.join(', ')}` : 'sent',
    failed: `failed: ${file.error ?? 'unknown error'}`,
  }[file.status];
  return (
    <li data-testid="outgoing-file" data-name={file.name} data-status={file.status}>
      <div class="file-title">
        <span class="file-name">{file.name}</span>{' '}
        <span class="muted">
          {formatBytes(file.size)} to {file.to.length === 0 ? 'everyone' : file.to.join(', ')}
        </span>
      </div>
      <progress max={file.size || 1} value={file.sentBytes} aria-label={`${file.name} sent`} />
      <div class="file-status">{status}</div>
    </li>
  );
}

const percent = (done: number, total: number): string => `${total === 0 ? 100 : Math.floor((done * 100) / total)}%`;

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
