/**
 * The Plaza server: one HTTP port (signaling WebSocket at /signaling, the REST API under /v1,
 * /healthz, and unless turned off the demo app Plaza Meet at / with its token endpoint) and one UDP
 * port for every peer connection, with its history and callback outbox in SQLite under the data dir.
 * `PlazaServer.start()` is what `plaza serve` and the tests run.
 */
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import nodeDataChannel from 'node-datachannel';
import { DEFAULT_CONFIG, type PlazaConfig } from './config/Config.js';
import { loadOrCreateCredentials, type LoadedCredentials } from './auth/Credentials.js';
import { createAccessToken, type TokenOptions } from './auth/AccessToken.js';
import { createLogger, type Logger } from './log.js';
import { RoomRegistry } from './rooms/RoomRegistry.js';
import { SignalingServer } from './signaling/SignalingServer.js';
import { PeerEndpoint } from './media/PeerEndpoint.js';
import { CallbackDispatcher } from './callbacks/index.js';
import { RoomHistory } from './history/RoomHistory.js';
import { createRestApp } from './rest/RestApi.js';
import { createDemoApp } from './demo/DemoApp.js';
import { Store } from './store/index.js';

/** How often the Store learns we are alive: the end time given to rooms if this process dies. */
const HEARTBEAT_MS = 5_000;

export interface ServerStats {
  rooms: number;
  sessions: number;
  participants: number;
  publications: number;
  subscriptions: number;
  relayLegs: number;
  peerConnections: number;
}

export interface StartedAddresses {
  httpUrl: string;
  signalingUrl: string;
  rtcPort: number;
}

export class PlazaServer {
  private closing: Promise<void> | null = null;

  private constructor(
    readonly config: PlazaConfig,
    readonly credentials: LoadedCredentials,
    readonly rooms: RoomRegistry,
    readonly signaling: SignalingServer,
    private readonly http: Server,
    readonly store: Store,
    readonly callbacks: CallbackDispatcher,
    private readonly heartbeat: NodeJS.Timeout,
    readonly log: Logger,
  ) {}

  static async start(overrides: Partial<PlazaConfig> = {}): Promise<PlazaServer> {
    const config: PlazaConfig = { ...DEFAULT_CONFIG, ...overrides };
    const log = createLogger(config.logLevel);
    const credentials = loadOrCreateCredentials(config.dataDir);
    if (config.rtcPort === 0) config.rtcPort = await freeUdpPort(config.rtcBind);
    const store = Store.open(config.dataDir);
    const recovered = store.recoverAfterRestart(new Date());
    if (recovered.rooms.length > 0) log.warn({ rooms: recovered.rooms.length }, 'completed rooms left in progress by a previous process');
    const callbacks = new CallbackDispatcher({ outbox: store, authToken: credentials.authToken, log });
    const history = new RoomHistory({ store, accountSid: credentials.accountSid, onCallbackQueued: () => callbacks.wake(), log });
    history.announceRecovered(recovered.rooms);
    const rooms = new RoomRegistry({
      emptyRoomTimeoutMs: config.emptyRoomTimeoutMs,
      relayQueueLimitBytes: config.relayQueueLimitBytes,
      dataMaxMessageBytes: config.dataMaxMessageBytes,
      log,
    });
    const signaling = new SignalingServer({
      credentials,
      rooms,
      net: { rtcPort: config.rtcPort, rtcBind: config.rtcBind, publicIp: config.publicIp },
      sessionTimeoutMs: config.sessionTimeoutMs,
      maxFrameBytes: config.maxFrameBytes,
      heartbeatTimeoutMs: config.heartbeatTimeoutMs,
      log,
    });
    history.attach(rooms);
    const rest = getRequestListener(createRestApp({ registry: rooms, store, credentials, log }).fetch);
    const demo = config.demo ? getRequestListener(createDemoApp({ credentials, log }).fetch) : null;
    const http = createServer((req, res) => {
      if (req.url?.startsWith('/v1/') || req.url === '/v1') {
        void rest(req, res);
        return;
      }
      if (req.method === 'GET' && req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok', rooms: rooms.size, sessions: signaling.sessionCount, peerConnections: PeerEndpoint.liveCount }));
        return;
      }
      // Last: the demo sees only what nothing above took, so it cannot shadow the API.
      if (demo) {
        void demo(req, res);
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 20404, message: 'The requested resource was not found', status: 404 }));
    });
    http.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/signaling') {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      signaling.handleUpgrade(req, socket, head);
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, () => resolve());
    });
    config.port = (http.address() as AddressInfo).port;
    log.info({ port: config.port, rtcPort: config.rtcPort, publicIp: config.publicIp }, 'plaza listening');
    callbacks.start();
    store.touchHeartbeat(new Date());
    const heartbeat = setInterval(() => store.touchHeartbeat(new Date()), HEARTBEAT_MS);
    heartbeat.unref();
    return new PlazaServer(config, credentials, rooms, signaling, http, store, callbacks, heartbeat, log);
  }

  /** Live object counts: what a leak check compares before and after. */
  stats(): ServerStats {
    let participants = 0;
    let publications = 0;
    let subscriptions = 0;
    let relayLegs = 0;
    for (const room of this.rooms.rooms()) {
      for (const p of room.participants.values()) {
        participants++;
        subscriptions += p.subscriptions.size;
        for (const pub of p.publications.values()) {
          publications++;
          relayLegs += pub.relay?.subscriberCount ?? 0;
        }
      }
    }
    return {
      rooms: this.rooms.size,
      sessions: this.signaling.sessionCount,
      participants,
      publications,
      subscriptions,
      relayLegs,
      peerConnections: PeerEndpoint.liveCount,
    };
  }

  get addresses(): StartedAddresses {
    const host = this.config.host === '0.0.0.0' ? '127.0.0.1' : this.config.host;
    return {
      httpUrl: `http://${host}:${this.config.port}`,
      signalingUrl: `ws://${host}:${this.config.port}/signaling`,
      rtcPort: this.config.rtcPort,
    };
  }

  get signalingUrl(): string {
    return this.addresses.signalingUrl;
  }

  createToken(options: TokenOptions): Promise<string> {
    return createAccessToken(this.credentials, options);
  }

  /** Disconnects every participant (they hear `disconnected`), then stops listening. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.signaling.endAll('server-shutdown');
      this.rooms.endAll('server-shutdown');
      await this.signaling.close();
      this.http.closeAllConnections();
      await new Promise<void>((resolve) => this.http.close(() => resolve()));
      clearInterval(this.heartbeat);
      // Room-ended callbacks of the rooms just ended stay in the outbox for the next start if the
      // receiver is slow; waiting for them here would hold up the shutdown.
      await this.callbacks.stop();
      this.store.touchHeartbeat(new Date());
      this.store.close();
      this.log.info('plaza stopped');
    })();
    return this.closing;
  }

  /** Releases libdatachannel's threads so the process can exit; call once, at process end. */
  static cleanupNative(): void {
    nodeDataChannel.cleanup();
  }
}

/** Asks the OS for a free UDP port (for tests and `--rtc-port 0`). */
async function freeUdpPort(bind: string): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, bind, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
