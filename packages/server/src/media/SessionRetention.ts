/**
 * A DataChannel session's retention (plaza_channel.retain): the last N broadcasts, replayed to a
 * subscriber that arrives late, so "the current state" (retain 1 = last value) reaches it without
 * the publisher resending anything.
 *
 * Only whole messages addressed to everyone are retained: a message for some recipients is not the
 * late subscriber's business, and a fragment alone is useless. Retention costs server memory for as
 * long as the track lives, so it is bounded by bytes as well as count (MAX_RETAINED_BYTES).
 */
import { EnvelopeFlag, forReceivers, WHOLE_MESSAGE, type Envelope } from '@plaza/protocol';

/** Bytes one session relay may retain (the replayed envelopes, as sent to Plaza clients). */
export const MAX_RETAINED_BYTES = 1024 * 1024;

export interface RetainedMessage {
  sequence: number;
  /** For Plaza clients: the envelope, flagged Replayed. */
  enveloped: Buffer;
  /** For the official SDK: the bare payload (a view into `enveloped`, which ends with it). */
  bare: Buffer;
}

export class SessionRetention {
  private readonly messages: RetainedMessage[] = [];
  private bytes = 0;

  constructor(
    /** Messages kept (1..MAX_RETAINED_MESSAGES, as plaza_channel.retain allows). */
    readonly count: number,
    readonly maxBytes: number = MAX_RETAINED_BYTES,
  ) {}

  /** Whether `e` is what retention keeps: a whole message (not a notice) sent to everyone. */
  static retainable(e: Envelope): boolean {
    return (e.flags & WHOLE_MESSAGE) === WHOLE_MESSAGE && (e.flags & EnvelopeFlag.Control) === 0 && e.recipients.length === 0;
  }

  /** Keeps `e` (if retainable) as the newest message, dropping the oldest past either bound. */
  offer(e: Envelope): void {
    if (!SessionRetention.retainable(e)) return;
    // A copy: the incoming buffer is not ours to keep. Both forms share it. A late subscriber was
    // not among those the publisher awaits receipts from: it is not asked for one.
    const enveloped = Buffer.from(forReceivers({ ...e, flags: e.flags & ~EnvelopeFlag.ReceiptRequested }, { replayed: true }));
    this.messages.push({ sequence: e.sequence, enveloped, bare: enveloped.subarray(enveloped.length - e.payload.length) });
    this.bytes += enveloped.length;
    // What is kept is always the newest stretch of broadcasts: a message too big to keep also
    // evicts everything older (replaying older values than the newest one would mislead).
    while (this.messages.length > this.count || this.bytes > this.maxBytes) {
      this.bytes -= (this.messages.shift() as RetainedMessage).enveloped.length;
    }
  }

  /** The retained messages, oldest first. */
  entries(): readonly RetainedMessage[] {
    return this.messages;
  }

  get retainedBytes(): number {
    return this.bytes;
  }
}
