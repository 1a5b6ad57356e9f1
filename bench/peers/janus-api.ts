/**
 * The Janus WebSocket API, as much of it as the benchmark needs: one session per WebSocket (like
 * one signaling socket per client), plugin handles, plugin messages with optional JSEP, trickle,
 * keepalive. Janus answers every request with the request's `transaction`:
 *  - create / attach / detach / destroy: `success` (with `data.id` for create and attach);
 *  - keepalive / trickle: `ack` only;
 *  - a plugin `message`: synchronous plugin requests (create, destroy, exists...) get `success`
 *    with `plugindata`; asynchronous ones (join, joinandconfigure, start, setup...) get an `ack`
 *    and an `event` with `plugindata` (and `jsep`), both carrying the transaction, in either order;
 *  - any of them may get `error` ({ code, reason }); plugin-level errors come back as a normal
 *    reply whose plugindata.data has `error_code` and `error`.
 * Messages without a pending transaction (webrtcup, media, hangup, room notifications) go to the
 * handle named by `sender`.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { Jsep, LocalCandidate } from './peer.js';

/** Janus closes a session after 60 s without a request (session_timeout); ping well before. */
const KEEPALIVE_MS = 25_000;
const REQUEST_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 2_000;
/** PLAZA_JANUS_DEBUG=1 prints every Janus API message (both ways) to stderr. */
const DEBUG = Boolean(process.env.PLAZA_JANUS_DEBUG);

type PluginData = Record<string, unknown>;

export interface JanusMessage {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  data?: { id: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: PluginData };
  jsep?: Jsep;
}

export interface PluginReply {
  data: PluginData;
  jsep?: Jsep;
}

/** What ends a transaction: the `ack`, a `success`, or a plugin reply (`success` or `event`). */
type Expect = 'ack' | 'success' | 'plugin';

interface Pending {
  expect: Expect;
  resolve: (message: JanusMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class JanusSession {
  id = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly handles = new Map<number, JanusHandle>();
  private nextTransaction = 0;
  private keepalive: NodeJS.Timeout | undefined;
  private closed = false;

  /** performance.now() when the WebSocket opened: where a join's timing starts. */
  private constructor(private readonly ws: WebSocket, readonly openedAt: number) {
    ws.on('message', (raw) => {
      if (DEBUG) console.error(`janus <- ${raw.toString()}`);
      this.dispatch(JSON.parse(raw.toString()) as JanusMessage);
    });
    ws.on('close', () => this.shutDown(new Error('Janus WebSocket closed')));
  }

  /** Opens a WebSocket and creates a Janus session on it. */
  static async connect(url: string): Promise<JanusSession> {
    // Janus only accepts its own subprotocol. No permessage-deflate: compact JSON on loopback
    // gains nothing from it, and it would add CPU on both sides.
    const ws = new WebSocket(url, 'janus-protocol', { perMessageDeflate: false });
    const openedAt = await new Promise<number>((resolve, reject) => {
      ws.once('open', () => resolve(performance.now()));
      ws.once('error', reject);
    });
    ws.on('error', () => {}); // later errors also emit 'close', handled there
    const session = new JanusSession(ws, openedAt);
    try {
      session.id = (await session.request({ janus: 'create' }, 'success')).data!.id;
    } catch (error) {
      ws.terminate();
      throw error;
    }
    session.keepalive = setInterval(() => session.request({ janus: 'keepalive' }, 'ack').catch(() => {}), KEEPALIVE_MS);
    return session;
  }

  async attach(plugin: string): Promise<JanusHandle> {
    const reply = await this.request({ janus: 'attach', plugin }, 'success');
    const handle = new JanusHandle(this, reply.data!.id);
    this.handles.set(handle.id, handle);
    return handle;
  }

  /** Sends one request (adding session_id and a transaction) and resolves with what ends it. */
  request(body: Record<string, unknown>, expect: Expect): Promise<JanusMessage> {
    if (this.closed) return Promise.reject(new Error('Janus session closed'));
    const transaction = String(++this.nextTransaction);
    const message = { ...body, transaction, ...(this.id ? { session_id: this.id } : {}) };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new Error(`Janus ${String(body.janus)} timed out: ${JSON.stringify(body)}`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(transaction, { expect, resolve, reject, timer });
      this.send(message);
    });
  }

  /** Fire-and-forget (trickle): the `ack` is not awaited, a late one is simply dropped. */
  post(body: Record<string, unknown>): void {
    if (this.closed) return;
    this.send({ ...body, transaction: `p${++this.nextTransaction}`, session_id: this.id });
  }

  private send(message: Record<string, unknown>): void {
    const text = JSON.stringify(message);
    if (DEBUG) console.error(`janus -> ${text}`);
    this.ws.send(text);
  }

  /** Destroys the session (Janus then hangs up its handles) and closes the WebSocket. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.request({ janus: 'destroy' }, 'success').catch(() => {});
    if (this.ws.readyState === WebSocket.CLOSED) return; // Janus closed it meanwhile
    const closed = new Promise((resolve) => this.ws.once('close', resolve));
    this.ws.close();
    const timer = setTimeout(() => this.ws.terminate(), CLOSE_TIMEOUT_MS);
    await closed;
    clearTimeout(timer);
  }

  private dispatch(message: JanusMessage): void {
    const pending = message.transaction ? this.pending.get(message.transaction) : undefined;
    if (pending) {
      if (message.janus === 'error') {
        this.settle(message.transaction!, pending);
        pending.reject(new Error(`Janus error ${message.error?.code}: ${message.error?.reason}`));
        return;
      }
      const ends =
        pending.expect === 'plugin' ? message.janus === 'success' || message.janus === 'event' : message.janus === pending.expect;
      if (ends) {
        this.settle(message.transaction!, pending);
        pending.resolve(message);
        return;
      }
      // An asynchronous plugin request: its event follows. (Not always: Janus can send the event
      // before the ack, as seen with joinandconfigure; the late ack then matches nothing and is dropped.)
      if (message.janus === 'ack') return;
    }
    if (message.sender !== undefined) this.handles.get(message.sender)?.emit(message);
  }

  private settle(transaction: string, pending: Pending): void {
    clearTimeout(pending.timer);
    this.pending.delete(transaction);
  }

  private shutDown(error: Error): void {
    this.closed = true;
    clearInterval(this.keepalive);
    for (const [transaction, pending] of this.pending) {
      this.settle(transaction, pending);
      pending.reject(error);
    }
  }
}

export class JanusHandle {
  private listeners: ((message: JanusMessage) => void)[] = [];

  constructor(readonly session: JanusSession, readonly id: number) {}

  /**
   * A plugin request (`body`, with an optional JSEP offer or answer). Resolves with the plugin's
   * reply; rejects on a Janus error or a plugin error (plugindata.data.error_code).
   */
  async message(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginReply> {
    const reply = await this.session.request({ janus: 'message', handle_id: this.id, body, ...(jsep ? { jsep } : {}) }, 'plugin');
    const data = reply.plugindata?.data ?? {};
    if (data.error_code !== undefined) {
      throw new Error(`${reply.plugindata?.plugin} ${String(body.request)}: ${data.error_code} ${String(data.error)}`);
    }
    return { data, ...(reply.jsep ? { jsep: reply.jsep } : {}) };
  }

  /** One local candidate, or the end of them (Janus does half-trickle: it only takes ours). */
  trickle(candidate: LocalCandidate): void {
    // libdatachannel's candidates are SDP attribute lines ("a=candidate:..."); Janus parses the
    // attribute value only ("candidate:..."), like a browser's RTCIceCandidate.candidate.
    const body = candidate ? { ...candidate, candidate: candidate.candidate.replace(/^a=/, '') } : { completed: true };
    this.session.post({ janus: 'trickle', handle_id: this.id, candidate: body });
  }

  /** Messages for this handle that answer no request (webrtcup, hangup, plugin notifications). */
  onEvent(listener: (message: JanusMessage) => void): void {
    this.listeners.push(listener);
  }

  emit(message: JanusMessage): void {
    for (const listener of [...this.listeners]) listener(message);
  }
}
