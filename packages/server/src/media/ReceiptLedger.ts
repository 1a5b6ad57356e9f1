/**
 * The receipts a DataChannel session relay still waits for: per message sequence routed with
 * ReceiptRequested, the room indexes of the Plaza receivers it went to that have not answered.
 *
 * The relay forwards a receipt to the publisher only if it is owed, so a receiver cannot confirm a
 * message it never got, nor confirm one twice. Receivers that never answer (they left, or their
 * app never took the message) must not grow this forever: it keeps the newest `maxSequences`
 * sequences and forgets the oldest (a receipt that late is ignored; the sender has its own timeout).
 */

/** Sequences a relay keeps awaiting receipts for. */
export const MAX_AWAITED_RECEIPTS = 4096;

export class ReceiptLedger {
  private readonly owed = new Map<number, Set<number>>();

  constructor(private readonly maxSequences: number = MAX_AWAITED_RECEIPTS) {}

  /** Message `sequence` went to these receivers, which will each answer once. */
  expect(sequence: number, indexes: readonly number[]): void {
    this.owed.delete(sequence); // a reused sequence (u32 wrap) starts over, as the newest
    if (indexes.length === 0) return;
    this.owed.set(sequence, new Set(indexes));
    // A Map iterates in insertion order: the first key is the oldest.
    while (this.owed.size > this.maxSequences) this.owed.delete(this.owed.keys().next().value as number);
  }

  /** Takes the receipt of `index` for `sequence`: true if it was owed (and is no more). */
  confirm(sequence: number, index: number): boolean {
    const waiting = this.owed.get(sequence);
    if (!waiting?.delete(index)) return false;
    if (waiting.size === 0) this.owed.delete(sequence);
    return true;
  }

  /** Sequences still waiting for at least one receipt. */
  get size(): number {
    return this.owed.size;
  }
}
