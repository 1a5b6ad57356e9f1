/**
 * End-to-end backpressure for a durable DataChannel session, in two parts.
 *
 * Received: every ACK_EVERY bytes the publisher's channel delivers here, the publisher hears the
 * running total, and keeps at most a window beyond it in flight (DataChannelSender). Bytes in SCTP
 * buffers and in node-datachannel's callback queue are invisible to bufferedAmount; without this,
 * megabytes could be on their way when a Pause is sent, and land in a recipient's queue after it.
 *
 * Pause/Resume: The relay forwards a publisher's
 * messages to every recipient; one recipient on a slower path than the publisher's uplink would
 * see its queue in the relay grow until the relay has to drop it (queueLimitBytes), although
 * durable means lossless. So, while some recipient's queue is long, the publisher is told to
 * Pause, and to Resume once every queue is short again (hysteresis: PAUSE_ABOVE / RESUME_BELOW).
 *
 * A recipient that stops draining altogether must not hold the session forever: if a pause lasts
 * longer than `maxPauseMs`, `onStuck` runs (the relay ends the recipients still behind, as too slow).
 */
export const PAUSE_ABOVE = 1024 * 1024;
export const RESUME_BELOW = 256 * 1024;
export const MAX_PAUSE_MS = 10_000;
/** How often (in bytes received) the publisher is told the total. */
export const ACK_EVERY = 64 * 1024;

export interface SenderFlowOptions {
  /** Sends Pause (true) or Resume (false) to the publisher. */
  notify: (pause: boolean) => void;
  /** Sends the publisher the bytes received so far (mod 2^32). */
  acknowledge: (receivedBytes: number) => void;
  /** A pause outlasted maxPauseMs. */
  onStuck: () => void;
  maxPauseMs?: number;
}

export class SenderFlow {
  #paused = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #received = 0;
  #unacknowledged = 0;

  constructor(private readonly options: SenderFlowOptions) {}

  get paused(): boolean {
    return this.#paused;
  }

  /** Bytes received from the publisher so far (mod 2^32): where it resumes after a transport replacement. */
  get receivedTotal(): number {
    return this.#received;
  }

  /** `bytes` arrived from the publisher. */
  received(bytes: number): void {
    this.#received = (this.#received + bytes) >>> 0;
    this.#unacknowledged += bytes;
    if (this.#unacknowledged < ACK_EVERY) return;
    this.#unacknowledged = 0;
    this.options.acknowledge(this.#received);
  }

  /** The longest recipient queue now (bytes); call whenever a queue changed. */
  update(longestQueue: number): void {
    if (!this.#paused && longestQueue > PAUSE_ABOVE) {
      this.#paused = true;
      this.#timer = setTimeout(() => {
        this.#timer = null;
        if (this.#paused) this.options.onStuck();
      }, this.options.maxPauseMs ?? MAX_PAUSE_MS);
      this.#timer.unref?.();
      this.options.notify(true);
    } else if (this.#paused && longestQueue <= RESUME_BELOW) {
      this.#paused = false;
      this.#clearTimer();
      this.options.notify(false);
    }
  }

  dispose(): void {
    this.#clearTimer();
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
