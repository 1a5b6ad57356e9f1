/**
 * One remote DataChannel session we receive (see DataChannels.ts). It turns the envelopes on the
 * session's RemoteDataTrack into messages: reassembles fragments (with progress events), reports
 * gaps on lossy sessions, marks replayed messages, and answers receipt requests.
 */
import {
  ControlKind,
  decodeControl,
  encodeControl,
  decodeEnvelope,
  EnvelopeFlag,
  isFirstFragment,
  MAX_MESSAGE_BYTES,
  WHOLE_MESSAGE,
  type Envelope,
} from '@plaza/protocol';
import type {
  DataChannelGap,
  DataChannelMessage,
  DataChannelPriority,
  DataChannelProgress,
  DataChannelReliability,
} from './DataChannelTypes.js';
import type { DataMessage } from './DataTrackReceiver.js';
import type { Logger } from './Logger.js';
import type { RemoteDataTrack } from './RemoteDataTrack.js';
import type { RemoteParticipant } from './RemoteParticipant.js';
import { TypedEmitter } from './TypedEmitter.js';

export type DataChannelReceiverEvents = {
  /** A message, to 'message' listeners when there are some (it is then not buffered). */
  message: [message: DataChannelMessage];
  /** A message was buffered for readMessage() (there was no 'message' listener). */
  messageReady: [];
  /** A fragment of a large message arrived (the message itself follows when complete). */
  progress: [progress: DataChannelProgress];
  /** Lossy sessions: messages addressed to us may have been lost (see DataChannelGap). */
  gap: [gap: DataChannelGap];
  /**
   * The session ended: the sender closed it or left, or we unsubscribed or left the room. When the
   * server ended it (End, in band), every message before was delivered first.
   */
  close: [];
};

/** Messages readMessage() keeps at most (the oldest are dropped first; see droppedMessages). */
export const MAX_RECEIVER_BUFFERED_MESSAGES = 1024;
/** Bytes readMessage() keeps at most. */
export const MAX_RECEIVER_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * A large message being put back together. Its fragments are kept as they come and joined at the
 * end: allocating the announced total up front would let a sender make us allocate 64 MiB per
 * 20-byte fragment.
 */
interface Assembly {
  sequence: number;
  total: number;
  fragments: Uint8Array[];
  received: number;
}

/**
 * Two ways to consume a receiver: listen to 'message' (each message goes to the listeners and is
 * not kept), or, with no 'message' listener, pull with readMessage() (on 'messageReady' or
 * whenever): the receiver keeps the latest 1024 messages / 16 MiB for it.
 */
export class DataChannelReceiver extends TypedEmitter<DataChannelReceiverEvents> {
  readonly channelId: number;
  readonly reliability: DataChannelReliability;
  readonly priority: DataChannelPriority;
  readonly senderParticipant: RemoteParticipant;
  /** The session's RemoteDataTrack (it emits no `message` of its own). */
  readonly track: RemoteDataTrack;
  /** Messages dropped from the readMessage() buffer because it was full. */
  droppedMessages = 0;
  /** Strings, malformed envelopes and broken fragment runs received on the session's channel (dropped). */
  invalidMessages = 0;
  /** Gaps reported on this (lossy) session. */
  gaps = 0;
  readonly #log: Logger;
  readonly #onClosed: () => void;
  #buffer: DataChannelMessage[] = [];
  #bufferedBytes = 0;
  #closed = false;
  #assembly: Assembly | null = null;
  #lastReceived: number | null = null;

  /** @internal Created by room.dataChannel. */
  constructor(
    session: { channelId: number; reliability: DataChannelReliability; priority: DataChannelPriority },
    sender: RemoteParticipant,
    track: RemoteDataTrack,
    log: Logger,
    onClosed: () => void,
  ) {
    super();
    this.channelId = session.channelId;
    this.reliability = session.reliability;
    this.priority = session.priority;
    this.senderParticipant = sender;
    this.track = track;
    this.#log = log;
    this.#onClosed = onClosed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Messages waiting for readMessage(). */
  get bufferedMessages(): number {
    return this.#buffer.length;
  }

  /** The oldest buffered message, or undefined. Still works after close for what was buffered. */
  readMessage(): DataChannelMessage | undefined {
    const message = this.#buffer.shift();
    if (message) this.#bufferedBytes -= message.data.byteLength;
    return message;
  }

  /** @internal What the session's RemoteDataTrack delivers to. */
  readonly _sink = {
    message: (data: DataMessage) => this.#onData(data),
    close: () => this.#close(),
  };

  #onData(raw: DataMessage): void {
    if (this.#closed) return;
    if (typeof raw === 'string') {
      this.#invalid('a string');
      return;
    }
    const envelope = decodeEnvelope(new Uint8Array(raw));
    if (typeof envelope === 'string') {
      this.#invalid(envelope);
      return;
    }
    if ((envelope.flags & EnvelopeFlag.Control) !== 0) {
      // The server's End comes behind the session's last message: the session is over and complete.
      // Answering it lets the server close the channel knowing nothing is left in flight.
      if (decodeControl(envelope)?.kind === ControlKind.End) {
        this.track._receiver.sendUpstream(encodeControl({ kind: ControlKind.End, sequence: envelope.sequence }));
        this.#close();
      }
      return;
    }
    if ((envelope.flags & WHOLE_MESSAGE) === WHOLE_MESSAGE) {
      this.#noteSequence(envelope);
      this.#deliver(envelope, envelope.payload);
      return;
    }
    this.#onFragment(envelope);
  }

  /** Fragments of one message arrive in order on a durable session; anything else breaks the run. */
  #onFragment(envelope: Envelope): void {
    if (isFirstFragment(envelope.flags)) {
      if (this.#assembly) this.#invalid(`an unfinished message (${this.#assembly.sequence})`);
      const total = envelope.total ?? 0;
      if (total > MAX_MESSAGE_BYTES || envelope.payload.byteLength > total) {
        this.#assembly = null;
        this.#invalid(`a message of ${total} bytes`);
        return;
      }
      this.#assembly = { sequence: envelope.sequence, total, fragments: [], received: 0 };
    }
    const assembly = this.#assembly;
    if (!assembly || assembly.sequence !== envelope.sequence || assembly.received + envelope.payload.byteLength > assembly.total) {
      this.#assembly = null;
      this.#invalid('a fragment out of place');
      return;
    }
    assembly.fragments.push(envelope.payload);
    assembly.received += envelope.payload.byteLength;
    this.emit('progress', { sequenceNumber: assembly.sequence, receivedBytes: assembly.received, totalBytes: assembly.total });
    if ((envelope.flags & EnvelopeFlag.FragmentEnd) === 0) return;
    this.#assembly = null;
    if (assembly.received !== assembly.total) {
      this.#invalid(`a message shorter than announced (${assembly.received} of ${assembly.total} bytes)`);
      return;
    }
    const data = new Uint8Array(assembly.total);
    let at = 0;
    for (const fragment of assembly.fragments) {
      data.set(fragment, at);
      at += fragment.byteLength;
    }
    this.#noteSequence(envelope);
    this.#deliver(envelope, data);
  }

  /** Lossy sessions: the server's `previous` tells whether something addressed to us went missing. */
  #noteSequence(envelope: Envelope): void {
    if ((envelope.flags & EnvelopeFlag.Replayed) !== 0) {
      this.#lastReceived = envelope.sequence;
      return;
    }
    if (envelope.previous !== undefined && envelope.previous !== this.#lastReceived) {
      this.gaps++;
      this.emit('gap', { lastReceived: this.#lastReceived, nextReceived: envelope.sequence });
    }
    this.#lastReceived = envelope.sequence;
  }

  #deliver(envelope: Envelope, data: Uint8Array): void {
    const replayed = (envelope.flags & EnvelopeFlag.Replayed) !== 0;
    const message: DataChannelMessage = replayed ? { sequenceNumber: envelope.sequence, data, replayed } : { sequenceNumber: envelope.sequence, data };
    if (this.listenerCount('message') > 0) this.emit('message', message);
    else this.#bufferMessage(message);
    // The receipt says "your message reached the app" (or its readMessage() buffer): after delivery.
    if ((envelope.flags & EnvelopeFlag.ReceiptRequested) !== 0 && !replayed) {
      this.track._receiver.sendUpstream(encodeControl({ kind: ControlKind.Receipt, sequence: envelope.sequence, from: null }));
    }
  }

  #bufferMessage(message: DataChannelMessage): void {
    this.#buffer.push(message);
    this.#bufferedBytes += message.data.byteLength;
    while (this.#buffer.length > MAX_RECEIVER_BUFFERED_MESSAGES || (this.#bufferedBytes > MAX_RECEIVER_BUFFERED_BYTES && this.#buffer.length > 1)) {
      const dropped = this.#buffer.shift() as DataChannelMessage;
      this.#bufferedBytes -= dropped.data.byteLength;
      this.droppedMessages++;
    }
    this.emit('messageReady');
  }

  #invalid(what: string): void {
    if (this.invalidMessages++ === 0) this.#log.warn(`DataChannel ${this.channelId} from ${this.senderParticipant.identity}: dropped ${what}`);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#assembly = null;
    this.#onClosed();
    this.emit('close');
  }
}
