/**
 * Accepts WebSocket connections at /signaling, runs TCMP on each, and routes the first RSP body:
 * `sync` goes to the live session it names (reconnect), anything else starts a new session.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WsCloseCode } from '@plaza/protocol';
import type { Logger } from '../log.js';
import { RspSession, type SessionContext } from './RspSession.js';
import { TcmpConnection } from './TcmpConnection.js';
import type { CloseReason } from '../rooms/CloseReason.js';

export interface SignalingOptions extends Omit<SessionContext, 'onEnded'> {
  maxFrameBytes: number;
  heartbeatTimeoutMs: number;
}

export class SignalingServer {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, RspSession>();
  private readonly log: Logger;

  constructor(private readonly options: SignalingOptions) {
    this.log = options.log.child({ component: 'signaling' });
    // maxPayload: ws closes a socket that sends a bigger frame with 1009 (Message Too Big).
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
    this.wss.on('connection', (ws) => this.accept(ws));
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  /** Ends every session (server shutdown): each client hears `disconnected`. */
  endAll(reason: CloseReason): void {
    for (const session of [...this.sessions.values()]) session.end(reason);
  }

  /**
   * Cuts every signaling socket without a goodbye, as a network failure would. Sessions stay
   * alive for `session_timeout` and resume on `sync` (used by reconnection tests).
   */
  dropConnections(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const connection = new TcmpConnection(ws, { heartbeatTimeoutMs: this.options.heartbeatTimeoutMs, log: this.log });
    connection.once('hello', (body) => {
      const sessionId = syncSessionId(body);
      const existing = sessionId ? this.sessions.get(sessionId) : undefined;
      if (existing) return existing.resume(connection, body);
      const session = new RspSession({ ...this.options, onEnded: (s) => this.sessions.delete(s.id) });
      this.sessions.set(session.id, session);
      session.attach(connection, body);
    });
    ws.on('close', (code) => {
      if (code === WsCloseCode.MessageTooBig) this.log.warn('signaling frame over the size limit: socket closed (1009)');
    });
  }
}

function syncSessionId(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const { type, session } = body as { type?: unknown; session?: unknown };
  return type === 'sync' && typeof session === 'string' ? session : null;
}
