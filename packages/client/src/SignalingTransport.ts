/**
 * RSP v2 over TCMP: the room-signaling session, a port of twilio-video
 * lib/signaling/v2/twilioconnectiontransport.js.
 *
 *   connecting --connected--> connected --abnormal close--> syncing --synced--> connected
 *        \__________________________\______________________________\--> disconnected
 *
 * - First hello body is `ice`; on `iced` the owner creates the offer (onIced) and we send `connect`.
 * - Updates published while connecting/syncing are queued and merged (highest revisions win), then
 *   sent on (re)connection, like the SDK's reduceUpdates().
 * - After an abnormal close of an established session we reconnect with back-off (80 ms × 1.5^n,
 *   jitter 1) sending `sync` in the hello, for at most `options.session_timeout` seconds.
 */
import { RSP_VERSION, parseServerMessage, type ParsedRoomState } from '@plaza/protocol';
import { Backoff, type BackoffOptions } from './Backoff.js';
import type { WebSocketFactory } from './environment.js';
import {
  RoomCompletedError,
  SignalingConnectionError,
  SignalingIncomingMessageInvalidError,
  SignalingServerBusyError,
  TwilioError,
} from './errors.js';
import type { Logger } from './Logger.js';
import { TcmpConnection, type TcmpConnectionOptions } from './TcmpConnection.js';
import { TypedEmitter } from './TypedEmitter.js';
import type { ParticipantStateOut, PeerConnectionStateOut } from './wire.js';

export type TransportState = 'connecting' | 'connected' | 'syncing' | 'disconnected';

export type ConnectedMessage = Extract<ParsedRoomState, { type: 'connected' }>;

export type SignalingTransportEvents = {
  /** The `connected` message: the session exists. Emitted before the state becomes 'connected'. */
  connected: [initialState: ConnectedMessage];
  /** `update` / `synced` (and a late `connected`) room state, in arrival order. */
  message: [state: ParsedRoomState];
  stateChanged: [state: TransportState, error?: TwilioError];
};

/** What the client sends in `update` besides session/type/version. */
export interface UpdatePayload {
  participant?: ParticipantStateOut;
  peer_connections?: PeerConnectionStateOut[];
}

export interface SignalingTransportOptions {
  wsServer: string;
  token: string;
  /** Room name; null lets the server pick (the SDK sends null when no name is given). */
  name: string | null;
  createWebSocket: WebSocketFactory;
  log: Logger;
  automaticSubscription: boolean;
  sdkVersion: string;
  userAgent: string;
  getParticipantState: () => ParticipantStateOut;
  getPeerConnectionStates: () => PeerConnectionStateOut[];
  /** Called on `iced`; `connect` is sent when it resolves. A rejection ends the session. */
  onIced: (iceServers: RTCIceServer[]) => Promise<void>;
  /** Overrides for TCMP timings (tests). */
  tcmp?: Partial<Omit<TcmpConnectionOptions, 'createWebSocket' | 'log' | 'helloBody'>>;
  /** Overrides for the reconnect back-off (tests). Default {min: 80, factor: 1.5, jitter: 1}. */
  backoff?: BackoffOptions;
}

const ICE_VERSION = 1;
/**
 * Plaza extensions this client understands, declared in `connect` and `sync` (`plaza`):
 * data_envelope 1 = DataChannel session messages arrive enveloped (@plaza/protocol data-envelope.ts).
 */
export const PLAZA_CAPABILITIES = Object.freeze({ data_envelope: 1 });

export class SignalingTransport extends TypedEmitter<SignalingTransportEvents> {
  #state: TransportState = 'connecting';
  readonly #options: SignalingTransportOptions;
  readonly #backoff: Backoff;
  #connection: TcmpConnection | null = null;
  #session: string | null = null;
  /** 0 until the first `connected`, and again once the session timeout has run out. */
  #sessionTimeoutMs = 0;
  #sessionTimer: ReturnType<typeof setTimeout> | null = null;
  #updatesToSend: UpdatePayload[] = [];
  #updatesReceived: ParsedRoomState[] = [];

  constructor(options: SignalingTransportOptions) {
    super();
    this.#options = options;
    this.#backoff = new Backoff(options.backoff ?? { min: 80, factor: 1.5, jitter: 1 });
    this.#createConnection();
  }

  get state(): TransportState {
    return this.#state;
  }

  get session(): string | null {
    return this.#session;
  }

  /** Sends an `update` now, or queues it until (re)connected. false once disconnected. */
  publish(update: UpdatePayload): boolean {
    switch (this.#state) {
      case 'connected':
        this.#connection?.sendMessage({ session: this.#session, type: 'update', version: RSP_VERSION, ...update });
        return true;
      case 'connecting':
      case 'syncing':
        this.#updatesToSend.push(update);
        return true;
      default:
        return false;
    }
  }

  /** Sends `disconnect`, then `bye`, closes with 1000. Returns false if already disconnected. */
  disconnect(error?: TwilioError): boolean {
    if (this.#state === 'disconnected') return false;
    this.#transition('disconnected', error);
    this.#connection?.sendMessage({ session: this.#session, type: 'disconnect', version: RSP_VERSION });
    this.#connection?.close();
    this.#clearReconnectTimer();
    return true;
  }

  #transition(state: TransportState, error?: TwilioError): void {
    this.#state = state;
    this.emit('stateChanged', state, error);
    if (state === 'connected') {
      const updates = this.#updatesToSend.splice(0);
      if (updates.length) this.publish(reduceUpdates(updates));
      for (const update of this.#updatesReceived.splice(0)) this.emit('message', update);
    }
  }

  #createConnection(): void {
    if (this.#state === 'disconnected') return;
    const helloBody = this.#state === 'connecting' ? this.#iceMessage() : this.#syncMessage();
    const connection = new TcmpConnection(this.#options.wsServer, {
      ...this.#options.tcmp,
      createWebSocket: this.#options.createWebSocket,
      log: this.#options.log,
      helloBody,
    });
    connection.on('message', (body) => {
      if (connection === this.#connection) this.#handleMessage(body);
    });
    connection.on('error', (error) => this.#options.log.warn('Signaling error:', error.message));
    connection.once('close', (reason) => {
      if (connection !== this.#connection) return;
      this.#handleClose(reason === 'local' ? undefined : reason);
    });
    this.#connection = connection;
  }

  #handleClose(reason?: string): void {
    if (this.#state === 'disconnected') return;
    if (reason === undefined) {
      this.disconnect();
      return;
    }
    if (this.#sessionTimeoutMs === 0) {
      this.disconnect(reason === 'busy' ? new SignalingServerBusyError() : new SignalingConnectionError(reason));
      return;
    }
    // The session timer starts at the first failure and is not restarted by later ones.
    this.#sessionTimer ??= setTimeout(() => {
      this.#sessionTimer = null;
      this.#sessionTimeoutMs = 0;
    }, this.#sessionTimeoutMs);
    if (this.#state === 'connected') this.#transition('syncing');
    this.#backoff.backoff(() => this.#createConnection());
  }

  #clearReconnectTimer(): void {
    this.#backoff.reset();
    if (this.#sessionTimer) clearTimeout(this.#sessionTimer);
    this.#sessionTimer = null;
  }

  #handleMessage(body: unknown): void {
    if (this.#state === 'disconnected') return;
    const parsed = parseServerMessage(body);
    if (!parsed.ok) {
      const type = (body as { type?: unknown } | null)?.type;
      if (type === 'connected' && this.#state === 'connecting') {
        this.disconnect(new SignalingIncomingMessageInvalidError(parsed.reason));
      } else {
        this.#options.log.warn('Ignoring signaling message:', parsed.reason);
      }
      return;
    }
    const message = parsed.message;
    if (message.type === 'error') {
      this.disconnect(TwilioError.fromServer(message.code, message.message));
      return;
    }
    if (message.type === 'disconnected') {
      this.disconnect(message.status === 'completed' ? new RoomCompletedError() : undefined);
      return;
    }
    if (message.type === 'warning') return;
    switch (this.#state) {
      case 'connected':
        if (message.type !== 'iced') this.emit('message', message);
        return;
      case 'connecting':
        if (message.type === 'iced') {
          this.#options.onIced(message.ice_servers as RTCIceServer[]).then(
            () => {
              if (this.#state === 'connecting') this.#connection?.sendMessage(this.#connectMessage());
            },
            (error: unknown) => {
              this.disconnect(error instanceof TwilioError ? error : new SignalingConnectionError(String(error)));
            },
          );
        } else if (message.type === 'connected') {
          this.#session = message.session;
          // session_timeout is in seconds; the SDK defaults it to 30 (DEFAULT_SESSION_TIMEOUT_SEC).
          this.#sessionTimeoutMs = (message.options?.session_timeout ?? 30) * 1000;
          this.emit('connected', message);
          if (this.#state === 'connecting') this.#transition('connected');
        } else {
          this.#updatesReceived.push(message);
        }
        return;
      case 'syncing':
        if (message.type === 'synced') {
          this.#clearReconnectTimer();
          this.emit('message', message);
          this.#transition('connected');
        } else if (message.type !== 'iced') {
          this.#updatesReceived.push(message);
        }
        return;
    }
  }

  #iceMessage(): unknown {
    return { edge: 'roaming', token: this.#options.token, type: 'ice', version: ICE_VERSION };
  }

  #connectMessage(): unknown {
    const o = this.#options;
    return {
      name: o.name,
      participant: o.getParticipantState(),
      peer_connections: o.getPeerConnectionStates(),
      type: 'connect',
      version: RSP_VERSION,
      ice_servers: 'acquire',
      publisher: { name: 'plaza-client', sdk_version: o.sdkVersion, user_agent: o.userAgent },
      // We request no media-signaling extension channels (active speaker, network quality...).
      media_signaling: {},
      subscribe: {
        rules: [{ type: o.automaticSubscription ? 'include' : 'exclude', all: true }],
        revision: 1,
      },
      format: 'unified',
      token: o.token,
      // Plaza extension: we take DataChannel session messages enveloped (DataChannels.ts).
      plaza: PLAZA_CAPABILITIES,
    };
  }

  #syncMessage(): unknown {
    const o = this.#options;
    return {
      name: o.name,
      participant: o.getParticipantState(),
      peer_connections: o.getPeerConnectionStates(),
      type: 'sync',
      version: RSP_VERSION,
      session: this.#session,
      token: o.token,
      plaza: PLAZA_CAPABILITIES,
    };
  }
}

/**
 * Merges queued updates like the SDK's reduceUpdates(): the participant state with the highest
 * revision, and per peer connection the description and the ice state with the highest revisions.
 */
export function reduceUpdates(updates: UpdatePayload[]): UpdatePayload {
  const reduced: UpdatePayload = {};
  const pcs = new Map<string, PeerConnectionStateOut>();
  for (const update of updates) {
    if (update.participant && (!reduced.participant || update.participant.revision > reduced.participant.revision)) {
      reduced.participant = update.participant;
    }
    for (const pc of update.peer_connections ?? []) {
      const current = pcs.get(pc.id);
      if (!current) {
        pcs.set(pc.id, { ...pc });
        continue;
      }
      if (pc.description && (!current.description || pc.description.revision > current.description.revision)) {
        current.description = pc.description;
      }
      if (pc.ice && (!current.ice || pc.ice.revision > current.ice.revision)) current.ice = pc.ice;
    }
  }
  if (pcs.size) reduced.peer_connections = [...pcs.values()];
  return reduced;
}
