/**
 * Chat over a durable DataChannel session to everyone (ordered, lossless; `room.dataChannel`).
 * Each message is UTF-8 JSON `{"type":"chat","text":"..."}` on session channel CHAT_CHANNEL_ID.
 * The session retains our last RETAINED_MESSAGES messages on the server, which replays them to
 * participants who join later: a newcomer sees the recent conversation of those still present.
 */
import { TypedEmitter, type DataChannelReceiver, type DataChannelSender, type Room } from '@plaza/client';

export const CHAT_CHANNEL_ID = 1;
export const MAX_CHAT_TEXT = 2000;
/** Per sender; the server keeps at most 64 messages / 1 MiB per session. */
const RETAINED_MESSAGES = 50;

export interface ChatEntry {
  id: number;
  from: string;
  text: string;
  self: boolean;
  /** Sent before we joined (replayed by the server). */
  replayed: boolean;
}

export type ChatEvents = {
  change: [];
};

export class ChatChannel extends TypedEmitter<ChatEvents> {
  readonly entries: ChatEntry[] = [];
  readonly #sender: DataChannelSender;
  readonly #identity: string;
  #nextId = 0;

  constructor(room: Room) {
    super();
    this.#identity = room.localParticipant.identity;
    this.#sender = room.dataChannel.createSender({ channelId: CHAT_CHANNEL_ID, reliability: 'durable', retain: RETAINED_MESSAGES });
    room.dataChannel.on('dataChannelReceiverCreated', (receiver) => {
      if (receiver.channelId === CHAT_CHANNEL_ID) this.#listen(receiver);
    });
  }

  /** Sends `text` to everyone; rejects if it could not be sent (e.g. the call ended). */
  async send(text: string): Promise<void> {
    const trimmed = text.trim();
    if (trimmed.length === 0) return;
    if (trimmed.length > MAX_CHAT_TEXT) throw new RangeError(`a chat message has at most ${MAX_CHAT_TEXT} characters`);
    const sending = this.#sender.sendMessage(new TextEncoder().encode(JSON.stringify({ type: 'chat', text: trimmed })));
    this.#add(this.#identity, trimmed, true, false);
    await sending;
  }

  #listen(receiver: DataChannelReceiver): void {
    const from = receiver.senderParticipant.identity;
    receiver.on('message', ({ data, replayed }) => {
      const text = decodeChat(data);
      if (text !== null) this.#add(from, text, false, replayed === true);
    });
  }

  #add(from: string, text: string, self: boolean, replayed: boolean): void {
    this.entries.push({ id: this.#nextId++, from, text, self, replayed });
    this.emit('change');
  }
}

/** The text of a chat message, or null for anything else. */
export function decodeChat(data: Uint8Array): string | null {
  try {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) as { type?: unknown; text?: unknown };
    if (value.type !== 'chat' || typeof value.text !== 'string') return null;
    const text = value.text.trim();
    return text.length > 0 && text.length <= MAX_CHAT_TEXT ? text : null;
  } catch {
    return null;
  }
}
