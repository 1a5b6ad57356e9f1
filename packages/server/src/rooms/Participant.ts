/**
 * A participant in a room: identity, its peer connection, what it publishes and what it is
 * subscribed to. The Room decides policy (who subscribes to what); the Participant keeps its own
 * state consistent and tells its signaling session what to send through `signal` events.
 */
import { EventEmitter } from 'node:events';
import type { DataChannel } from 'node-datachannel';
import type { MediaLine } from '../media/MediaLine.js';
import type { MediaSection } from '../media/Sdp.js';
import {
  ErrorCode,
  defaultErrorMessage,
  newSid,
  type ClientTrackState,
  type ParticipantSid,
  type RemoteParticipantState,
  type SubscribeRule,
  type TrackSid,
  type PublishedState,
  type SubscribedState,
  type ServerPeerConnectionState,
} from '@plaza/protocol';
import { PeerEndpoint, type RtcNetworkOptions } from '../media/PeerEndpoint.js';
import { RetentionBudget } from '../media/SessionRetention.js';
import type { Logger } from '../log.js';
import type { CloseReason } from './CloseReason.js';
import { Publication } from './Publication.js';
import type { Subscription } from './Subscription.js';
import { INCLUDE_ALL } from './SubscribeRules.js';

export type ParticipantState = 'connected' | 'reconnecting' | 'disconnected';

/** What the participant's own signaling session must tell its client. */
export type ParticipantEvents = {
  /** Coalesced per tick by the session: these parts of the room state changed for this client. */
  dirty: [part: 'published' | 'subscribed' | 'participants', remote?: Participant];
  /** The server made an offer (or another description) the client must see. */
  description: [state: ServerPeerConnectionState];
  /** The participant was closed by the server side (not by its own disconnect). */
  closed: [reason: CloseReason];
};

export interface PublicationFailure {
  id: string;
  code: number;
  message: string;
}

export class Participant extends EventEmitter<ParticipantEvents> {
  readonly sid: ParticipantSid = newSid('PA');
  readonly joinedAt = new Date();
  state: ParticipantState = 'connected';
  /** Revision of this participant's public state as others see it. */
  revision = 1;
  /** Last client participant revision applied (client -> server). */
  clientRevision = -1;
  rules: readonly SubscribeRule[] = INCLUDE_ALL;
  endpoint: PeerEndpoint | null = null;
  /** By client track id. */
  readonly publications = new Map<string, Publication>();
  /** Server memory the sessions this participant publishes may retain together. */
  readonly retentionBudget = new RetentionBudget();
  readonly failedPublications = new Map<string, PublicationFailure>();
  /** By publication (track) SID. */
  readonly subscriptions = new Map<TrackSid, Subscription>();
  /** Data channels that arrived before the signaling that describes their track. */
  readonly orphanChannels = new Map<string, DataChannel>();
  /**
   * Tracks whose subscription the relay ended because this subscriber fell behind. Reported in
   * `subscribed` as errors (the SDK raises trackSubscriptionFailed) and not resubscribed until the
   * rules change: resubscribing would only overflow again.
   */
  readonly slowTracks = new Set<TrackSid>();
  private publishedRevision = 0;
  private subscribedRevision = 0;
  closed = false;
  /** Its index in the room (set on join, never reused there): DataChannel envelopes name recipients by it. */
  index = -1;
  /** A Plaza client that takes DataChannel session messages enveloped (else: bare payloads, as the SDK). */
  understandsEnvelopes = false;

  constructor(
    readonly identity: string,
    readonly log: Logger,
  ) {
    super();
  }

  ensureEndpoint(
    id: string,
    net: RtcNetworkOptions,
    handlers: { dataChannel: (channel: DataChannel) => void; track: (line: MediaLine, section: MediaSection | undefined) => void },
  ): PeerEndpoint {
    if (this.endpoint && this.endpoint.id === id) return this.endpoint;
    this.endpoint?.close();
    const endpoint = new PeerEndpoint(id, net, this.log);
    endpoint.on('dataChannel', handlers.dataChannel);
    endpoint.on('track', handlers.track);
    endpoint.on('description', (state) => this.emit('description', state));
    this.endpoint = endpoint;
    return endpoint;
  }

  /** Tracks the client listed that are new, changed or gone since the last state. */
  diffTracks(tracks: readonly ClientTrackState[]): {
    added: ClientTrackState[];
    removed: Publication[];
    changed: Publication[];
    /** Publications whose `enabled` flipped (a subset of `changed`). */
    toggled: Publication[];
  } {
    const seen = new Set<string>();
    const added: ClientTrackState[] = [];
    const changed: Publication[] = [];
    const toggled: Publication[] = [];
    for (const t of tracks) {
      seen.add(t.id);
      const pub = this.publications.get(t.id);
      if (!pub) {
        if (!this.failedPublications.has(t.id)) added.push(t);
        continue;
      }
      if (pub.enabled !== t.enabled || pub.name !== t.name) {
        if (pub.enabled !== t.enabled) toggled.push(pub);
        pub.enabled = t.enabled;
        pub.name = t.name;
        changed.push(pub);
      }
    }
    const removed = [...this.publications.values()].filter((p) => !seen.has(p.clientId));
    for (const id of this.failedPublications.keys()) if (!seen.has(id)) this.failedPublications.delete(id);
    return { added, removed, changed, toggled };
  }


  /** What other participants see of this one. Only ready publications are visible. */
  toRemoteState(): RemoteParticipantState {
    return {
      sid: this.sid,
      identity: this.identity,
      revision: this.revision,
      state: this.state,
      tracks: [...this.publications.values()].filter((p) => p.ready).map((p) => p.toState()),
      plaza_index: this.index,
    };
  }

  publishedState(): PublishedState {
    const tracks: PublishedState['tracks'] = [];
    for (const pub of this.publications.values()) {
      tracks.push({ id: pub.clientId, sid: pub.sid, state: pub.ready ? 'ready' : 'created' });
    }
    for (const f of this.failedPublications.values()) {
      tracks.push({ id: f.id, sid: '', state: 'failed', error: { code: f.code, message: f.message } });
    }
    return { revision: ++this.publishedRevision, tracks };
  }

  subscribedState(): SubscribedState {
    const tracks: SubscribedState['tracks'] = [];
    for (const [sid, sub] of this.subscriptions) tracks.push({ sid, id: sub.id });
    for (const sid of this.slowTracks) {
      tracks.push({ sid, error: { code: ErrorCode.TrackSubscriberTooSlow, message: defaultErrorMessage(ErrorCode.TrackSubscriberTooSlow) } });
    }
    return { revision: ++this.subscribedRevision, tracks };
  }

  /** Closes everything this participant owns. Idempotent. */
  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.state = 'disconnected';
    this.revision++;
    for (const sub of this.subscriptions.values()) sub.close(reason);
    this.subscriptions.clear();
    for (const pub of this.publications.values()) pub.close(reason);
    this.publications.clear();
    for (const ch of this.orphanChannels.values()) {
      try {
        ch.close();
      } catch {
        // closed with the peer connection
      }
    }
    this.orphanChannels.clear();
    this.endpoint?.close();
    this.endpoint = null;
    this.emit('closed', reason);
    this.removeAllListeners();
  }
}
