/**
 * The server side of one TCMP v2 WebSocket (twilio-video lib/twilioconnection.js, mirrored):
 * hello -> welcome, heartbeats both ways, `bad` for frames it cannot read, and a close when the
 * peer goes silent for 3 x the negotiated timeout.
 */
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { parseClientFrame, TCMP_VERSION, WsCloseCode, type ServerFrame } from '@plaza/protocol';
import type { Logger } from '../log.js';

export type TcmpConnectionEvents = {
  /** First hello accepted; `body` is the RSP message it carried (may be undefined). */
  hello: [body: unknown];
  message: [body: unknown];
  /** The socket is gone. `clean` means the client said bye or closed with 1000. */
  close: [clean: boolean];
};

export class TcmpConnection extends EventEmitter<TcmpConnectionEvents> {
  private welcomed = false;
  private closed = false;
  private clean = false;
  private negotiatedTimeout: number;
  private sendTimer: NodeJS.Timeout | null = null;
  private receiveTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: { heartbeatTimeoutMs: number; log: Logger },
  ) {
    super();
    this.negotiatedTimeout = options.heartbeatTimeoutMs;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.bad('Binary frames are not supported');
      this.onText(data.toString());
    });
    ws.on('close', (code) => this.finish(this.clean || code === WsCloseCode.Normal));
    ws.on('error', (err) => {
      // ws reports e.g. a frame over maxPayload here, then closes with 1009.
      this.options.log.warn({ err: err.message }, 'signaling socket error');
    });
    this.armReceiveTimer();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(body: unknown): void {
    this.sendFrame({ type: 'msg', body });
  }

  /** Sends bye and closes normally. */
  close(code: number = WsCloseCode.Normal, reason = 'Normal'): void {
    if (this.closed) return;
    this.sendFrame({ type: 'bye' });
    this.clean = true;
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
    this.finish(true);
  }

  /** Drops the socket without a goodbye (used by tests of reconnection and on shutdown timeouts). */
  terminate(): void {
    this.ws.terminate();
    this.finish(false);
  }

  private onText(text: string): void {
    // A frame can still arrive after we closed (it was in flight): a new receive timer for it would
    // keep the process alive for 3 heartbeats, for a connection that is gone.
    if (this.closed) return;
    this.armReceiveTimer();
    const parsed = parseClientFrame(text);
    if (!parsed.ok) return this.bad(parsed.reason);
    const frame = parsed.frame;
    switch (frame.type) {
      case 'hello': {
        if (frame.version !== TCMP_VERSION) {
          this.bad(`Unsupported TCMP version ${frame.version}`);
          this.close(WsCloseCode.HelloFailed, 'Unsupported version');
          return;
        }
        if (this.welcomed) return; // a retried hello: the welcome is already on its way
        this.welcomed = true;
        if (frame.timeout) this.negotiatedTimeout = Math.min(Math.max(frame.timeout, 1000), this.options.heartbeatTimeoutMs);
        this.sendFrame({ type: 'welcome', ...(frame.id ? { id: frame.id } : {}), negotiatedTimeout: this.negotiatedTimeout });
        this.armReceiveTimer();
        this.emit('hello', frame.body);
        return;
      }
      case 'msg':
        if (!this.welcomed) return this.bad('msg before hello');
        this.emit('message', frame.body);
        return;
      case 'heartbeat':
        return;
      case 'bye':
        this.clean = true;
        return;
      default: {
        const never: never = frame;
        return never;
      }
    }
  }

  private bad(reason: string): void {
    this.options.log.warn({ reason }, 'bad signaling frame');
    this.sendFrame({ type: 'bad', reason });
  }

  private sendFrame(frame: ServerFrame): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(frame));
    this.armSendTimer();
  }

  /** Heartbeat after negotiatedTimeout - 200 ms of our silence, as the SDK does. */
  private armSendTimer(): void {
    if (this.sendTimer) this.sendTimer.refresh();
    else
      this.sendTimer = setTimeout(() => {
        this.sendTimer = null;
        this.sendFrame({ type: 'heartbeat' });
      }, Math.max(this.negotiatedTimeout - 200, 100));
  }

  private armReceiveTimer(): void {
    if (this.receiveTimer) clearTimeout(this.receiveTimer);
    this.receiveTimer = setTimeout(() => {
      this.options.log.info('signaling peer silent: closing');
      this.ws.close(WsCloseCode.HeartbeatsTimeout, 'Heartbeats timeout');
      this.finish(false);
    }, 3 * this.negotiatedTimeout);
  }

  private finish(clean: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sendTimer) clearTimeout(this.sendTimer);
    if (this.receiveTimer) clearTimeout(this.receiveTimer);
    this.sendTimer = this.receiveTimer = null;
    this.emit('close', clean);
    this.removeAllListeners();
  }
}
