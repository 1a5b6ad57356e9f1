/**
 * A token bucket in bytes, for DataChannelSender's `bitrateInKbps` (DATA-CHANNELS.md §2: durable
 * messages beyond the rate wait, lossy ones are dropped).
 *
 * Tokens refill at `bytesPerSecond` up to `capacity` (the burst a sender may send at once; it starts
 * full). A message larger than the capacity could never collect enough tokens, so it needs only a
 * full bucket and takes the bucket into debt: later messages then wait until the debt is paid, and
 * the average rate stays the configured one.
 */
export class TokenBucket {
  readonly bytesPerSecond: number;
  readonly capacity: number;
  #tokens: number;
  #updatedAt: number;

  constructor(bytesPerSecond: number, capacity: number, now: number) {
    if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) throw new RangeError('bytesPerSecond must be a positive number');
    if (!(capacity > 0) || !Number.isFinite(capacity)) throw new RangeError('capacity must be a positive number');
    this.bytesPerSecond = bytesPerSecond;
    this.capacity = capacity;
    this.#tokens = capacity;
    this.#updatedAt = now;
  }

  /** A bucket for a rate in kbit/s, holding one second's worth (at least `minCapacity` bytes). */
  static forKbps(kbps: number, now: number, minCapacity = 1): TokenBucket {
    const bytesPerSecond = (kbps * 1000) / 8;
    return new TokenBucket(bytesPerSecond, Math.max(bytesPerSecond, minCapacity), now);
  }

  /** Tokens available at `now` (negative while in debt). */
  available(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /**
   * Takes `size` bytes' worth if available now and returns 0; otherwise takes nothing and returns
   * the milliseconds after which they will be (always > 0).
   */
  take(size: number, now: number): number {
    this.#refill(now);
    const needed = Math.min(size, this.capacity);
    if (this.#tokens >= needed) {
      this.#tokens -= size;
      return 0;
    }
    return Math.max(1, Math.ceil(((needed - this.#tokens) * 1000) / this.bytesPerSecond));
  }

  #refill(now: number): void {
    const elapsed = now - this.#updatedAt;
    if (elapsed <= 0) return;
    this.#updatedAt = now;
    this.#tokens = Math.min(this.capacity, this.#tokens + (elapsed * this.bytesPerSecond) / 1000);
  }
}
