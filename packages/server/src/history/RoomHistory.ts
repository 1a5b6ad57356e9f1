/**
 * Writes what happens in rooms to the durable Store (what the REST API reads, in progress and
 * completed alike) and queues each room's status callbacks (REST-API.md "Status callbacks") in the
 * same place, so a callback is never lost between the event and its delivery. Everything here is
 * synchronous SQLite work of microseconds; delivery happens elsewhere (CallbackDispatcher), so
 * signaling and media never wait for a callback receiver.
 */
import type { AccountSid, TrackSid } from '@plaza/protocol';
import type { Logger } from '../log.js';
import type { CloseReason } from '../rooms/CloseReason.js';
import type { Participant } from '../rooms/Participant.js';
import type { Publication } from '../rooms/Publication.js';
import type { Room } from '../rooms/Room.js';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import type { RoomRecord, Store } from '../store/index.js';

type CallbackEvent =
  | 'room-created'
  | 'room-ended'
  | 'participant-connected'
  | 'participant-disconnected'
  | 'track-added'
  | 'track-removed'
  | 'track-enabled'
  | 'track-disabled';

export interface RoomHistoryOptions {
  store: Store;
  accountSid: AccountSid;
  /** Called after a callback was queued: the dispatcher picks it up. */
  onCallbackQueued: () => void;
  log: Logger;
}

export class RoomHistory {
  constructor(private readonly options: RoomHistoryOptions) {}

  attach(registry: RoomRegistry): void {
    registry.on('roomCreated', (room) => this.guard(() => this.follow(room)));
  }

  /** Queues room-ended for rooms a dead process left in progress (the Store completed them). */
  announceRecovered(rooms: readonly RoomRecord[]): void {
    for (const room of rooms) this.queue(room, 'room-ended', { RoomDuration: String(duration(room.dateCreated, room.endTime ?? new Date())) });
  }

  private follow(room: Room): void {
    const { store } = this.options;
    // Listeners first: a failed write below must not leave the rest of the room unrecorded.
    room.on('participantJoined', (p) => this.guard(() => this.joined(room, p)));
    room.on('participantState', (p) => this.guard(() => store.updateParticipant(p.sid, { status: p.state, dateUpdated: new Date() })));
    room.on('participantLeft', (p, reason) => this.guard(() => this.left(room, p, reason)));
    room.on('trackAdded', (p, pub) => this.guard(() => this.trackAdded(room, p, pub)));
    room.on('trackRemoved', (p, pub) => this.guard(() => this.trackChanged(room, p, pub, 'track-removed', { dateRemoved: new Date() })));
    room.on('trackEnabled', (p, pub) => this.guard(() => this.trackChanged(room, p, pub, 'track-enabled', { enabled: true })));
    room.on('trackDisabled', (p, pub) => this.guard(() => this.trackChanged(room, p, pub, 'track-disabled', { enabled: false })));
    room.on('ended', () => this.guard(() => this.ended(room)));

    const now = new Date();
    const s = room.settings;
    store.insertRoom({
      sid: room.sid,
      accountSid: this.options.accountSid,
      uniqueName: room.name,
      status: 'in-progress',
      type: s.type,
      dateCreated: room.createdAt,
      dateUpdated: now,
      endTime: null,
      maxParticipants: s.maxParticipants,
      maxParticipantDuration: s.maxParticipantDurationS,
      statusCallback: s.statusCallback,
      statusCallbackMethod: s.statusCallbackMethod,
      emptyRoomTimeout: Math.round(s.emptyRoomTimeoutMs / 60_000),
      unusedRoomTimeout: Math.round(s.unusedRoomTimeoutMs / 60_000),
      recordParticipantsOnConnect: s.recordParticipantsOnConnect,
      videoCodecs: s.videoCodecs,
      mediaRegion: s.mediaRegion,
      audioOnly: s.audioOnly,
      largeRoom: s.largeRoom,
    });
    this.queueFor(room, 'room-created');
  }

  private joined(room: Room, p: Participant): void {
    const now = new Date();
    this.options.store.insertParticipant({
      sid: p.sid,
      roomSid: room.sid,
      accountSid: this.options.accountSid,
      identity: p.identity,
      status: 'connected',
      startTime: now,
      endTime: null,
      dateCreated: now,
      dateUpdated: now,
    });
    this.queueFor(room, 'participant-connected', this.participantParams(p, 'connected'));
  }

  private left(room: Room, p: Participant, _reason: CloseReason): void {
    const { store } = this.options;
    const now = new Date();
    store.updateParticipant(p.sid, { status: 'disconnected', endTime: now, dateUpdated: now });
    const record = store.getParticipant(p.sid);
    this.queueFor(room, 'participant-disconnected', {
      ...this.participantParams(p, 'disconnected'),
      ParticipantDuration: String(duration(record?.startTime ?? now, now)),
    });
  }

  private trackAdded(room: Room, p: Participant, pub: Publication): void {
    const now = new Date();
    this.options.store.insertTrack({
      sid: pub.sid,
      roomSid: room.sid,
      participantSid: p.sid,
      name: pub.name,
      kind: pub.kind,
      enabled: pub.enabled,
      dateCreated: now,
      dateUpdated: now,
      dateRemoved: null,
    });
    this.queueFor(room, 'track-added', this.trackParams(p, pub));
  }

  private trackChanged(room: Room, p: Participant, pub: Publication, event: CallbackEvent, patch: { enabled?: boolean; dateRemoved?: Date }): void {
    this.options.store.updateTrack(pub.sid as TrackSid, { ...patch, dateUpdated: new Date() });
    this.queueFor(room, event, this.trackParams(p, pub));
  }

  private ended(room: Room): void {
    const end = room.endedAt ?? new Date();
    this.options.store.updateRoom(room.sid, { status: 'completed', endTime: end, dateUpdated: end });
    this.queueFor(room, 'room-ended', { RoomDuration: String(duration(room.createdAt, end)) });
  }

  private participantParams(p: Participant, status: string): Record<string, string> {
    return { ParticipantSid: p.sid, ParticipantIdentity: p.identity, ParticipantStatus: status };
  }

  private trackParams(p: Participant, pub: Publication): Record<string, string> {
    return { ...this.participantParams(p, p.state), TrackSid: pub.sid, TrackKind: pub.kind, TrackName: pub.name };
  }

  /** A live room's callback: its settings are in memory, no need to read them back from the store. */
  private queueFor(room: Room, event: CallbackEvent, extra: Record<string, string> = {}): void {
    const s = room.settings;
    this.queue(
      { sid: room.sid, accountSid: this.options.accountSid, uniqueName: room.name, status: room.status, type: s.type, statusCallback: s.statusCallback, statusCallbackMethod: s.statusCallbackMethod },
      event,
      extra,
    );
  }

  /** Queues one callback if the room has a StatusCallback; fields as Twilio sends them. */
  private queue(
    room: Pick<RoomRecord, 'sid' | 'accountSid' | 'uniqueName' | 'status' | 'type' | 'statusCallback' | 'statusCallbackMethod'>,
    event: CallbackEvent,
    extra: Record<string, string>,
  ): void {
    if (!room.statusCallback) return;
    this.options.store.enqueueCallback({
      roomSid: room.sid,
      url: room.statusCallback,
      method: room.statusCallbackMethod,
      params: {
        AccountSid: room.accountSid,
        RoomName: room.uniqueName,
        RoomSid: room.sid,
        RoomStatus: event === 'room-ended' ? 'completed' : room.status,
        RoomType: room.type,
        StatusCallbackEvent: event,
        Timestamp: new Date().toISOString(),
        ...extra,
      },
    });
    this.options.onCallbackQueued();
  }

  /** History must never break a room: a storage failure is logged, the room goes on. */
  private guard(write: () => void): void {
    try {
      write();
    } catch (err) {
      this.options.log.error({ err }, 'room history write failed');
    }
  }
}

function duration(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
}

