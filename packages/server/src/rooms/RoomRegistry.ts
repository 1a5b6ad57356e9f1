/**
 * Rooms by name. Signaling creates a room by name on first connect; the REST API will create them
 * explicitly and reuse the same lifecycle (empty-room timeout lives in Room).
 */
import type { Logger } from '../log.js';
import { Room } from './Room.js';

export interface RoomRegistryOptions {
  emptyRoomTimeoutMs: number;
  relayQueueLimitBytes: number;
  log: Logger;
}

export class RoomRegistry {
  private readonly byName = new Map<string, Room>();

  constructor(private readonly options: RoomRegistryOptions) {}

  get size(): number {
    return this.byName.size;
  }

  get(name: string): Room | undefined {
    return this.byName.get(name);
  }

  getOrCreate(name: string): Room {
    const existing = this.byName.get(name);
    if (existing) return existing;
    const room = new Room(name, this.options);
    this.byName.set(name, room);
    room.once('ended', () => {
      if (this.byName.get(name) === room) this.byName.delete(name);
    });
    this.options.log.info({ room: room.sid, roomName: name }, 'room created');
    return room;
  }

  rooms(): IterableIterator<Room> {
    return this.byName.values();
  }

  endAll(reason: 'server-shutdown'): void {
    for (const room of [...this.byName.values()]) room.end(reason);
  }
}
