/** Joining @plaza/client participants to a test server, and leaving them all at the end. */
import { connect, type DataChannelMessage, type DataChannelReceiver, type Room } from '@plaza/client';
import { waitFor, type TestServer } from './server.js';

export interface Rooms {
  join(identity: string, room: string): Promise<Room>;
  /** Joins everyone in order and waits until each sees all the others. */
  joinAll(room: string, ...identities: string[]): Promise<Room[]>;
  disconnectAll(): void;
}

export function roomsOn(server: () => TestServer): Rooms {
  const open: Room[] = [];
  const join = async (identity: string, room: string): Promise<Room> => {
    const srv = server();
    const r = await connect(await srv.token(identity, room), { name: room, wsServer: srv.signalingUrl, tracks: [] });
    open.push(r);
    return r;
  };
  return {
    join,
    async joinAll(room, ...identities) {
      const rooms: Room[] = [];
      for (const identity of identities) rooms.push(await join(identity, room));
      await waitFor(() => rooms.every((r) => r.participants.size === identities.length - 1), 'everyone sees everyone');
      return rooms;
    },
    disconnectAll() {
      for (const r of open.splice(0)) r.disconnect();
    },
  };
}

/** Every DataChannel session `room` receives from now on: its receivers, their messages, closes and progress events. */
export function sessionsOf(room: Room) {
  const got = { receivers: [] as DataChannelReceiver[], messages: [] as DataChannelMessage[], closed: 0, progress: 0 };
  room.dataChannel.on('dataChannelReceiverCreated', (receiver) => {
    got.receivers.push(receiver);
    receiver.on('message', (m) => got.messages.push(m));
    receiver.on('close', () => got.closed++);
    receiver.on('progress', () => got.progress++);
  });
  return got;
}
