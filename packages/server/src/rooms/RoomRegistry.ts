/**
 * The rooms in progress, by name. Signaling creates a room by name on first connect (ad-hoc, with
 * the defaults below); the REST API creates them explicitly with settings. Both share one
 * lifecycle, in Room. Listeners of `roomCreated` (history, status callbacks) see every room.
 */
import { EventEmitter } from 'node:events';
import { ErrorCode, newSid, PlazaError, type RoomSid } from '@plaza/protocol';
import type { Logger } from '../log.js';
import { Room, type RoomSettings } from './Room.js';

export interface RoomRegistryOptions {
  emptyRoomTimeoutMs: number;
  relayQueueLimitBytes: number;
  /** Largest DataChannel session message relayed. Default MAX_MESSAGE_BYTES. */
  dataMaxMessageBytes?: number;
  log: Logger;
}

/** Twilio's defaults (REST-API.md), except that a room made by a join has no participant limit. */
export function defaultRoomSettings(emptyRoomTimeoutMs: number): RoomSettings {
  return {
    type: 'group',
    maxParticipants: 0,
    maxParticipantDurationS: 14_400,
    emptyRoomTimeoutMs,
    unusedRoomTimeoutMs: 5 * 60_000,
    statusCallback: null,
    statusCallbackMethod: 'POST',
    recordParticipantsOnConnect: false,
    videoCodecs: ['VP8'],
    mediaRegion: null,
    audioOnly: false,
    largeRoom: false,
  };
}

export class RoomRegistry extends EventEmitter<{ roomCreated: [Room] }> {
  private readonly byName = new Map<string, Room>();
  private readonly bySid = new Map<string, Room>();

  constructor(private readonly options: RoomRegistryOptions) {
    super();
  }

  get size(): number {
    return this.byName.size;
  }

  get(name: string): Room | undefined {
    return this.byName.get(name);
  }

  /** A room in progress by SID or by name. */
  find(sidOrName: string): Room | undefined {
    return this.bySid.get(sidOrName) ?? this.byName.get(sidOrName);
  }

  /** The room a join names, created ad hoc with the defaults if none is in progress. */
  getOrCreate(name: string): Room {
    return this.byName.get(name) ?? this.add(name, defaultRoomSettings(this.options.emptyRoomTimeoutMs));
  }

  /**
   * A room created by the REST API; 53113 if one with that name is in progress. Without a name the
   * room is named by its SID (Twilio does the same).
   */
  create(name: string | null, settings: RoomSettings): Room {
    if (name !== null && this.byName.has(name)) throw PlazaError.of(ErrorCode.RoomExists);
    const sid = newSid('RM');
    return this.add(name ?? sid, settings, sid);
  }

  private add(name: string, settings: RoomSettings, sid: RoomSid = newSid('RM')): Room {
    const { relayQueueLimitBytes, dataMaxMessageBytes, log } = this.options;
    const room = new Room(name, { sid, settings, relayQueueLimitBytes, dataMaxMessageBytes, log });
    this.byName.set(name, room);
    this.bySid.set(room.sid, room);
    room.once('ended', () => {
      if (this.byName.get(name) === room) this.byName.delete(name);
      this.bySid.delete(room.sid);
    });
    this.options.log.info({ room: room.sid, roomName: name }, 'room created');
    this.emit('roomCreated', room);
    return room;
  }

  rooms(): IterableIterator<Room> {
    return this.byName.values();
  }

  endAll(reason: 'server-shutdown'): void {
    for (const room of [...this.byName.values()]) room.end(reason);
  }
}
