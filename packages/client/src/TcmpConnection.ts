/**
 * TCMP v2 over one WebSocket: the framing under room signaling. A line-by-line port of the behaviour
 * of twilio-video lib/twilioconnection.js so a Plaza server sees the same frames and timings from
 * this client as from the official SDK:
 *  - `hello {id, version: 2, timeout, body?, cookie?}` on open; up to 3 hellos, 5 s apart, until `welcome`.
 *  - `msg` frames before `welcome` are ignored; outgoing `msg`s wait in a queue until then.
 *  - `heartbeat` after negotiatedTimeout − 200 ms without sending; any received frame counts as a
 *    heartbeat; 3 × negotiatedTimeout of silence closes with 3001.
 *  - `busy`: retryAfter < 0 gives up (3006); otherwise retry, on the same socket if keepAlive.
 *  - close(): `bye` then close 1000. A close with 1000 from either side is "local" (no reconnect).
 */
import { TCMP_VERSION } from '@plaza/protocol';
import { makeUUID, WS_CLOSED, WS_CLOSING, WS_OPEN, type WebSocketFactory, type WebSocketLike } from './environment.js';
import type { Logger } from './Logger.js';
import { TypedEmitter } from './TypedEmitter.js';

/** Why the connection closed (twilioconnection.js CloseReason). */
export type TcmpCloseReason = 'busy' | 'failed' | 'local' | 'remote' | 'timeout';
export type TcmpState = 'early' | 'connecting' | 'open' | 'waiting' | 'closed';

export type TcmpConnectionEvents = {
  /** hello/welcome handshake done. */
  open: [];
  /** The body of a `msg` frame (an RSP message, not yet validated). */
  message: [body: unknown];
  close: [reason: TcmpCloseReason];
  /** A `bad` frame after the handshake, or an unparseable frame. Informational. */
  error: [error: Error];
};

export interface TcmpConnectionOptions {
  createWebSocket: WebSocketFactory;
  log: Logger;
  /** Body of every `hello` (RSP `ice`, `connect` or `sync`). Default none. */
  helloBody?: unknown;
  /** `hello.timeout`, the heartbeat period we ask for, ms. Default 5000 (SDK). */
  requestedHeartbeatTimeout?: number;
  /** Wait for `welcome` after each hello, ms. Default 5000 (SDK). */
  welcomeTimeout?: number;
  /** Hellos sent before giving up with 3000. Default 3 (SDK). */
  maxConsecutiveFailedHellos?: number;
  /** Missed heartbeat periods before closing with 3001. Default 3 (SDK). */
  maxConsecutiveMissedHeartbeats?: number;
  /** Wait for the socket to open, ms. Default 15000 (SDK). */
  openTimeout?: number;
}

/** Close codes from twilioconnection.js. */
export const TcmpCloseCode = {
  Normal: 1000,
  WelcomeTimeout: 3000,
  HeartbeatsMissed: 3001,
  HelloFailed: 3002,
  SendFailed: 3003,
  NetworkChanged: 3004,
  BusyWait: 3005,
  ServerBusy: 3006,
  OpenTimeout: 3007,
} as const;

const CLOSE_REASONS = new Map<number, TcmpCloseReason>([
  [TcmpCloseCode.WelcomeTimeout, 'timeout'],
  [TcmpCloseCode.HeartbeatsMissed, 'timeout'],
  [TcmpCloseCode.HelloFailed, 'failed'],
  [TcmpCloseCode.SendFailed, 'failed'],
  [TcmpCloseCode.NetworkChanged, 'timeout'],
  [TcmpCloseCode.ServerBusy, 'busy'],
  [TcmpCloseCode.OpenTimeout, 'timeout'],
]);

const OUTGOING_HEARTBEAT_OFFSET = 200;

export class TcmpConnection extends TypedEmitter<TcmpConnectionEvents> {
  #state: TcmpState = 'early';
  readonly #url: string;
  readonly #options: Required<Omit<TcmpConnectionOptions, 'helloBody'>> & { helloBody: unknown };
  #ws: WebSocketLike | null = null;
  #hellosLeft: number;
  #cookie: string | null = null;
  #queue: unknown[] = [];
  #openTimer: Timer | null = null;
  #welcomeTimer: Timer | null = null;
  #heartbeatTimer: Timer | null = null;
  #sendHeartbeatTimer: Timer | null = null;
  #busyTimer: Timer | null = null;

  constructor(url: string, options: TcmpConnectionOptions) {
    super();
    this.#url = url;
    this.#options = {
      helloBody: null,
      requestedHeartbeatTimeout: 5000,
      welcomeTimeout: 5000,
      maxConsecutiveFailedHellos: 3,
      maxConsecutiveMissedHeartbeats: 3,
      openTimeout: 15000,
      ...options,
    };
    this.#hellosLeft = this.#options.maxConsecutiveFailedHellos;
    this.#connect();
  }

  get state(): TcmpState {
    return this.#state;
  }

  /** Sends `msg {body}` now, or after `welcome` if the handshake is still running. */
  sendMessage(body: unknown): void {
    this.#sendOrEnqueue({ type: 'msg', body });
  }

  /** Sends `bye` and closes with 1000. Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#sendOrEnqueue({ type: 'bye' });
    this.#close(TcmpCloseCode.Normal, 'Normal');
  }

  #transition(state: TcmpState, reason?: TcmpCloseReason): void {
    this.#state = state;
    if (state === 'open') this.emit('open');
    else if (state === 'closed') this.emit('close', reason ?? 'remote');
  }

  #connect(): void {
    if (this.#state === 'waiting') this.#state = 'early';
    if (this.#state !== 'early') return;
    let ws: WebSocketLike;
    try {
      ws = this.#options.createWebSocket(this.#url);
    } catch (error) {
      // e.g. a malformed URL: same outcome as a socket that never opens.
      this.#options.log.warn('WebSocket creation failed:', error);
      queueMicrotask(() => this.#close(TcmpCloseCode.HelloFailed, 'WebSocket creation failed'));
      return;
    }
    this.#ws = ws;
    ws.addEventListener('close', (event) => {
      if (ws === this.#ws) this.#close(event.code, event.reason);
    });
    ws.addEventListener('error', () => {
      // A 'close' event always follows; nothing to do here.
    });
    const { openTimeout } = this.#options;
    this.#openTimer = new Timer(() => this.#close(TcmpCloseCode.OpenTimeout, `Failed to open in ${openTimeout} ms`), openTimeout);
    ws.addEventListener('open', () => {
      if (ws !== this.#ws) return;
      this.#openTimer?.clear();
      this.#startHandshake();
    });
    ws.addEventListener('message', (event) => {
      if (ws === this.#ws) this.#handleFrame(event.data);
    });
  }

  #handleFrame(data: unknown): void {
    if (this.#state === 'closed') return; // frames in flight during our closing handshake
    let frame: { type?: unknown; [key: string]: unknown };
    try {
      frame = JSON.parse(String(data)) as typeof frame;
      if (typeof frame !== 'object' || frame === null) throw new Error('not an object');
    } catch (error) {
      this.emit('error', error instanceof Error ? error : new Error(String(error)));
      return;
    }
    switch (frame.type) {
      case 'bad':
        this.#handleBad(String(frame.reason ?? 'bad'));
        break;
      case 'busy':
        this.#handleBusy(frame);
        break;
      case 'bye':
        break;
      case 'msg':
        if (this.#state === 'open') this.emit('message', frame.body);
        else this.#options.log.warn(`Ignoring "msg" in state "${this.#state}"`);
        this.#handleHeartbeat(); // every incoming message counts as a heartbeat
        break;
      case 'heartbeat':
        this.#handleHeartbeat();
        break;
      case 'welcome':
        this.#handleWelcome(frame.negotiatedTimeout);
        break;
      default:
        this.emit('error', new Error(`Unknown message type: ${String(frame.type)}`));
    }
  }

  #handleBad(reason: string): void {
    if (this.#state === 'connecting') this.#close(TcmpCloseCode.HelloFailed, reason);
    else if (this.#state === 'open') this.emit('error', new Error(reason));
  }

  #handleBusy(frame: { [key: string]: unknown }): void {
    if (this.#state !== 'connecting' && this.#state !== 'waiting') return;
    this.#busyTimer?.clear();
    this.#welcomeTimer?.clear();
    const retryAfter = typeof frame.retryAfter === 'number' ? frame.retryAfter : -1;
    if (retryAfter < 0) {
      this.#close(TcmpCloseCode.ServerBusy, 'Received terminal "busy" message');
      return;
    }
    this.#hellosLeft = this.#options.maxConsecutiveFailedHellos;
    this.#cookie = typeof frame.cookie === 'string' ? frame.cookie : null;
    if (frame.keepAlive === true) {
      this.#busyTimer = new Timer(() => this.#startHandshake(), retryAfter);
    } else {
      this.#close(TcmpCloseCode.BusyWait, `Received "busy" message, retrying after ${retryAfter} ms`);
      this.#busyTimer = new Timer(() => this.#connect(), retryAfter);
    }
    this.#state = 'waiting';
  }

  #handleHeartbeat(): void {
    if (this.#state === 'open') this.#heartbeatTimer?.reset();
  }

  #handleWelcome(negotiated: unknown): void {
    if (this.#state !== 'connecting' && this.#state !== 'waiting') return;
    this.#busyTimer?.clear();
    const negotiatedTimeout =
      typeof negotiated === 'number' && negotiated > OUTGOING_HEARTBEAT_OFFSET
        ? negotiated
        : this.#options.requestedHeartbeatTimeout;
    const { maxConsecutiveMissedHeartbeats } = this.#options;
    this.#welcomeTimer?.clear();
    this.#heartbeatTimer = new Timer(() => {
      if (this.#state !== 'open') return;
      this.#close(TcmpCloseCode.HeartbeatsMissed, `Missed ${maxConsecutiveMissedHeartbeats} "heartbeat" messages`);
    }, negotiatedTimeout * maxConsecutiveMissedHeartbeats);
    for (const frame of this.#queue.splice(0)) this.#send(frame);
    this.#sendHeartbeatTimer = new Timer(() => {
      if (this.#state !== 'closed') this.#send({ type: 'heartbeat' });
    }, negotiatedTimeout - OUTGOING_HEARTBEAT_OFFSET);
    this.#transition('open');
  }

  #startHandshake(): void {
    if (this.#state === 'early' || this.#state === 'waiting') this.#state = 'connecting';
    if (this.#state !== 'connecting') return;
    this.#hellosLeft--;
    const hello: Record<string, unknown> = {
      id: makeUUID(),
      timeout: this.#options.requestedHeartbeatTimeout,
      type: 'hello',
      version: TCMP_VERSION,
    };
    if (this.#cookie) hello.cookie = this.#cookie;
    if (this.#options.helloBody) hello.body = this.#options.helloBody;
    this.#send(hello);
    this.#welcomeTimer = new Timer(() => {
      if (this.#state !== 'connecting') return;
      if (this.#hellosLeft <= 0) this.#close(TcmpCloseCode.WelcomeTimeout, 'All handshake attempts failed');
      else this.#startHandshake();
    }, this.#options.welcomeTimeout);
  }

  #send(frame: unknown): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WS_OPEN) return;
    try {
      ws.send(JSON.stringify(frame));
      this.#sendHeartbeatTimer?.reset(); // every outgoing frame counts as a heartbeat
    } catch {
      this.#close(TcmpCloseCode.SendFailed, 'Failed to send message');
    }
  }

  #sendOrEnqueue(frame: unknown): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'open') this.#send(frame);
    else this.#queue.push(frame);
  }

  #close(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.#openTimer?.clear();
    this.#welcomeTimer?.clear();
    this.#heartbeatTimer?.clear();
    this.#sendHeartbeatTimer?.clear();
    if (code !== TcmpCloseCode.BusyWait) this.#busyTimer?.clear();
    this.#queue = [];
    if (code === TcmpCloseCode.Normal) {
      this.#options.log.debug('Closed');
      this.#transition('closed', 'local');
    } else {
      this.#options.log.warn(`Closed: ${code} - ${reason}`);
      if (code !== TcmpCloseCode.BusyWait) this.#transition('closed', CLOSE_REASONS.get(code) ?? 'remote');
    }
    const ws = this.#ws;
    if (ws && ws.readyState !== WS_CLOSING && ws.readyState !== WS_CLOSED) {
      try {
        ws.close(code, reason);
      } catch (error) {
        this.#options.log.debug('WebSocket close failed:', error);
      }
    }
  }
}

/** A restartable one-shot timer (the SDK's util/timeout.js). */
class Timer {
  #handle: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly fn: () => void,
    private readonly delay: number,
  ) {
    this.reset();
  }

  reset(): void {
    this.clear();
    this.#handle = setTimeout(() => {
      this.#handle = null;
      this.fn();
    }, this.delay);
  }

  clear(): void {
    if (this.#handle !== null) clearTimeout(this.#handle);
    this.#handle = null;
  }
}
