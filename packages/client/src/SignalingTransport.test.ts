/**
 * The signaling wire (TCMP + RSP) against a scripted WebSocket server on a real socket: what we send
 * must match what twilio-video sends (SIGNALING.md / twilioconnectiontransport.js).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { ErrorCode } from '@plaza/protocol';
import type { WebSocketLike } from './environment.js';
import { RoomCompletedError, TwilioError } from './errors.js';
import { Logger } from './Logger.js';
import { reduceUpdates, SignalingTransport, type SignalingTransportOptions, type TransportState } from './SignalingTransport.js';
import { waitForEvent } from './testing.js';

type Frame = { type: string; [key: string]: unknown };

/** One accepted socket, with the frames it received. */
class ServerSide {
  frames: Frame[] = [];
  closeCode: number | null = null;
  #waiters: Array<() => void> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      for (const w of this.#waiters.splice(0)) w();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const w of this.#waiters.splice(0)) w();
    });
  }
  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }
  msg(body: unknown): void {
    this.send({ type: 'msg', body });
  }
  /** Resolves with the first received frame matching `predicate` (waits up to 3 s). */
  async next(predicate: (f: Frame) => boolean, timeoutMs = 3000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
  async closed(timeoutMs = 3000): Promise<number> {
    await this.next(() => this.closeCode !== null, timeoutMs).catch(() => undefined);
    if (this.closeCode === null) throw new Error('socket not closed');
    return this.closeCode;
  }
}

let wss: WebSocketServer;
let url: string;
let sockets: ServerSide[] = [];
let onSocket: ((side: ServerSide) => void) | null = null;

before(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/signaling`;
  wss.on('connection', (ws) => {
    const side = new ServerSide(ws);
    sockets.push(side);
    onSocket?.(side);
  });
});

after(async () => {
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
});

async function nextSocket(timeoutMs = 3000): Promise<ServerSide> {
  const existing = sockets.shift();
  if (existing) return existing;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no connection')), timeoutMs);
    onSocket = (side) => {
      clearTimeout(timer);
      onSocket = null;
      sockets = sockets.filter((s) => s !== side);
      resolve(side);
    };
  });
}

const participantState = { revision: 2, tracks: [] };
const pcState = { id: 'pc-1', description: { type: 'offer' as const, revision: 1, sdp: 'v=0\r\n' } };

function transport(overrides: Partial<SignalingTransportOptions> = {}): { t: SignalingTransport; iced: RTCIceServer[][] } {
  const iced: RTCIceServer[][] = [];
  const t = new SignalingTransport({
    wsServer: url,
    token: 'TOKEN',
    name: 'room-a',
    createWebSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
    log: new Logger('off'),
    automaticSubscription: true,
    sdkVersion: '0.1.0',
    userAgent: 'test',
    getParticipantState: () => participantState,
    getPeerConnectionStates: () => [pcState],
    onIced: async (servers) => {
      iced.push(servers);
    },
    ...overrides,
  });
  return { t, iced };
}

/** Runs the handshake up to `connected`; returns the server side. */
async function handshake(t: SignalingTransport, sessionTimeout = 30): Promise<ServerSide> {
  const side = await nextSocket();
  await side.next((f) => f.type === 'hello');
  side.send({ type: 'welcome', negotiatedTimeout: 5000 });
  side.msg({ type: 'iced', ice_servers: [{ urls: 'stun:127.0.0.1:3478' }] });
  await side.next((f) => f.type === 'msg' && (f.body as Frame).type === 'connect');
  const connected = waitForEvent(t, 'connected', 3000);
  side.msg({
    type: 'connected',
    session: 'SESSION',
    sid: 'RM1',
    name: 'room-a',
    participant: { sid: 'PA1', identity: 'alice' },
    participants: [],
    options: { session_timeout: sessionTimeout },
  });
  await connected;
  return side;
}

describe('SignalingTransport', () => {
  it('sends hello{ice}, then connect with every field the SDK sends, and reaches connected', async () => {
    const { t, iced } = transport();
    const side = await nextSocket();
    const hello = await side.next((f) => f.type === 'hello');
    assert.equal(typeof hello.id, 'string');
    assert.equal(hello.version, 2);
    assert.equal(hello.timeout, 5000);
    assert.deepEqual(hello.body, { type: 'ice', version: 1, edge: 'roaming', token: 'TOKEN' });

    // Queued before `connected`, merged and sent after it.
    t.publish({ participant: { revision: 3, tracks: [] } });
    t.publish({ peer_connections: [{ id: 'pc-1', ice: { ufrag: 'u', revision: 1, candidates: [] } }] });
    t.publish({ peer_connections: [{ id: 'pc-1', ice: { ufrag: 'u', revision: 2, candidates: [], complete: true } }] });

    side.send({ type: 'welcome', negotiatedTimeout: 5000 });
    side.msg({ type: 'iced', ice_servers: [{ urls: 'stun:127.0.0.1:3478' }] });
    const connect = (await side.next((f) => f.type === 'msg')).body as Frame;
    assert.deepEqual(iced, [[{ urls: 'stun:127.0.0.1:3478' }]]);
    assert.deepEqual(connect, {
      type: 'connect',
      version: 2,
      name: 'room-a',
      token: 'TOKEN',
      participant: participantState,
      peer_connections: [pcState],
      ice_servers: 'acquire',
      publisher: { name: 'plaza-client', sdk_version: '0.1.0', user_agent: 'test' },
      media_signaling: {},
      subscribe: { rules: [{ type: 'include', all: true }], revision: 1 },
      format: 'unified',
      plaza: { data_envelope: 1 },
    });

    const states: TransportState[] = [];
    t.on('stateChanged', (s) => states.push(s));
    side.msg({ type: 'connected', session: 'SESSION', sid: 'RM1', name: 'room-a', participant: { sid: 'PA1', identity: 'a' }, options: { session_timeout: 30 } });
    const update = (await side.next((f) => f.type === 'msg' && (f.body as Frame).type === 'update')).body as Frame;
    assert.deepEqual(update, {
      session: 'SESSION',
      type: 'update',
      version: 2,
      participant: { revision: 3, tracks: [] },
      peer_connections: [{ id: 'pc-1', ice: { ufrag: 'u', revision: 2, candidates: [], complete: true } }],
    });
    assert.deepEqual(states, ['connected']);

    t.disconnect();
    const frames = side.frames.slice(-2);
    await side.closed();
    assert.deepEqual(
      side.frames.slice(-2).map((f) => (f.type === 'msg' ? (f.body as Frame) : f)),
      [{ session: 'SESSION', type: 'disconnect', version: 2 }, { type: 'bye' }],
      JSON.stringify(frames),
    );
    assert.equal(side.closeCode, 1000);
    assert.equal(t.disconnect(), false, 'idempotent');
  });

  it('excludes everything when automaticSubscription is false', async () => {
    const { t } = transport({ automaticSubscription: false });
    const side = await nextSocket();
    side.send({ type: 'welcome', negotiatedTimeout: 5000 });
    side.msg({ type: 'iced', ice_servers: [] });
    const connect = (await side.next((f) => f.type === 'msg')).body as Frame;
    assert.deepEqual(connect.subscribe, { rules: [{ type: 'exclude', all: true }], revision: 1 });
    t.disconnect();
  });

  it('ends with the server error code (e.g. 20101) before connected', async () => {
    const { t } = transport();
    const side = await nextSocket();
    side.send({ type: 'welcome', negotiatedTimeout: 5000 });
    const ended = waitForEvent(t, 'stateChanged', 3000, (s) => s === 'disconnected');
    side.msg({ type: 'error', code: 20101, message: 'Invalid Access Token' });
    const [, error] = await ended;
    assert.ok(error instanceof TwilioError);
    assert.equal(error.code, ErrorCode.AccessTokenInvalid);
    assert.equal(await side.closed(), 1000);
  });

  it("maps disconnected{status:'completed'} to RoomCompletedError (53118)", async () => {
    const { t } = transport();
    const side = await handshake(t);
    const ended = waitForEvent(t, 'stateChanged', 3000, (s) => s === 'disconnected');
    side.msg({ type: 'disconnected', status: 'completed' });
    const [, error] = await ended;
    assert.ok(error instanceof RoomCompletedError);
    assert.equal(error.code, 53118);
  });

  it('heartbeats after negotiatedTimeout − 200 ms and closes with 3001 after 3 × negotiatedTimeout of silence', async () => {
    const { t } = transport();
    const side = await nextSocket();
    await side.next((f) => f.type === 'hello');
    const welcomedAt = Date.now();
    side.send({ type: 'welcome', negotiatedTimeout: 400 });
    await side.next((f) => f.type === 'heartbeat');
    const heartbeatAfter = Date.now() - welcomedAt;
    assert.ok(heartbeatAfter >= 150 && heartbeatAfter < 400, `heartbeat after ${heartbeatAfter} ms`);
    // We never answer: the client gives up after 3 × 400 ms. Not yet connected, so no reconnect.
    const ended = waitForEvent(t, 'stateChanged', 3000, (s) => s === 'disconnected');
    assert.equal(await side.closed(), 3001);
    const [, error] = await ended;
    assert.equal(error?.code, ErrorCode.SignalingConnectionError);
    assert.ok(Date.now() - welcomedAt >= 1150);
  });

  it('reconnects after an abnormal close with hello{sync} and resumes on synced', async () => {
    const { t } = transport();
    const first = await handshake(t);
    const states: TransportState[] = [];
    t.on('stateChanged', (s) => states.push(s));
    first.ws.terminate();
    const second = await nextSocket();
    const hello = await second.next((f) => f.type === 'hello');
    assert.deepEqual(hello.body, {
      name: 'room-a',
      participant: participantState,
      peer_connections: [pcState],
      type: 'sync',
      version: 2,
      session: 'SESSION',
      token: 'TOKEN',
      plaza: { data_envelope: 1 },
    });
    t.publish({ participant: { revision: 9, tracks: [] } }); // queued while syncing
    second.send({ type: 'welcome', negotiatedTimeout: 5000 });
    const synced = waitForEvent(t, 'message', 3000);
    second.msg({ type: 'synced', session: 'SESSION', participants: [] });
    const [message] = await synced;
    assert.equal(message.type, 'synced');
    assert.deepEqual(states, ['syncing', 'connected']);
    const update = await second.next((f) => f.type === 'msg' && (f.body as Frame).type === 'update');
    assert.equal(((update.body as Frame).participant as { revision: number }).revision, 9);
    t.disconnect();
  });

  it('gives up reconnecting once the session timeout has passed', async () => {
    const { t } = transport({ tcmp: { openTimeout: 300 } });
    const first = await handshake(t, 1);
    const ended = waitForEvent(t, 'stateChanged', 8000, (s) => s === 'disconnected');
    // Accept and drop every reconnect attempt.
    onSocket = (side) => side.ws.terminate();
    first.ws.terminate();
    const [, error] = await ended;
    onSocket = null;
    sockets = [];
    assert.equal(error?.code, ErrorCode.SignalingConnectionError);
  });
});

describe('reduceUpdates', () => {
  it('keeps the highest participant, description and ice revisions per peer connection', () => {
    const reduced = reduceUpdates([
      { participant: { revision: 2, tracks: [] }, peer_connections: [{ id: 'a', ice: { ufrag: 'u', revision: 1, candidates: [] } }] },
      { participant: { revision: 1, tracks: [] }, peer_connections: [{ id: 'a', description: { type: 'offer', revision: 2 } }] },
      { peer_connections: [{ id: 'a', ice: { ufrag: 'u', revision: 3, candidates: [] } }, { id: 'b' }] },
      { peer_connections: [{ id: 'a', description: { type: 'offer', revision: 1 } }] },
    ]);
    assert.deepEqual(reduced, {
      participant: { revision: 2, tracks: [] },
      peer_connections: [
        { id: 'a', ice: { ufrag: 'u', revision: 3, candidates: [] }, description: { type: 'offer', revision: 2 } },
        { id: 'b' },
      ],
    });
  });
});
