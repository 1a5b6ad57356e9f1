/**
 * Limits key frame requests (PLI/FIR) towards one publisher stream. Every new subscriber, every
 * layer switch and every subscriber's own PLI wants a key frame; forwarding each one would make the
 * publisher's encoder send key frames back to back, each several times the size of a delta frame,
 * for no gain, since one key frame serves every subscriber. libwebrtc's receiver likewise spaces
 * its own requests; LiveKit and mediasoup throttle per publisher stream in the same way.
 */
export class KeyframeThrottle {
  /** Minimum time between two requests, in ms. Default 500. */
  readonly intervalMs: number;
  private last = Number.NEGATIVE_INFINITY;

  constructor(intervalMs: number = 500) {
    this.intervalMs = intervalMs;
  }

  /**
   * True when a request may be sent now (and counts it as sent): at most once per interval. A clock
   * that went backwards (e.g. Date.now after a wall-clock adjustment) allows a request rather than
   * blocking them until the clock catches up.
   */
  shouldRequest(nowMs: number): boolean {
    const elapsed = nowMs - this.last;
    if (elapsed >= this.intervalMs || elapsed < 0) {
      this.last = nowMs;
      return true;
    }
    return false;
  }

  /** Forgets the last request, so the next call is allowed (e.g. when the publisher changed). */
  reset(): void {
    this.last = Number.NEGATIVE_INFINITY;
  }
}
