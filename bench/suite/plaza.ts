/**
 * Plaza under benchmark: a `plaza serve` child process. Its data rows are driven by plaza-raw.ts;
 * media here, with @plaza/client's RtpMediaStreamTrack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, LocalVideoTrack, RtpMediaStreamTrack, type RemoteVideoTrack, type Room } from '@plaza/client';
import { createAccessToken, loadOrCreateCredentials } from '@plaza/server';
import { startPlazaChild } from '../plaza-child.js';
import { hostAddress } from './address.js';
import type { ServerProcess } from './driver.js';
import type { MediaDriver, MediaRoom } from './media.js';

export interface PlazaProcess extends ServerProcess {
  signalingUrl: string;
  token(identity: string, room: string): Promise<string>;
}

/**
 * Starts `plaza serve` on free ports in its own process (its CPU is then its own), with a fresh
 * data directory and the credentials to sign its tokens. `nodeArgs`: extra Node flags (--cpu-prof).
 */
export async function startPlaza(nodeArgs: string[] = []): Promise<PlazaProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'plaza-bench-'));
  const credentials = loadOrCreateCredentials(dataDir, {});
  // Media on the same address as Janus's (see address.ts); signaling on 127.0.0.1 for both.
  const child = await startPlazaChild(dataDir, { nodeArgs, mediaAddress: hostAddress() });
  return {
    name: 'Plaza',
    pid: child.pid,
    signalingUrl: child.url,
    token: (identity, room) => createAccessToken(credentials, { identity, room }),
    stop: async () => {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let roomCounter = 0;

/** Plaza audio/video forwarding: a Node publisher's RtpMediaStreamTrack, subscribed by everyone. */
export function plazaMediaDriver(plaza: PlazaProcess): MediaDriver {
  const join = async (room: string, identity: string): Promise<Room> => connect(await plaza.token(identity, room), { name: room, wsServer: plaza.signalingUrl, tracks: [] });
  return {
    name: 'Plaza',
    async mediaRoom(n: number): Promise<MediaRoom> {
      const name = `media-${++roomCounter}`;
      const rooms: Room[] = [];
      const source = new RtpMediaStreamTrack('video');
      let deliver: (subscriber: number, packet: Uint8Array) => void = () => {};
      try {
        const publisher = await join(name, 'pub');
        rooms.push(publisher);
        await publisher.localParticipant.publishTrack(new LocalVideoTrack(source, { name: 'synthetic' }));
        for (let i = 0; i < n; i++) {
          const room = await join(name, `sub${i}`);
          rooms.push(room);
          room.on('trackSubscribed', (track: RemoteVideoTrack) => {
            if (track.kind !== 'video') return;
            (track.mediaStreamTrack as unknown as RtpMediaStreamTrack).addEventListener('rtp', ({ data }) => deliver(i, data));
          });
        }
      } catch (error) {
        for (const room of rooms) room.disconnect();
        throw error;
      }
      return {
        write: (packet) => void source.writeRtp(packet),
        onKeyframeRequest: (cb) => source.addEventListener('keyframerequest', cb),
        onPacket(cb) {
          deliver = cb;
        },
        async close() {
          for (const room of rooms) room.disconnect();
        },
      };
    },
  };
}
