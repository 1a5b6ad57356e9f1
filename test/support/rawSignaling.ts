/**
 * A bare TCMP client over `ws` for tests that must send what no SDK would: malformed frames,
 * wrong versions, bad tokens, garbage SDP.
 */
import { WebSocket } from 'ws';

export interface RawFrame {
  type: string;
  body?: { type?: string; code?: number; message?: string; [k: string]: unknown };
  reason?: string;
  negotiatedTimeout?: number;
  [k: string]: unknown;
}

export class RawSignaling {
  readonly frames: RawFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as RawFrame);
      this.waiters.splice(0).forEach((w) => w());
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string): Promise<RawSignaling> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawSignaling(ws);
  }

  sendRaw(text: string | Buffer): void {
    this.ws.send(text);
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  hello(body?: object): void {
    this.send({ type: 'hello', id: 'test', version: 2, timeout: 5000, ...(body ? { body } : {}) });
  }

  /** Waits for the first frame (already received or future) that matches. */
  async next(match: (f: RawFrame) => boolean, what: string, timeoutMs = 5000): Promise<RawFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The RSP `error` the server sent (inside a `msg` frame). */
  error(timeoutMs?: number): Promise<RawFrame> {
    return this.next((f) => f.type === 'msg' && f.body?.type === 'error', 'an RSP error', timeoutMs);
  }

  close(): void {
    this.ws.close();
  }
}
