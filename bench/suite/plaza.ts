/**
 * Plaza under benchmark: a `plaza serve` child process. Its data rows are driven by plaza-raw.ts;
 * media here, with @plaza/client's RtpMediaStreamTrack.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, LocalVideoTrack, RtpMediaStreamTrack, type RemoteVideoTrack, type Room } from '@plaza/client';
import { createAccessToken, loadOrCreateCredentials } from '@plaza/server';
import { hostAddress } from './address.js';
import type { ServerProcess } from './driver.js';
import type { MediaDriver, MediaRoom } from './media.js';

export interface PlazaProcess extends ServerProcess {
  signalingUrl: string;
  token(identity: string, room: string): Promise<string>;
}

/** Starts `plaza serve` on free ports in its own process (its CPU is then its own). */
/** `nodeArgs`: extra Node flags for the server process (e.g. --cpu-prof). */
export async function startPlaza(nodeArgs: string[] = []): Promise<PlazaProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'plaza-bench-'));
  const credentials = loadOrCreateCredentials(dataDir, {});
  const args = [...nodeArgs, '--conditions=development', '--import', 'tsx', 'packages/server/src/cli.ts', 'serve'];
  // Media on the same address as Janus's (see address.ts); signaling on 127.0.0.1 for both.
  const media = hostAddress();
  const flags = ['--port', '0', '--rtc-port', '0', '--host', '127.0.0.1', '--rtc-bind', media, '--public-ip', media, '--data-dir', dataDir, '--log-level', 'warn'];
  const child = spawn(process.execPath, [...args, ...flags], { stdio: ['ignore', 'inherit', 'pipe'] });
  const signalingUrl = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const match = /signaling (ws:\/\/\S+?),? /.exec(err);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`plaza serve exited: ${err}`)));
  });
  return {
    name: 'Plaza',
    pid: child.pid!,
    signalingUrl,
    token: (identity, room) => createAccessToken(credentials, { identity, room }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          rmSync(dataDir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
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
