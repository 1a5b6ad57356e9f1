/**
 * The last N packets sent on one outgoing stream, keyed by OUTPUT sequence number, so a
 * subscriber's generic NACK (RFC 4585 §6.2.1) is answered from memory without asking the publisher.
 * The packets are resent as they were sent (same SSRC and sequence number: RFC 4588 RTX is not
 * used), which receivers accept as a late arrival.
 *
 * Allocation strategy: one slab of `capacity × slotSize` bytes (default 512 × 1500 = 750 KiB),
 * allocated on the first `store` (a stream nobody stores into costs only the small index arrays),
 * then reused forever: slot = seq mod capacity, and `store` is a bounds check and one memcpy into
 * the slot. Nothing is allocated per packet. The copy is needed because the forwarder rewrites one
 * publisher Buffer in place for each subscriber in turn, so a reference would change under us.
 * Packets larger than a slot (not seen from WebRTC senders, whose packets stay under ~1200 bytes to
 * fit the path MTU) are not stored, and a NACK for them goes unanswered.
 *
 * Sequence numbers wrap at 2^16; the buffer keeps an extended (unwrapped) counter per slot so a
 * slot left over from 65536 numbers ago is never mistaken for the packet now being asked for.
 */

export class RetransmissionBuffer {
  /** Packets kept. */
  readonly capacity: number;
  /** Largest packet stored, in bytes. */
  readonly slotSize: number;

  private readonly mask: number;
  private slab: Buffer | null = null;
  private readonly lengths: Uint16Array;
  /** Extended sequence number stored in each slot; -1 when empty. */
  private readonly extSeqs: Float64Array;
  /** Extended sequence number of the newest packet stored; -1 before the first. */
  private newestExt = -1;

  /**
   * @param capacity packets kept; a power of two from 1 to 32768. Default 512 (≈1.7 s of 2.5 Mbps
   *   video in 1200-byte packets, well past the round trip a NACK needs).
   * @param slotSize bytes per slot, the largest packet stored. Default 1500 (an Ethernet MTU).
   * @throws RangeError when either is out of range (construction only; store/get never throw).
   */
  constructor(capacity: number = 512, slotSize: number = 1500) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 0x8000 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`capacity must be a power of two from 1 to 32768, got ${capacity}`);
    }
    if (!Number.isInteger(slotSize) || slotSize < 12 || slotSize > 0xffff) {
      throw new RangeError(`slotSize must be an integer from 12 to 65535, got ${slotSize}`);
    }
    this.capacity = capacity;
    this.slotSize = slotSize;
    this.mask = capacity - 1;
    this.lengths = new Uint16Array(capacity);
    this.extSeqs = new Float64Array(capacity).fill(-1);
  }

  /**
   * Copies `packet` (already rewritten: what the subscriber received) into the slot for output
   * sequence number `seq`. Returns false, storing nothing, when the packet is empty or larger than
   * a slot, or `seq` is so far behind the newest stored that its slot now holds a newer packet.
   */
  store(seq: number, packet: Uint8Array): boolean {
    const len = packet.length;
    if (len === 0 || len > this.slotSize) return false;
    seq &= 0xffff;
    let ext: number;
    if (this.newestExt < 0) {
      // Start one cycle up so a late packet just below it stays non-negative.
      ext = seq + 0x10000;
    } else {
      // Signed distance from the newest (RFC 1982 serial number arithmetic).
      const diff = ((seq - this.newestExt + 0x8000) & 0xffff) - 0x8000;
      if (-diff >= this.capacity) return false;
      ext = this.newestExt + diff;
    }
    if (ext > this.newestExt) this.newestExt = ext;
    const slab = (this.slab ??= Buffer.allocUnsafeSlow(this.capacity * this.slotSize));
    const slot = seq & this.mask;
    slab.set(packet, slot * this.slotSize);
    this.lengths[slot] = len;
    this.extSeqs[slot] = ext;
    return true;
  }

  /**
   * The packet stored for output sequence number `seq`, or null when it was never stored or has
   * been overwritten. The result is a view into the slab, not a copy: send it right away (node-
   * datachannel's sendMessageBinary copies) and do not keep it, since a later `store` reuses the
   * slot.
   */
  get(seq: number): Buffer | null {
    if (this.newestExt < 0 || this.slab === null) return null;
    seq &= 0xffff;
    const back = (this.newestExt - seq) & 0xffff;
    if (back >= this.capacity) return null;
    const ext = this.newestExt - back;
    const slot = seq & this.mask;
    if (this.extSeqs[slot] !== ext) return null;
    const start = slot * this.slotSize;
    return this.slab.subarray(start, start + this.lengths[slot]!);
  }

  /** Forgets every packet (the slab is kept for reuse). */
  clear(): void {
    this.extSeqs.fill(-1);
    this.newestExt = -1;
  }
}
