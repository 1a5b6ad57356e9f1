/**
 * One participant's RSP v2 session (SIGNALING.md §3): ice/iced, connect/connected, updates both
 * ways, sync/synced across reconnects within `session_timeout`, disconnect. A session outlives a
 * single WebSocket: after an abnormal close the participant shows as `reconnecting` until a `sync`
 * re-attaches it or the session timeout removes it.
 */
import { randomUUID } from 'node:crypto';
import {
  ErrorCode,
  PlazaError,
  parseClientMessage,
  type ClientParticipantState,
  type ConnectMessage,
  type PeerConnectionState,
  type RoomStateFields,
  type ServerMessage,
  type SyncMessage,
  type UpdateMessage,
} from '@plaza/protocol';
import type { Credentials } from '../auth/Credentials.js';
import { verifyAccessToken, type VerifiedToken } from '../auth/AccessToken.js';
import type { RtcNetworkOptions } from '../media/PeerEndpoint.js';
import type { Logger } from '../log.js';
import type { CloseReason } from '../rooms/CloseReason.js';
import { Participant } from '../rooms/Participant.js';
import type { Room } from '../rooms/Room.js';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import { INCLUDE_ALL, validateRules } from '../rooms/SubscribeRules.js';
import type { TcmpConnection } from './TcmpConnection.js';

export interface SessionContext {
  credentials: Credentials;
  rooms: RoomRegistry;
  net: RtcNetworkOptions;
  sessionTimeoutMs: number;
  log: Logger;
  /** Called once the session is over, so the server forgets it. */
  onEnded: (session: RspSession) => void;
}

/** Close reasons the client hears as error codes (others are a plain `disconnected`). */
const ERROR_FOR_REASON: Partial<Record<CloseReason, number>> = {
  'duplicate-identity': ErrorCode.ParticipantDuplicateIdentity,
  'participant-timeout': ErrorCode.SignalingConnectionTimeout,
  'transport-failed': ErrorCode.MediaConnectionError,
};

/** Reasons the room itself ended: the client hears `disconnected` with status completed (53118). */
const ROOM_COMPLETED = new Set<CloseReason>(['room-ended', 'empty-room-timeout', 'unused-room-timeout']);

export class RspSession {
  readonly id = randomUUID();
  private connection: TcmpConnection | null = null;
  private participant: Participant | null = null;
  private room: Room | null = null;
  private connected = false;
  private ended = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private log: Logger;
  // Coalesced room-state changes, sent as one `update` per tick.
  private flushQueued = false;
  private dirtyPublished = false;
  private dirtySubscribed = false;
  private readonly dirtyParticipants = new Set<Participant>();
  /** Serializes async handling so messages apply in arrival order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: SessionContext) {
    this.log = ctx.log.child({ session: this.id });
  }

  get participantSid(): string | null {
    return this.participant?.sid ?? null;
  }

  /** Binds a fresh TCMP connection whose hello carried `body` (ice, connect or sync). */
  attach(connection: TcmpConnection, body: unknown): void {
    this.bind(connection);
    if (body !== undefined) this.enqueue(body);
  }

  /** Server-initiated end: tells the client and removes the participant. */
  end(reason: CloseReason): void {
    if (this.ended) return;
    const completed = ROOM_COMPLETED.has(reason);
    this.send({ type: 'disconnected', ...(completed ? { status: 'completed' as const } : {}), reason });
    this.finish(reason);
  }

  private bind(connection: TcmpConnection): void {
    this.connection = connection;
    connection.on('message', (body) => this.enqueue(body));
    connection.on('close', (clean) => this.onConnectionClosed(connection, clean));
  }

  private enqueue(body: unknown): void {
    this.queue = this.queue
      .then(() => this.handle(body))
      .catch((err: unknown) => this.fail(err));
  }

  private async handle(body: unknown): Promise<void> {
    if (this.ended) return;
    const parsed = parseClientMessage(body);
    if (!parsed.ok) throw PlazaError.invalidSignalingMessage(parsed.reason);
    const message = parsed.message;
    switch (message.type) {
      case 'ice':
        await this.verify(message.token);
        this.send({ type: 'iced', ice_servers: [] });
        return;
      case 'connect':
        if (this.participant) throw PlazaError.invalidSignalingMessage('already connected');
        return this.handleConnect(message);
      case 'sync':
        // A sync on a connection that is already attached (the SDK re-syncs after a glare).
        return this.handleSync(message);
      case 'update':
        return this.handleUpdate(message);
      case 'disconnect':
        this.finish('participant-left');
        return;
      default: {
        const never: never = message;
        return never;
      }
    }
  }

  private async verify(token: string): Promise<VerifiedToken> {
    return verifyAccessToken(token, this.ctx.credentials);
  }

  private async handleConnect(message: ConnectMessage): Promise<void> {
    const grant = await this.verify(message.token);
    const name = message.name || grant.room || randomUUID();
    if (grant.room !== null && grant.room !== name) {
      throw PlazaError.of(ErrorCode.AccessTokenGrantsInvalid, `token is for room "${grant.room}"`);
    }
    if (name.length > 128) throw PlazaError.of(ErrorCode.RoomNameTooLong);
    const rules = message.subscribe?.rules ?? INCLUDE_ALL;
    const invalidRules = validateRules(rules);
    if (invalidRules) throw PlazaError.invalidSignalingMessage(`subscribe rules: ${invalidRules}`);

    const room = this.ctx.rooms.getOrCreate(name);
    room.assertCanJoin(grant.identity); // before any peer connection work
    const participant = new Participant(grant.identity, this.log);
    this.log = this.log.child({ room: room.sid, participant: participant.sid, identity: grant.identity });
    this.room = room;
    this.participant = participant;
    participant.rules = rules;
    participant.understandsEnvelopes = message.plaza?.data_envelope === 1;
    participant.on('dirty', (part, remote) => this.markDirty(part, remote));
    participant.on('description', (state) => this.send({ type: 'update', peer_connections: [state] }));
    participant.on('closed', (reason) => this.onParticipantClosed(reason));

    const answers = await this.applyPeerConnections(message.peer_connections ?? []);
    this.applyParticipant(message.participant);
    room.join(participant);
    this.connected = true;
    this.resetDirty();
    this.send({
      type: 'connected',
      session: this.id,
      sid: room.sid,
      name: room.name,
      ...this.fullState(answers),
      media_signaling: {},
      options: {
        session_timeout: Math.round(this.ctx.sessionTimeoutMs / 1000),
        signaling_region: 'local',
        media_region: 'local',
      },
    });
  }

  /** Reconnect: a new socket for an existing session (RspSession looked up by the server). */
  async handleSync(message: SyncMessage): Promise<void> {
    await this.verify(message.token);
    const participant = this.participant;
    if (!participant || !this.room || participant.closed) {
      throw PlazaError.of(ErrorCode.SignalingConnectionDisconnected, 'session is gone');
    }
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const answers = await this.applyPeerConnections(message.peer_connections ?? []);
    this.applyParticipant(message.participant);
    this.room.setParticipantState(participant, 'connected');
    this.resetDirty();
    this.send({ type: 'synced', session: this.id, sid: this.room.sid, name: this.room.name, ...this.fullState(answers) });
    this.log.info('session resumed');
  }

  private async handleUpdate(message: UpdateMessage): Promise<void> {
    if (!this.participant || !this.connected) throw PlazaError.invalidSignalingMessage('update before connect');
    this.log.debug(
      { revision: message.participant?.revision, tracks: message.participant?.tracks.map((t) => `${t.kind}:${t.id}`), descriptions: message.peer_connections?.map((p) => `${p.description?.type ?? '-'}:${p.description?.revision ?? ''}`) },
      'update from client',
    );
    if (message.participant) this.applyParticipant(message.participant);
    if (message.subscribe) {
      const reason = validateRules(message.subscribe.rules);
      if (reason) throw PlazaError.invalidSignalingMessage(`subscribe rules: ${reason}`);
      this.room?.setRules(this.participant, message.subscribe.rules);
    }
    if (message.peer_connections) {
      const answers = await this.applyPeerConnections(message.peer_connections);
      if (answers.length > 0) this.send({ type: 'update', peer_connections: answers });
    }
  }

  private applyParticipant(state: ClientParticipantState): void {
    const participant = this.participant;
    if (!participant || !this.room) return;
    // The SDK resends its whole state; older revisions are stale (reordered or replayed).
    if (state.revision <= participant.clientRevision) return;
    participant.clientRevision = state.revision;
    this.room.applyTracks(participant, state.tracks);
  }

  private async applyPeerConnections(states: readonly PeerConnectionState[]) {
    const participant = this.participant;
    if (!participant) return [];
    const answers = [];
    for (const state of states) {
      const replaced = participant.endpoint !== null && participant.endpoint.id !== state.id;
      // A description of a peer connection we no longer have (e.g. its `close`) is not a new one.
      if (replaced && state.description?.type !== 'offer') continue;
      const endpoint = participant.ensureEndpoint(state.id, this.ctx.net, {
        dataChannel: (channel) => this.room?.handleDataChannel(participant, channel),
        track: (line, section) => this.room?.handleMediaLine(participant, line, section),
      });
      if (state.description) {
        const answer = await endpoint.handleRemoteDescription(state.description);
        if (answer) answers.push(answer);
      }
      if (state.ice) endpoint.handleRemoteIce(state.ice);
      // Subscriptions move once the new peer connection is negotiated (channels made before the
      // answer would make libdatachannel offer on its own, in glare with the client).
      if (replaced && participant.endpoint === endpoint) this.room?.moveTransport(participant);
    }
    return answers;
  }

  private fullState(answers: NonNullable<RoomStateFields['peer_connections']>): RoomStateFields {
    const participant = this.participant as Participant;
    const room = this.room as Room;
    const current = participant.endpoint?.currentState();
    return {
      participant: { sid: participant.sid, identity: participant.identity, plaza_index: participant.index },
      participants: [...room.participants.values()].filter((p) => p !== participant).map((p) => p.toRemoteState()),
      peer_connections: answers.length > 0 ? answers : current ? [current] : [],
      published: participant.publishedState(),
      subscribed: participant.subscribedState(),
      recording: { is_recording: false, revision: 1 },
    };
  }

  private markDirty(part: 'published' | 'subscribed' | 'participants', remote?: Participant): void {
    if (part === 'published') this.dirtyPublished = true;
    else if (part === 'subscribed') this.dirtySubscribed = true;
    else if (remote) this.dirtyParticipants.add(remote);
    if (!this.connected || this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    const participant = this.participant;
    if (!participant || this.ended || !this.connected) return;
    const update: RoomStateFields = {};
    if (this.dirtyParticipants.size > 0) update.participants = [...this.dirtyParticipants].map((p) => p.toRemoteState());
    if (this.dirtyPublished) update.published = participant.publishedState();
    if (this.dirtySubscribed) update.subscribed = participant.subscribedState();
    this.resetDirty();
    if (Object.keys(update).length > 0) this.send({ type: 'update', ...update });
  }

  private resetDirty(): void {
    this.dirtyPublished = this.dirtySubscribed = false;
    this.dirtyParticipants.clear();
  }

  private send(message: ServerMessage): void {
    if (this.connection?.isOpen) this.connection.send(message);
  }

  private onConnectionClosed(connection: TcmpConnection, clean: boolean): void {
    if (connection !== this.connection || this.ended) return;
    this.connection = null;
    const participant = this.participant;
    if (!participant || !this.room) return this.finish('participant-left');
    if (clean) return this.finish('participant-left');
    // Abnormal close: keep the participant for session_timeout, shown as reconnecting.
    this.room.setParticipantState(participant, 'reconnecting');
    this.reconnectTimer = setTimeout(() => this.finish('participant-timeout'), this.ctx.sessionTimeoutMs);
    this.log.info('signaling lost: waiting for sync');
  }

  /** The reconnecting socket found this session: continue on it. */
  resume(connection: TcmpConnection, message: unknown): void {
    if (this.connection && this.connection !== connection) this.connection.terminate();
    this.bind(connection);
    this.enqueue(message);
  }

  private onParticipantClosed(reason: CloseReason): void {
    if (this.ended) return;
    const code = ERROR_FOR_REASON[reason];
    if (code !== undefined) this.send({ type: 'error', code, message: PlazaError.of(code as never).message });
    else if (reason !== 'participant-left') {
      const completed = ROOM_COMPLETED.has(reason);
      this.send({ type: 'disconnected', ...(completed ? { status: 'completed' as const } : {}) });
    }
    this.finish(reason);
  }

  private fail(err: unknown): void {
    const error = err instanceof PlazaError ? err : PlazaError.of(ErrorCode.SignalingConnectionError, (err as Error).message);
    if (!(err instanceof PlazaError)) this.log.error({ err }, 'signaling handler failed');
    else this.log.warn({ code: error.code, reason: error.message }, 'signaling error');
    this.send({ type: 'error', code: error.code, message: error.message });
    this.finish('signaling-error');
  }

  private finish(reason: CloseReason): void {
    if (this.ended) return;
    this.ended = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const participant = this.participant;
    if (participant) {
      this.room?.leave(participant, reason);
      // Not in the room yet when connect failed half-way: close what it already owns.
      participant.close(reason);
    }
    this.connection?.close();
    this.connection = null;
    this.ctx.onEnded(this);
  }
}
