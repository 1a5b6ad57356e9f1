/**
 * Exponential back-off with the SDK's formula (twilio-video lib/util/backoff.js):
 * delay = min(min * factor^attempts, max), with "jitter" spreading it by up to ±jitter·delay.
 * Reconnect uses {min: 80, factor: 1.5, jitter: 1} (lib/util/constants.js reconnectBackoffConfig).
 */
export interface BackoffOptions {
  /** First delay in ms. Default 100 (SDK). */
  min?: number;
  /** Upper bound in ms. Default 10000 (SDK). */
  max?: number;
  /** Growth per attempt. Default 2 (SDK). */
  factor?: number;
  /** 0..1; 0 disables jitter. Default 0 (SDK). */
  jitter?: number;
  /** Injected for tests. Default Math.random. */
  random?: () => number;
}

export class Backoff {
  readonly #min: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempts = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: BackoffOptions = {}) {
    this.#min = options.min || 100;
    this.#max = options.max || 10000;
    this.#factor = options.factor || 2;
    this.#jitter = options.jitter && options.jitter > 0 && options.jitter <= 1 ? options.jitter : 0;
    this.#random = options.random ?? Math.random;
  }

  /** The delay the next backoff() will wait. */
  nextDelay(): number {
    let ms = this.#min * Math.pow(this.#factor, this.#attempts);
    if (this.#jitter) {
      const rand = this.#random();
      const deviation = Math.floor(rand * this.#jitter * ms);
      ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
    }
    return Math.min(ms, this.#max) | 0;
  }

  /** Calls fn after the next delay; a pending call is replaced. */
  backoff(fn: () => void): void {
    const delay = this.nextDelay();
    this.cancel();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#attempts++;
      fn();
    }, delay);
  }

  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  reset(): void {
    this.#attempts = 0;
    this.cancel();
  }
}
