/**
 * A room: who is in it, what they publish, and who is subscribed to what. It is the one place that
 * decides subscriptions (subscribe rules, evaluated again on every change) and tells each
 * participant's session what changed.
 */
import { EventEmitter } from 'node:events';
import type { DataChannel } from 'node-datachannel';
import type { MediaLine } from '../media/MediaLine.js';
import type { MediaSection } from '../media/Sdp.js';
import { ErrorCode, PlazaError, type ClientTrackState, type RoomSid, type SubscribeRule } from '@plaza/protocol';
import type { Logger } from '../log.js';
import type { CloseReason } from './CloseReason.js';
import type { Participant } from './Participant.js';
import { Publication } from './Publication.js';
import { Subscription } from './Subscription.js';
import { shouldSubscribe } from './SubscribeRules.js';

/** What a room was created with (REST `POST /v1/Rooms`, or the defaults for a room made by a join). */
export interface RoomSettings {
  type: 'group' | 'group-small' | 'peer-to-peer' | 'go';
  /** 0: no limit. */
  maxParticipants: number;
  /** Seconds a participant may stay (Twilio default 4 h). */
  maxParticipantDurationS: number;
  /** A room whose participants all left ends after this long. */
  emptyRoomTimeoutMs: number;
  /** A room nobody has joined yet ends after this long. */
  unusedRoomTimeoutMs: number;
  statusCallback: string | null;
  statusCallbackMethod: 'GET' | 'POST';
  /** Kept and reported as given; no effect yet. */
  recordParticipantsOnConnect: boolean;
  videoCodecs: string[];
  mediaRegion: string | null;
  audioOnly: boolean;
  largeRoom: boolean;
}

export interface RoomOptions {
  sid: RoomSid;
  settings: RoomSettings;
  /** Bound of each relay leg's queue (see DataRelay). */
  relayQueueLimitBytes: number;
  /** Largest DataChannel session message relayed (see DataRelay). Default MAX_MESSAGE_BYTES. */
  dataMaxMessageBytes?: number;
  log: Logger;
}

export type RoomEvents = {
  participantJoined: [Participant];
  participantLeft: [Participant, CloseReason];
  /** Another participant's view of `participant` changed: `reconnecting` or back to `connected`. */
  participantState: [Participant];
  trackAdded: [Participant, Publication];
  trackRemoved: [Participant, Publication];
  trackEnabled: [Participant, Publication];
  trackDisabled: [Participant, Publication];
  ended: [CloseReason];
};

export type RoomStatus = 'in-progress' | 'completed';

export class Room extends EventEmitter<RoomEvents> {
  readonly sid: RoomSid;
  readonly createdAt = new Date();
  endedAt: Date | null = null;
  status: RoomStatus = 'in-progress';
  readonly participants = new Map<string, Participant>();
  readonly settings: RoomSettings;
  private emptyTimer: NodeJS.Timeout | null = null;
  private readonly durationTimers = new Map<Participant, NodeJS.Timeout>();
  private everJoined = false;
  private nextIndex = 0;
  private readonly log: Logger;

  constructor(
    readonly name: string,
    private readonly options: RoomOptions,
  ) {
    super();
    this.sid = options.sid;
    this.settings = options.settings;
    this.log = options.log.child({ room: this.sid, roomName: name });
    this.armEmptyTimer();
  }

  /** Throws 53105 when `identity` would be one participant too many (a rejoin replaces, so it fits). */
  assertCanJoin(identity: string): void {
    if (this.status === 'completed') throw PlazaError.of(ErrorCode.RoomCompleted);
    const max = this.settings.maxParticipants;
    if (max <= 0) return;
    const others = [...this.participants.values()].filter((p) => p.identity !== identity).length;
    if (others >= max) throw PlazaError.of(ErrorCode.RoomMaxParticipantsExceeded);
  }

  /** Adds a participant; an older connection with the same identity loses (53205). */
  join(participant: Participant): void {
    this.assertCanJoin(participant.identity);
    for (const other of this.participants.values()) {
      if (other.identity === participant.identity) this.leave(other, 'duplicate-identity');
    }
    this.disarmEmptyTimer();
    this.everJoined = true;
    participant.index = this.nextIndex++ & 0xffff;
    this.participants.set(participant.sid, participant);
    const duration = setTimeout(() => this.leave(participant, 'max-participant-duration'), this.settings.maxParticipantDurationS * 1000);
    duration.unref();
    this.durationTimers.set(participant, duration);
    this.log.info({ participant: participant.sid, identity: participant.identity }, 'participant joined');
    this.broadcastState(participant);
    this.reconcile(participant);
    this.emit('participantJoined', participant);
  }

  /** Removes a participant and everything it owns; idempotent. */
  leave(participant: Participant, reason: CloseReason): void {
    if (!this.participants.delete(participant.sid)) return;
    clearTimeout(this.durationTimers.get(participant));
    this.durationTimers.delete(participant);
    for (const pub of participant.publications.values()) {
      pub.relay?.close(); // first: its legs end gracefully (see removePublication)
      this.dropSubscriptionsTo(pub, 'publisher-left');
      if (pub.ready) this.emit('trackRemoved', participant, pub);
    }
    participant.close(reason);
    this.log.info({ participant: participant.sid, reason }, 'participant left');
    this.broadcastState(participant);
    this.emit('participantLeft', participant, reason);
    if (this.participants.size === 0) this.armEmptyTimer();
  }

  /** Applies the client's track list (connect / update / sync). */
  applyTracks(participant: Participant, tracks: readonly ClientTrackState[]): void {
    const { added, removed, changed, toggled } = participant.diffTracks(tracks);
    for (const track of added) this.addPublication(participant, track);
    for (const pub of removed) this.removePublication(participant, pub);
    for (const pub of toggled) if (pub.ready) this.emit(pub.enabled ? 'trackEnabled' : 'trackDisabled', participant, pub);
    if (changed.length > 0) {
      participant.revision++;
      this.broadcastState(participant);
    }
    if (added.length > 0 || removed.length > 0) participant.emit('dirty', 'published');
  }

  /** A data channel the client opened: the DataTrack it carries becomes ready. */
  handleDataChannel(participant: Participant, channel: DataChannel): void {
    const label = channel.getLabel();
    const pub = participant.publications.get(label);
    if (!pub) {
      // Its track state is still on its way over signaling (or it never comes; closed on leave).
      participant.orphanChannels.set(label, channel);
      return;
    }
    if (pub.relay) {
      // The same track on a new peer connection (moveTransport): the relay goes on with it.
      pub.relay.rebindSource(channel);
      this.unpublishOnClose(participant, pub, channel);
      return;
    }
    this.activate(participant, pub, channel);
  }

  /**
   * The participant replaced its peer connection (Plaza's ICE restart: libdatachannel cannot
   * restart ICE in place, so the client negotiates a new one; `participant.endpoint` is it now,
   * answered). Its data channels come back on it: each publication's relay takes the new channel
   * when it arrives (handleDataChannel), and each data subscription gets a channel of the same
   * label, so the client and the relay both resume where they were (DataRelay: durable sessions
   * lose and repeat nothing). Media subscriptions start over on new m-sections (new ids); the
   * client's own media comes back in its offer and is picked up as a reused transceiver would be.
   */
  moveTransport(participant: Participant): void {
    const endpoint = participant.endpoint;
    if (!endpoint || participant.closed) return;
    let changed = false;
    for (const [sid, sub] of [...participant.subscriptions]) {
      const relay = sub.publication.relay;
      if (relay) {
        const channel = endpoint.createDataChannel(sub.id, sub.publication.reliability);
        if (channel && relay.rebindSubscriber(sub.id, channel)) continue;
        try {
          channel?.close();
        } catch {
          // never opened
        }
      }
      sub.close('unsubscribed');
      participant.subscriptions.delete(sid);
      changed = true;
    }
    this.log.info({ participant: participant.sid, pc: endpoint.id }, 'peer connection replaced');
    if (changed) participant.emit('dirty', 'subscribed');
    this.reconcile(participant);
  }

  /** A participant's signaling dropped or resumed: the others see `reconnecting` / `connected`. */
  setParticipantState(participant: Participant, state: 'connected' | 'reconnecting'): void {
    if (participant.state === state || participant.closed) return;
    participant.state = state;
    participant.revision++;
    this.broadcastState(participant);
    this.emit('participantState', participant);
  }

  setRules(participant: Participant, rules: readonly SubscribeRule[]): void {
    participant.rules = rules;
    participant.slowTracks.clear();
    this.reconcile(participant);
  }

  /** Ends the room: every participant is disconnected with the given reason. */
  end(reason: CloseReason): void {
    if (this.status === 'completed') return;
    for (const p of [...this.participants.values()]) this.leave(p, reason);
    this.disarmEmptyTimer();
    this.status = 'completed';
    this.endedAt = new Date();
    this.log.info({ reason }, 'room ended');
    this.emit('ended', reason);
    this.removeAllListeners();
  }

  private addPublication(participant: Participant, track: ClientTrackState): void {
    const pub = new Publication({
      clientId: track.id,
      name: track.name,
      kind: track.kind,
      enabled: track.enabled,
      priority: track.priority ?? 'standard',
      reliability: {
        ordered: track.ordered ?? true,
        maxPacketLifeTime: track.max_packet_life_time ?? null,
        maxRetransmits: track.max_packet_life_time == null ? (track.max_retransmits ?? null) : null,
      },
      channel:
        track.kind === 'data' && track.plaza_channel
          ? {
              channelId: track.plaza_channel.channel_id,
              reliability: track.plaza_channel.reliability,
              priority: track.plaza_channel.priority ?? 'normal',
              retain: track.plaza_channel.retain,
            }
          : null,
    });
    participant.publications.set(track.id, pub);
    if (track.kind === 'data') {
      const orphan = participant.orphanChannels.get(track.id);
      if (orphan) {
        participant.orphanChannels.delete(track.id);
        this.activate(participant, pub, orphan);
      }
      return;
    }
    // Media: its m-section may already be negotiated (the track state often follows the offer).
    const endpoint = participant.endpoint;
    const section = endpoint?.remoteSections.find((s) => s.trackId === track.id);
    const line = section ? endpoint?.line(section.mid) : undefined;
    if (section && line) this.handleMediaLine(participant, line, section);
  }

  /** A client m-section carrying media: the publication whose msid it names becomes ready. */
  handleMediaLine(participant: Participant, line: MediaLine, section: MediaSection | undefined): void {
    this.log.debug({ participant: participant.sid, mid: section?.mid, trackId: section?.trackId, direction: section?.direction, known: section?.trackId ? participant.publications.has(section.trackId) : false }, 'media track');
    if (!section?.trackId || (section.direction !== 'sendonly' && section.direction !== 'sendrecv')) return;
    const pub = participant.publications.get(section.trackId);
    if (!pub || pub.kind === 'data' || pub.sourceLine === line) return;
    const codec = pub.kind === 'video' ? 'vp8' : 'opus';
    const payloadType = section.payloadTypes.get(codec);
    if (payloadType === undefined) {
      participant.publications.delete(pub.clientId);
      participant.failedPublications.set(pub.clientId, { id: pub.clientId, code: ErrorCode.MediaNoSupportedCodec, message: `${codec} is required` });
      participant.emit('dirty', 'published');
      return;
    }
    const wasReady = pub.ready;
    pub.attachMediaLine(line, payloadType, this.log);
    if (wasReady) {
      // A new source under the same publication: resubscribe everyone to the new forwarder.
      this.dropSubscriptionsTo(pub, 'unpublished');
    }
    this.announceReady(participant, pub, !wasReady);
  }

  private activate(participant: Participant, pub: Publication, channel: DataChannel): void {
    const wasReady = pub.ready;
    pub.attachDataChannel(channel, {
      queueLimitBytes: this.options.relayQueueLimitBytes,
      maxMessageBytes: this.options.dataMaxMessageBytes,
      retentionBudget: participant.retentionBudget,
      log: this.log,
      onOverflow: (key) => this.dropSlowSubscriber(pub, key),
    });
    this.unpublishOnClose(participant, pub, channel);
    this.announceReady(participant, pub, !wasReady);
  }

  /**
   * The client closed a publication's channel without an update (e.g. it unpublished while we
   * raced): the publication goes. Not when the channel went down with its transport (failed, or
   * replaced by a new peer connection): the client brings the track back on the new one.
   */
  private unpublishOnClose(participant: Participant, pub: Publication, channel: DataChannel): void {
    const endpoint = participant.endpoint;
    channel.onClosed(() => {
      if (pub.closed || pub.relay?.sourceChannel !== channel || participant.publications.get(pub.clientId) !== pub) return;
      if (endpoint !== participant.endpoint || endpoint?.transportLost) return;
      this.removePublication(participant, pub);
      participant.emit('dirty', 'published');
    });
  }

  /**
   * Subscribes everyone present before telling the publisher `ready`, so a message sent right after
   * publishTrack() resolves reaches all of them (their relay legs queue until open).
   */
  private announceReady(participant: Participant, pub: Publication, added: boolean): void {
    participant.revision++;
    for (const other of this.participants.values()) if (other !== participant) this.reconcile(other);
    this.broadcastState(participant);
    participant.emit('dirty', 'published');
    this.log.info({ participant: participant.sid, track: pub.sid, kind: pub.kind, name: pub.name }, 'track published');
    if (added) this.emit('trackAdded', participant, pub);
  }

  private removePublication(participant: Participant, pub: Publication): void {
    if (pub.ready) this.emit('trackRemoved', participant, pub);
    participant.publications.delete(pub.clientId);
    // The relay first: it ends each leg gracefully (a durable session's last messages and End reach
    // the subscriber before its channel closes). Dropping the subscriptions first would close
    // every leg at once and cut off what is still in flight.
    pub.relay?.close();
    this.dropSubscriptionsTo(pub, 'unpublished');
    pub.close('unpublished');
    participant.revision++;
    this.broadcastState(participant);
    this.log.info({ participant: participant.sid, track: pub.sid }, 'track unpublished');
  }

  private dropSubscriptionsTo(pub: Publication, reason: CloseReason): void {
    for (const other of this.participants.values()) {
      if (other.slowTracks.delete(pub.sid)) other.emit('dirty', 'subscribed');
      const sub = other.subscriptions.get(pub.sid);
      if (!sub) continue;
      sub.close(reason);
      other.subscriptions.delete(pub.sid);
      other.emit('dirty', 'subscribed');
    }
  }

  private dropSlowSubscriber(pub: Publication, key: string): void {
    for (const other of this.participants.values()) {
      const sub = other.subscriptions.get(pub.sid);
      if (sub?.id !== key) continue;
      sub.close('subscriber-too-slow');
      other.subscriptions.delete(pub.sid);
      other.slowTracks.add(pub.sid);
      other.emit('dirty', 'subscribed');
    }
  }

  /** Brings one subscriber's subscriptions in line with its rules and the room's publications. */
  private reconcile(subscriber: Participant): void {
    if (subscriber.closed || !subscriber.endpoint) return;
    let changed = false;
    for (const publisher of this.participants.values()) {
      if (publisher === subscriber) continue;
      for (const pub of publisher.publications.values()) {
        if (!pub.ready) continue;
        const want =
          !subscriber.slowTracks.has(pub.sid) &&
          shouldSubscribe(subscriber.rules, subscriber.sid, {
            publisherSid: publisher.sid,
            publisherIdentity: publisher.identity,
            trackSid: pub.sid,
            trackName: pub.name,
            kind: pub.kind,
            priority: pub.priority,
          });
        const has = subscriber.subscriptions.get(pub.sid);
        if (want && !has) {
          const sub = this.subscribe(subscriber, publisher, pub);
          if (!sub) continue;
          subscriber.subscriptions.set(pub.sid, sub);
          changed = true;
        } else if (!want && has) {
          has.close('unsubscribed');
          subscriber.subscriptions.delete(pub.sid);
          changed = true;
        }
      }
    }
    if (changed) subscriber.emit('dirty', 'subscribed');
  }

  /** Opens what carries `pub` to `subscriber`: a data channel, or a send m-section. */
  private subscribe(subscriber: Participant, publisher: Participant, pub: Publication): Subscription | null {
    const endpoint = subscriber.endpoint;
    if (!endpoint) return null;
    const sub = new Subscription(pub);
    if (pub.relay) {
      const channel = endpoint.createDataChannel(sub.id, pub.reliability);
      if (!channel) return null;
      pub.relay.addSubscriber(sub.id, channel, { index: subscriber.index, envelopes: subscriber.understandsEnvelopes });
      return sub;
    }
    if (pub.forwarder && pub.kind !== 'data') {
      const line = endpoint.addSendTrack(pub.kind, sub.id, publisher.sid);
      if (!line) return null;
      sub.mediaLine = line;
      sub.releaseMedia = (l) => endpoint.removeSendTrack(l);
      pub.forwarder.addSubscriber(sub.id, line);
      return sub;
    }
    return null;
  }

  /** Tells every other participant that `changed`'s public state moved. */
  private broadcastState(changed: Participant): void {
    for (const other of this.participants.values()) {
      if (other !== changed) other.emit('dirty', 'participants', changed);
    }
  }

  private armEmptyTimer(): void {
    this.disarmEmptyTimer();
    if (this.status === 'completed') return;
    const timeout = this.everJoined ? this.settings.emptyRoomTimeoutMs : this.settings.unusedRoomTimeoutMs;
    this.emptyTimer = setTimeout(() => this.end(this.everJoined ? 'empty-room-timeout' : 'unused-room-timeout'), timeout);
    this.emptyTimer.unref();
  }

  private disarmEmptyTimer(): void {
    if (this.emptyTimer) clearTimeout(this.emptyTimer);
    this.emptyTimer = null;
  }
}
