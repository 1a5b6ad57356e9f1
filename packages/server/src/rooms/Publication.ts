/**
 * A track a participant publishes. For data tracks it owns the relay that fans messages out;
 * audio/video plug their forwarder in the same place later.
 */
import type { DataChannel } from 'node-datachannel';
import { newSid, type TrackKind, type TrackSid, type ServerTrackState } from '@plaza/protocol';
import { DataRelay, type RelayOverflow } from '../media/DataRelay.js';
import { MediaForwarder } from '../media/MediaForwarder.js';
import type { RetentionBudget } from '../media/SessionRetention.js';
import type { MediaLine } from '../media/MediaLine.js';
import type { DataChannelReliability } from '../media/PeerEndpoint.js';
import type { Logger } from '../log.js';
import type { CloseReason } from './CloseReason.js';

export interface PublicationInit {
  /** The client's id for the track (DataTrack: its data channel label; media: msid track id). */
  clientId: string;
  name: string;
  kind: TrackKind;
  enabled: boolean;
  priority: string;
  reliability: DataChannelReliability;
  /** A DataChannel session (Plaza extension), or null for a plain DataTrack / media. */
  channel: SessionInfo | null;
}

export interface SessionInfo {
  channelId: number;
  reliability: 'durable' | 'lossy';
  priority: 'high' | 'normal';
  /** Broadcasts replayed to late subscribers (plaza_channel.retain), if asked. */
  retain?: number;
}

export class Publication {
  readonly sid: TrackSid = newSid('MT');
  readonly clientId: string;
  readonly kind: TrackKind;
  readonly createdAt = new Date();
  name: string;
  enabled: boolean;
  priority: string;
  readonly reliability: DataChannelReliability;
  readonly channel: SessionInfo | null;
  /** Set once the publisher's channel arrived: only then is the publication `ready`. */
  relay: DataRelay | null = null;
  /** Audio/video: set once the publisher's m-section for this track is known and open. */
  forwarder: MediaForwarder | null = null;
  /** The client's m-section the forwarder reads (a reused transceiver may bring a new one). */
  sourceLine: MediaLine | null = null;
  closed = false;

  constructor(init: PublicationInit) {
    this.clientId = init.clientId;
    this.name = init.name;
    this.kind = init.kind;
    this.enabled = init.enabled;
    this.priority = init.priority;
    this.reliability = init.reliability;
    this.channel = init.channel ?? null;
  }

  get ready(): boolean {
    return (this.relay !== null || this.forwarder !== null) && !this.closed;
  }

  attachMediaLine(line: MediaLine, sourcePayloadType: number, log: Logger): void {
    if (this.closed || this.kind === 'data' || this.sourceLine === line) return;
    this.forwarder?.close();
    this.sourceLine = line;
    this.forwarder = new MediaForwarder(line, { kind: this.kind, sourcePayloadType, log });
  }

  attachDataChannel(
    channel: DataChannel,
    options: {
      queueLimitBytes: number;
      maxMessageBytes?: number;
      retentionBudget?: RetentionBudget;
      log: Logger;
      onOverflow: (key: string, reason: RelayOverflow) => void;
    },
  ): void {
    if (this.relay || this.closed) return;
    this.relay = new DataRelay(channel, { reliability: this.reliability, session: this.channel !== null, retain: this.channel?.retain, ...options });
  }

  toState(): ServerTrackState {
    const state: ServerTrackState = {
      sid: this.sid,
      name: this.name,
      kind: this.kind,
      enabled: this.enabled,
      priority: this.priority,
    };
    if (this.kind === 'data') {
      state.ordered = this.reliability.ordered;
      state.max_packet_life_time = this.reliability.maxPacketLifeTime;
      state.max_retransmits = this.reliability.maxRetransmits;
      if (this.channel) {
        const { channelId, reliability, priority, retain } = this.channel;
        state.plaza_channel = { channel_id: channelId, reliability, priority };
        if (retain !== undefined) state.plaza_channel.retain = retain;
      }
    }
    return state;
  }

  close(_reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.relay?.close();
    this.forwarder?.close();
  }
}
