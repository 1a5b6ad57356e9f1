/** Types shared by DataChannelFeature, DataChannelSender and DataChannelReceiver (see DataChannels.ts). */
import type { LocalParticipant } from './LocalParticipant.js';
import type { RemoteParticipant } from './RemoteParticipant.js';

export type DataChannelReliability = 'durable' | 'lossy';
export type DataChannelPriority = 'high' | 'normal';
/** A recipient: a RemoteParticipant of the room, or its identity or SID. */
export type DataChannelParticipant = RemoteParticipant | string;

export interface DataChannelSenderOptions {
  /** 1–65535; 0 or absent: the lowest id not used by another open sender of ours. */
  channelId?: number;
  /** Recipients; empty or absent = everyone in the room. At most 64 (MAX_RECIPIENTS). */
  participants?: readonly DataChannelParticipant[];
  /** Default 'durable'. */
  reliability?: DataChannelReliability;
  /** Default 'normal'. Under congestion, a high sender's messages go before any normal sender's. */
  priority?: DataChannelPriority;
  /** Rate cap (token bucket); absent or null = none. */
  bitrateInKbps?: number | null;
  /**
   * Durable only: the largest message sendMessage() takes (bigger ones travel as fragments).
   * Default 16 MiB, at most 64 MiB (MAX_MESSAGE_BYTES). Lossy messages must fit one channel message.
   */
  maxMessageSizeInBytes?: number;
  /**
   * Opt-in retention: the server keeps the last `retain` messages sent to everyone (1 = last
   * value, at most 64, and at most 1 MiB) and replays them to participants who subscribe later.
   */
  retain?: number;
}

export interface SendMessageOptions {
  /** Durable only: called as the message is handed to the network, fragment by fragment. */
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  /** Durable only: resolve with a DataChannelReceipt once recipients confirmed (or the timeout). */
  receipt?: boolean;
  /** How long to wait for receipts after the message was sent. Default 10 s. */
  receiptTimeoutMs?: number;
}

/** What a durable sendMessage(data, { receipt: true }) resolves with. */
export interface DataChannelReceipt {
  sequenceNumber: number;
  /** Recipients whose app got the whole message. */
  receivedBy: RemoteParticipant[];
  /**
   * Recipients the server forwarded it to that did not confirm in time, or cannot confirm (the
   * official twilio-video SDK sends no receipts). Those who left the room are not listed.
   */
  notConfirmed: RemoteParticipant[];
}

export interface DataChannelMessage {
  /** The sender's u32 sequence number of this message in its session. */
  sequenceNumber: number;
  data: Uint8Array;
  /** Sent before we subscribed, replayed from the session's retention. */
  replayed?: true;
}

/** Progress of a large (fragmented) message arriving. */
export interface DataChannelProgress {
  sequenceNumber: number;
  receivedBytes: number;
  totalBytes: number;
}

/**
 * Lossy sessions: messages addressed to us between `lastReceived` and `nextReceived` (exclusive)
 * were lost, or, since lossy channels are unordered, may still arrive late. Messages that were not
 * addressed to us are never reported. `lastReceived` is null if nothing arrived before.
 */
export interface DataChannelGap {
  lastReceived: number | null;
  nextReceived: number;
}

/** What the feature needs from its room (Room passes itself; unit tests may pass a fake). */
export interface DataChannelHost {
  readonly localParticipant: LocalParticipant;
  /** Remote participants by SID. */
  readonly participants: ReadonlyMap<string, RemoteParticipant>;
}
