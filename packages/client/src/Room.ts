/**
 * Room (twilio-video lib/room.js + lib/signaling/v2/room.js): created by connect() from the
 * `connected` message, it owns the signaling transport, the peer connection, the local participant
 * and the remote participants, and applies room state in the SDK's order (RoomV2._update):
 * subscribed → participants → (synced: drop absent participants) → subscriptions →
 * peer_connections → published → participant.
 *
 * Ownership and closing: disconnect() (or a server `disconnected`/`error`, or a reconnect that runs
 * out of time) closes everything once — transport, peer connection, channels, publications — and
 * emits `disconnected(room, error?)`. Calling it again does nothing.
 *
 * `dataChannel` is the ACS-style DataChannel API (DataChannels.ts): senders and receivers of
 * DataChannel sessions, which travel as DataTracks.
 *
 * Media transport recovery (Plaza's ICE restart): when the peer connection fails (or stays
 * disconnected for DISCONNECTED_GRACE_MS), or the app calls restartIce(), the room replaces it
 * with a new one negotiated over signaling: the server's WebRTC engine (libdatachannel) cannot
 * restart ICE in place. Published tracks and data subscriptions move to it (LocalParticipant._moveTo,
 * SubscriptionTable.suspendAll) and durable DataChannel sessions resume where they were, without
 * loss or duplication (DataChannelSender, DataTrackReceiver); audio/video subscriptions are
 * subscribed again. Like the SDK on an ICE restart, the room emits `reconnecting` with a
 * MediaConnectionError (53405) and `reconnected` once the new transport is connected.
 */
import type { ParsedRoomState } from '@plaza/protocol';
import { plazaIndexOf } from './DataChannelAddressing.js';
import { DataChannelFeature } from './DataChannels.js';
import type { DataMessage } from './DataTrackReceiver.js';
import { MediaConnectionError, SignalingConnectionDisconnectedError, TwilioError } from './errors.js';
import type { LocalParticipant } from './LocalParticipant.js';
import type { Logger } from './Logger.js';
import type { PeerConnectionV2 } from './PeerConnectionV2.js';
import type { RemoteAudioTrack } from './RemoteAudioTrack.js';
import type { RemoteDataTrack } from './RemoteDataTrack.js';
import {
  RemoteParticipant,
  type RemoteMediaTrackPublicationOf,
  type RemoteTrackPublication,
  type TrackAndPublication,
} from './RemoteParticipant.js';
import type { RemoteVideoTrack } from './RemoteVideoTrack.js';
import type { ConnectedMessage, SignalingTransport, TransportState } from './SignalingTransport.js';
import type { SubscriptionTable } from './SubscriptionTable.js';
import { TypedEmitter } from './TypedEmitter.js';

export type RoomState = 'connected' | 'reconnecting' | 'disconnected';

export type RoomEvents = {
  participantConnected: [participant: RemoteParticipant];
  participantDisconnected: [participant: RemoteParticipant];
  participantReconnecting: [participant: RemoteParticipant];
  participantReconnected: [participant: RemoteParticipant];
  trackPublished: [publication: RemoteTrackPublication, participant: RemoteParticipant];
  trackUnpublished: [publication: RemoteTrackPublication, participant: RemoteParticipant];
  trackSubscribed: TrackAndPublication<[participant: RemoteParticipant]>;
  trackUnsubscribed: TrackAndPublication<[participant: RemoteParticipant]>;
  trackSubscriptionFailed: [error: TwilioError, publication: RemoteTrackPublication, participant: RemoteParticipant];
  trackEnabled: [publication: RemoteMediaTrackPublicationOf, participant: RemoteParticipant];
  trackDisabled: [publication: RemoteMediaTrackPublicationOf, participant: RemoteParticipant];
  trackStarted: [track: RemoteAudioTrack | RemoteVideoTrack, participant: RemoteParticipant];
  trackDimensionsChanged: [track: RemoteVideoTrack, participant: RemoteParticipant];
  trackMessage: [data: DataMessage, track: RemoteDataTrack, participant: RemoteParticipant];
  /** The signaling connection dropped; the SDK passes SignalingConnectionDisconnectedError (53001). */
  reconnecting: [error: TwilioError];
  reconnected: [];
  disconnected: [room: Room, error?: TwilioError];
};

export interface RoomInit {
  initialState: ConnectedMessage;
  transport: SignalingTransport;
  peerConnection: PeerConnectionV2;
  /** A new peer connection wired to signaling (restartIce); its offer is the room's to make. */
  replacePeerConnection?: () => PeerConnectionV2;
  localParticipant: LocalParticipant;
  subscriptions: SubscriptionTable;
  log: Logger;
}

/** Remote participant events re-emitted by the room with the participant appended (lib/room.js). */
const REEMITTED = [
  'trackPublished',
  'trackUnpublished',
  'trackSubscribed',
  'trackUnsubscribed',
  'trackSubscriptionFailed',
  'trackEnabled',
  'trackDisabled',
  'trackStarted',
  'trackDimensionsChanged',
] as const;

/** A peer connection `disconnected` this long is replaced (ICE may recover on its own before). */
export const DISCONNECTED_GRACE_MS = 3000;
/** Replacements in a row that never reached `connected` before the room gives up (53405). */
const MAX_TRANSPORT_ATTEMPTS = 3;
/** How long data subscriptions wait for their channel on a new peer connection. */
const RESUME_TIMEOUT_MS = 20_000;

export class Room extends TypedEmitter<RoomEvents> {
  readonly sid: string;
  readonly name: string;
  readonly localParticipant: LocalParticipant;
  /** Remote participants by SID. */
  readonly participants = new Map<string, RemoteParticipant>();
  /** DataChannel sessions (ACS model): `createSender()`, event `dataChannelReceiverCreated`. */
  readonly dataChannel: DataChannelFeature;
  #state: RoomState = 'connected';
  readonly #transport: SignalingTransport;
  #pc: PeerConnectionV2;
  readonly #replacePeerConnection: (() => PeerConnectionV2) | undefined;
  /** The peer connection is being replaced: the room is `reconnecting` until the new one connects. */
  #mediaReconnecting = false;
  #transportAttempts = 0;
  #disconnectedTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #subscriptions: SubscriptionTable;
  readonly #log: Logger;
  /** Revisions at which participants left: older entries for them are stale (v2/room.js). */
  readonly #disconnectedRevisions = new Map<string, number>();
  readonly #sessionTimeoutMs: number;
  #sessionTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(init: RoomInit) {
    super();
    const { initialState } = init;
    this.sid = initialState.sid;
    this.name = initialState.name;
    this.localParticipant = init.localParticipant;
    this.#transport = init.transport;
    this.#pc = init.peerConnection;
    this.#replacePeerConnection = init.replacePeerConnection;
    this.#subscriptions = init.subscriptions;
    this.#log = init.log;
    this.#sessionTimeoutMs = (initialState.options?.session_timeout ?? 30) * 1000;
    this.dataChannel = new DataChannelFeature(this, init.log.child('dataChannel'));

    this.#transport.on('message', (state) => this.#update(state));
    this.#transport.on('stateChanged', (state, error) => this.#handleTransportState(state, error));
    this.#subscriptions.on('changed', () => this.#handleSubscriptions());
    this.#watchPeerConnection(this.#pc);
    this.localParticipant._setUpdateCallback(() => {
      this.#transport.publish({ participant: this.localParticipant.getState() });
    });
    this.#update(initialState);
  }

  get state(): RoomState {
    return this.#state;
  }

  /** Leaves the room: `disconnect`, `bye`, close 1000. Idempotent. */
  disconnect(): this {
    this.#close();
    return this;
  }

  /**
   * Plaza extension: replaces the media transport now, as the room does by itself when it fails
   * (see the top of this file). Apps may call it when they know the network changed. Resolves
   * once the new peer connection's offer is sent.
   */
  restartIce(): Promise<void> {
    return this.#replaceTransport('restartIce()');
  }

  #watchPeerConnection(pc: PeerConnectionV2): void {
    pc.on('connectionStateChanged', (state) => {
      if (pc !== this.#pc || this.#state === 'disconnected') return;
      if (this.#disconnectedTimer) clearTimeout(this.#disconnectedTimer);
      this.#disconnectedTimer = null;
      if (state === 'connected') {
        this.#transportAttempts = 0;
        this.#endMediaReconnecting();
      } else if (state === 'failed' || state === 'closed') {
        void this.#replaceTransport(`peer connection ${state}`);
      } else if (state === 'disconnected') {
        this.#disconnectedTimer = setTimeout(() => void this.#replaceTransport('peer connection disconnected'), DISCONNECTED_GRACE_MS);
      }
    });
  }

  #replaceTransport(reason: string): Promise<void> {
    if (this.#state === 'disconnected') return Promise.reject(new MediaConnectionError('the room is disconnected'));
    if (!this.#replacePeerConnection) return Promise.reject(new MediaConnectionError('this room cannot replace its peer connection'));
    if (++this.#transportAttempts > MAX_TRANSPORT_ATTEMPTS) {
      const error = new MediaConnectionError(`${reason}; gave up after ${MAX_TRANSPORT_ATTEMPTS} new peer connections`);
      this.#close(error);
      return Promise.reject(error);
    }
    this.#log.info(`Replacing the peer connection (${reason})`);
    if (this.#state === 'connected') {
      this.#state = 'reconnecting';
      this.localParticipant._setReconnecting(true);
      this.emit('reconnecting', new MediaConnectionError(reason));
    }
    this.#mediaReconnecting = true;
    const old = this.#pc;
    // Data subscriptions wait for their channels on the new one; the old one's closing is not their end.
    this.#subscriptions.suspendAll(RESUME_TIMEOUT_MS);
    old.removeAllListeners();
    old.close();
    const next = this.#replacePeerConnection();
    this.#pc = next;
    this.#watchPeerConnection(next);
    this.localParticipant._moveTo(next);
    return next.offer().catch((error: unknown) => {
      this.#log.warn('The new peer connection could not offer:', error);
      throw new MediaConnectionError(String(error));
    });
  }

  #endMediaReconnecting(): void {
    if (!this.#mediaReconnecting) return;
    this.#mediaReconnecting = false;
    if (this.#state !== 'reconnecting' || this.#transport.state !== 'connected') return;
    this.#state = 'connected';
    this.localParticipant._setReconnecting(false);
    this.emit('reconnected');
  }

  #handleTransportState(state: TransportState, error: TwilioError | undefined): void {
    if (state === 'disconnected') {
      this.#close(error);
    } else if (state === 'syncing' && this.#sessionTimer === null) {
      // Same rule as the SDK's RoomSignaling session timer: give up after session_timeout.
      this.#sessionTimer = setTimeout(() => this.#close(new SignalingConnectionDisconnectedError()), this.#sessionTimeoutMs);
      if (this.#state !== 'connected') return; // already reconnecting (its media transport)
      this.#state = 'reconnecting';
      this.localParticipant._setReconnecting(true);
      this.emit('reconnecting', new SignalingConnectionDisconnectedError());
    } else if (state === 'connected' && this.#state === 'reconnecting') {
      if (this.#sessionTimer) clearTimeout(this.#sessionTimer);
      this.#sessionTimer = null;
      if (this.#mediaReconnecting) return; // `reconnected` once the new peer connection is up
      this.#state = 'connected';
      this.localParticipant._setReconnecting(false);
      this.emit('reconnected');
    }
  }

  #update(state: ParsedRoomState): void {
    if (this.#state === 'disconnected') return;
    // Our own SID first: it is needed to skip ourselves in `participants`.
    if (state.participant && !this.localParticipant.sid) {
      this.localParticipant._connect(state.participant.sid, state.participant.identity, plazaIndexOf(state.participant.plaza_index));
    }
    if (state.subscribed) this.#subscriptions.updateSubscribed(state.subscribed);

    const present = new Set<RemoteParticipant>();
    for (const participantState of state.participants ?? []) {
      if (participantState.sid === this.localParticipant.sid) continue;
      const leftAt = this.#disconnectedRevisions.get(participantState.sid);
      if (leftAt !== undefined) {
        if (participantState.revision <= leftAt) continue;
        this.#disconnectedRevisions.delete(participantState.sid); // rejoined with the same SID
      }
      let participant = this.participants.get(participantState.sid);
      if (!participant) {
        if (participantState.state === 'disconnected') {
          this.#disconnectedRevisions.set(participantState.sid, participantState.revision);
          continue;
        }
        participant = this.#addParticipant(new RemoteParticipant(participantState, this.#log));
      } else {
        participant._update(participantState);
      }
      present.add(participant);
    }
    if (state.type === 'synced') {
      for (const participant of [...this.participants.values()]) {
        if (!present.has(participant)) participant._disconnect();
      }
    }

    this.#handleSubscriptions();

    if (state.peer_connections) {
      const ours = state.peer_connections.find((pc) => pc.id === this.#pc.id);
      if (ours) {
        this.#pc.update(ours).catch((error: unknown) => this.#log.warn('Peer connection update failed:', error));
      } else if (state.type === 'synced') {
        // The server no longer knows our peer connection (v2/peerconnectionmanager.js closes it too).
        this.#log.warn(`Peer connection ${this.#pc.id} is absent from "synced"; closing it`);
        this.#pc.close();
      }
      for (const other of state.peer_connections) {
        if (other.id !== this.#pc.id) this.#log.debug(`Ignoring unknown peer connection ${other.id}`);
      }
    }

    if (state.published) this.localParticipant._handlePublished(state.published);
    if (state.participant) {
      this.localParticipant._connect(state.participant.sid, state.participant.identity, plazaIndexOf(state.participant.plaza_index));
    }
  }

  #addParticipant(participant: RemoteParticipant): RemoteParticipant {
    this.participants.set(participant.sid, participant);
    participant._setSessionHandler((track, publication, from) => this.dataChannel._sessionSubscribed(track, publication, from));
    const forwarders = REEMITTED.map((event) => {
      const forward = (...args: unknown[]) => (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args, participant);
      participant.on(event, forward as never);
      return [event, forward] as const;
    });
    // trackMessage runs per data message: forwarded without the generic rest/spread copies.
    const onMessage = (data: DataMessage, track: RemoteDataTrack) => this.emit('trackMessage', data, track, participant);
    participant.on('trackMessage', onMessage);
    const onReconnecting = () => this.emit('participantReconnecting', participant);
    const onReconnected = () => this.emit('participantReconnected', participant);
    participant.on('reconnecting', onReconnecting);
    participant.on('reconnected', onReconnected);
    participant.once('disconnected', () => {
      this.participants.delete(participant.sid);
      this.#disconnectedRevisions.set(participant.sid, participant.revision ?? 0);
      for (const [event, forward] of forwarders) participant.off(event, forward as never);
      participant.off('trackMessage', onMessage);
      participant.off('reconnecting', onReconnecting);
      participant.off('reconnected', onReconnected);
      this.emit('participantDisconnected', participant);
    });
    this.emit('participantConnected', participant);
    return participant;
  }

  /**
   * Matches remote publications with `subscribed` ids and what carries them: data channels by label,
   * audio/video m-sections by msid track id. A subscription whose id changed or whose carrier went
   * away (channel closed, m-section no longer sending) is unsubscribed first.
   */
  #handleSubscriptions(): void {
    if (this.#state === 'disconnected') return;
    const subscriptions = this.#subscriptions;
    for (const participant of this.participants.values()) {
      for (const publication of participant.tracks.values()) {
        const failure = subscriptions.takeFailure(publication.trackSid);
        if (failure) {
          participant._subscriptionFailed(publication, TwilioError.fromServer(failure.code, failure.message));
        }
        const id = subscriptions.idFor(publication.trackSid);
        const currentId = participant._subscriptionId(publication);
        if (currentId !== undefined) {
          if (currentId === id && this.#isCarried(publication, id)) continue;
          participant._unsubscribe(publication);
        }
        if (id === undefined) continue;
        if (publication.kind === 'data') {
          const receiver = subscriptions.receiverFor(id);
          if (receiver) participant._subscribe(publication, receiver, id);
        } else {
          const receiver = subscriptions.mediaReceiverFor(id);
          if (receiver) participant._subscribeMedia(publication, receiver, id);
        }
      }
    }
  }

  /** Whether the subscribed track of `publication` still has its channel or m-section. */
  #isCarried(publication: RemoteTrackPublication, id: string): boolean {
    if (publication.kind === 'data') {
      const receiver = publication.track?._receiver;
      return receiver !== undefined && !receiver.closed;
    }
    const receiver = publication.track?._receiver;
    return receiver !== undefined && this.#subscriptions.mediaReceiverFor(id) === receiver;
  }

  #close(error?: TwilioError): void {
    if (this.#state === 'disconnected') return;
    this.#state = 'disconnected';
    if (this.#sessionTimer) clearTimeout(this.#sessionTimer);
    this.#sessionTimer = null;
    if (this.#disconnectedTimer) clearTimeout(this.#disconnectedTimer);
    this.#disconnectedTimer = null;
    this.#transport.disconnect(error);
    this.#pc.close();
    // Receivers first: closed by us, a session has nothing more to wait for when unsubscribed.
    this.#subscriptions.close();
    for (const participant of this.participants.values()) participant._unsubscribeAll();
    this.dataChannel._close('the room disconnected');
    this.localParticipant._disconnect(error);
    if (error) this.#log.info(`Disconnected: ${error.code} ${error.message}`);
    this.emit('disconnected', this, error);
  }
}
