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
/** Bytes all the sessions one participant publishes may retain together. */
export const MAX_RETAINED_BYTES_PER_PARTICIPANT = 4 * 1024 * 1024;

/**
 * Retained bytes shared by several sessions (one per publishing participant): without it, one
 * client could publish many retaining sessions and hold 1 MiB of server memory with each.
 */
export class RetentionBudget {
  used = 0;
  constructor(readonly limit: number = MAX_RETAINED_BYTES_PER_PARTICIPANT) {}
}

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
    private readonly budget: RetentionBudget = new RetentionBudget(Number.POSITIVE_INFINITY),
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
    this.budget.used += enveloped.length;
    // What is kept is always the newest stretch of broadcasts: a message too big to keep also
    // evicts everything older (replaying older values than the newest one would mislead). The
    // same when the participant's other sessions use up the shared budget.
    while (this.messages.length > 0 && (this.messages.length > this.count || this.bytes > this.maxBytes || this.budget.used > this.budget.limit)) {
      this.evictOldest();
    }
  }

  /** Forgets everything (the session ended): its bytes go back to the budget. */
  clear(): void {
    while (this.messages.length > 0) this.evictOldest();
  }

  private evictOldest(): void {
    const size = (this.messages.shift() as RetainedMessage).enveloped.length;
    this.bytes -= size;
    this.budget.used -= size;
  }

  /** The retained messages, oldest first. */
  entries(): readonly RetainedMessage[] {
    return this.messages;
  }

  get retainedBytes(): number {
    return this.bytes;
  }
}
