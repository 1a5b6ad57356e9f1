/**
 * Sending and receiving files (fileProtocol.ts) over our durable DataChannel session: to everyone
 * or to chosen participants (the server forwards each message only to those it names), with
 * progress on both sides, a receipt from each recipient, and a SHA-256 check on arrival.
 */
import { TypedEmitter, type DataChannelReceiver, type DataChannelSender, type Room } from '@plaza/client';
import { decodeHeader, encodeHeader, FILE_CHANNEL_ID, MAX_FILE_BYTES, sha256Hex, type FileHeader } from './fileProtocol.js';

export interface OutgoingFile {
  id: number;
  name: string;
  size: number;
  /** Identities it goes to; empty: everyone. */
  to: string[];
  sentBytes: number;
  status: 'hashing' | 'sending' | 'sent' | 'failed';
  error: string | null;
  /** Recipients that confirmed the whole file. */
  receivedBy: string[];
}

export interface IncomingFile {
  id: number;
  from: string;
  name: string;
  size: number;
  receivedBytes: number;
  status: 'receiving' | 'verifying' | 'complete' | 'corrupt';
  /** What the sender announced. */
  expectedSha256: string;
  /** What arrived; null until complete, or where WebCrypto is unavailable. */
  sha256: string | null;
  /** An object URL to download it from, once complete. */
  url: string | null;
}

export type FileShareEvents = {
  change: [];
};

export class FileShare extends TypedEmitter<FileShareEvents> {
  readonly outgoing: OutgoingFile[] = [];
  readonly incoming: IncomingFile[] = [];
  readonly #sender: DataChannelSender;
  #nextId = 0;

  constructor(room: Room) {
    super();
    this.#sender = room.dataChannel.createSender({ channelId: FILE_CHANNEL_ID, reliability: 'durable', maxMessageSizeInBytes: MAX_FILE_BYTES });
    room.dataChannel.on('dataChannelReceiverCreated', (receiver) => {
      if (receiver.channelId === FILE_CHANNEL_ID) this.#listen(receiver);
    });
  }

  /** Whether this page can hash files (WebCrypto needs https or localhost). */
  static get canSend(): boolean {
    return Boolean(globalThis.crypto?.subtle);
  }

  /** Sends `file` to the participants named (identities), or to everyone when `to` is empty. */
  async send(file: File, to: string[]): Promise<void> {
    const entry: OutgoingFile = { id: this.#nextId++, name: file.name, size: file.size, to, sentBytes: 0, status: 'hashing', error: null, receivedBy: [] };
    this.outgoing.unshift(entry);
    this.emit('change');
    try {
      if (file.size > MAX_FILE_BYTES) throw new RangeError(`files of up to ${MAX_FILE_BYTES / 1024 / 1024} MiB can be shared`);
      const bytes = new Uint8Array(await file.arrayBuffer());
      const sha256 = await sha256Hex(bytes);
      if (!sha256) throw new Error('file sharing needs a secure page (https or localhost)');
      entry.status = 'sending';
      this.emit('change');
      // Recipients are fixed when sendMessage() is called: set them and queue both messages
      // together, so that another file sent meanwhile cannot change them in between.
      this.#sender.setParticipants(to);
      const header = this.#sender.sendMessage(encodeHeader(file.name, file.size, sha256));
      const body = this.#sender.sendMessage(bytes, {
        receipt: true,
        onProgress: (sent) => {
          entry.sentBytes = sent;
          this.emit('change');
        },
      });
      await header;
      const receipt = await body;
      entry.sentBytes = file.size;
      entry.receivedBy = receipt ? receipt.receivedBy.map((p) => p.identity) : [];
      entry.status = 'sent';
    } catch (error) {
      entry.status = 'failed';
      entry.error = error instanceof Error ? error.message : String(error);
    }
    this.emit('change');
  }

  /** Frees the received files' object URLs (the call ended). */
  dispose(): void {
    for (const file of this.incoming) if (file.url) URL.revokeObjectURL(file.url);
  }

  #listen(receiver: DataChannelReceiver): void {
    const from = receiver.senderParticipant.identity;
    // The file whose header arrived and whose body is on its way, per sender session.
    let pending: IncomingFile | null = null;
    receiver.on('progress', ({ receivedBytes }) => {
      if (!pending) return;
      pending.receivedBytes = receivedBytes;
      this.emit('change');
    });
    receiver.on('message', ({ data }) => {
      if (!pending) {
        const header = decodeHeader(data);
        if (header) pending = this.#announce(from, header);
        return;
      }
      const file = pending;
      pending = null;
      void this.#complete(file, data);
    });
  }

  #announce(from: string, header: FileHeader): IncomingFile {
    const file: IncomingFile = {
      id: this.#nextId++,
      from,
      name: header.name,
      size: header.size,
      receivedBytes: 0,
      status: 'receiving',
      expectedSha256: header.sha256,
      sha256: null,
      url: null,
    };
    this.incoming.unshift(file);
    this.emit('change');
    return file;
  }

  async #complete(file: IncomingFile, data: Uint8Array): Promise<void> {
    file.receivedBytes = data.byteLength;
    file.status = 'verifying';
    this.emit('change');
    file.sha256 = await sha256Hex(data);
    const intact = data.byteLength === file.size && (file.sha256 === null || file.sha256 === file.expectedSha256);
    file.status = intact ? 'complete' : 'corrupt';
    if (intact) file.url = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>]));
    this.emit('change');
  }
}
