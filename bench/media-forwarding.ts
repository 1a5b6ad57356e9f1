/**
 * Media forwarding numbers (issue 3). Not a test: prints a table.
 *   node --conditions=development --import tsx bench/media-forwarding.ts [--quick] [--in-process] [--n1|--n10|--n50]
 *   (--n1 / --n10 / --n50 run only that fan-out)
 * One publisher sends 1 Mbps of VP8-sized RTP (~104 packets/s of 1200 B) through a `plaza serve` child
 * process to N subscribers in this process, all @plaza/client participants with RtpMediaStreamTrack
 * (real WebRTC, node-datachannel). Reports the server's CPU (from /proc, user+system) per forwarded
 * stream, the one-way latency publisher -> server -> subscriber (the payload carries the send time;
 * one clock), how much was delivered, and how long a new subscriber waits from connect() to its first
 * packet (the server makes each new video leg start at a key frame, asked of the publisher).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, LocalVideoTrack, RtpMediaStreamTrack, type RemoteVideoTrack, type Room } from '@plaza/client';
import { createAccessToken, loadOrCreateCredentials, PlazaServer } from '@plaza/server';
import { startPlazaChild } from './plaza-child.js';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 3 : 8;
const PACKETS_PER_SECOND = 104;
const PACKET_SIZE = 1200;
const dataDir = mkdtempSync(path.join(tmpdir(), 'plaza-media-bench-'));
const credentials = loadOrCreateCredentials(dataDir, {});
const CLK_TCK = 100;

function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

const now = (): number => performance.timeOrigin + performance.now();

/** A VP8-sized RTP packet: payload descriptor, a key or inter frame header, then the send time. */
function vp8Packet(seq: number, keyframe: boolean): Buffer {
  const p = Buffer.alloc(PACKET_SIZE);
  p[0] = 0x80;
  p[1] = 96;
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE((seq * 900) >>> 0, 4);
  p[12] = 0x10; // VP8 descriptor: start of partition 0
  // VP8 payload header (RFC 6386 §9.1): P bit 0 and the start code 9d 01 2a make a key frame.
  if (keyframe) p.set([0x10, 0x03, 0x00, 0x9d, 0x01, 0x2a], 13);
  else p[13] = 0x31;
  p.writeDoubleBE(now(), 20);
  return p;
}

// --in-process runs the server here and reports this whole process's CPU (server + clients), an upper
// bound on the server's; the default measures the `plaza serve` child alone.
const inProcess = process.argv.includes('--in-process');
const server = inProcess
  ? await PlazaServer.start({ port: 0, rtcPort: 0, host: '127.0.0.1', rtcBind: '127.0.0.1', dataDir, logLevel: 'warn' })
  : null;
const child = inProcess ? null : await startPlazaChild(dataDir);
const url = server ? server.signalingUrl : child!.url;

interface Subscriber {
  room: Room;
  received: number;
  latencies: number[];
  firstPacketMs: number | null;
}

async function subscribe(roomName: string, identity: string): Promise<Subscriber> {
  const started = now();
  const token = await createAccessToken(credentials, { identity, room: roomName });
  const room = await connect(token, { name: roomName, wsServer: url, tracks: [] });
  const sub: Subscriber = { room, received: 0, latencies: [], firstPacketMs: null };
  room.on('trackSubscribed', (track: RemoteVideoTrack) => {
    if (track.kind !== 'video') return;
    (track.mediaStreamTrack as unknown as RtpMediaStreamTrack).addEventListener('rtp', ({ data }) => {
      const at = now();
      sub.firstPacketMs ??= at - started;
      sub.received++;
      sub.latencies.push(at - Buffer.from(data.buffer, data.byteOffset, data.length).readDoubleBE(20));
    });
  });
  return sub;
}

const quantile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const fanouts = process.argv.includes('--n50') ? [50] : process.argv.includes('--n10') ? [10] : process.argv.includes('--n1') ? [1] : [1, 10, 50];
const rows: string[] = [];
const firstPackets: number[] = [];
for (const n of fanouts) {
  const roomName = `media-${n}`;
  const publisher = await connect(await createAccessToken(credentials, { identity: 'pub', room: roomName }), { name: roomName, wsServer: url, tracks: [] });
  const source = new RtpMediaStreamTrack('video');
  let seq = 0;
  let keyframeWanted = true;
  source.addEventListener('keyframerequest', () => (keyframeWanted = true));
  const send = (): void => {
    if (source.writeRtp(vp8Packet(seq, keyframeWanted))) {
      seq++;
      keyframeWanted = false;
    }
  };
  // A steady stream from the start: subscribers join a live track, as they would in a call.
  const started = performance.now();
  let sent = 0;
  const pump = setInterval(() => {
    const due = Math.floor(((performance.now() - started) * PACKETS_PER_SECOND) / 1000);
    while (sent < due) {
      send();
      sent++;
    }
  }, 2);
  await publisher.localParticipant.publishTrack(new LocalVideoTrack(source, { name: 'synthetic' }));
  const subs: Subscriber[] = [];
  for (let i = 0; i < n; i++) subs.push(await subscribe(roomName, `sub${i}`));
  const deadline = Date.now() + 20_000;
  while (subs.some((s) => s.received === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const receiving = subs.filter((s) => s.received > 0).length;
  if (receiving < n) console.error(`1 -> ${n}: only ${receiving}/${n} subscribers receiving after 20 s`);
  firstPackets.push(...subs.flatMap((s) => (s.firstPacketMs === null ? [] : [s.firstPacketMs])));
  for (const s of subs) {
    s.latencies.length = 0;
    s.received = 0;
  }
  const seq0 = seq;
  const cpu0 = cpuSeconds(child?.pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(child?.pid) - cpu0;
  const written = seq - seq0;
  await new Promise((r) => setTimeout(r, 200)); // the last packets in flight
  const got = subs.reduce((x, s) => x + s.received, 0);
  const lat = subs.flatMap((s) => s.latencies).sort((a, b) => a - b);
  rows.push(`| 1 -> ${n} | ${((cpu / wall) * 100).toFixed(1)} % | ${(((cpu / wall) * 100) / n).toFixed(2)} % | ${quantile(lat, 0.5).toFixed(2)} / ${quantile(lat, 0.99).toFixed(2)} ms | ${Math.min(100, (got / (written * n)) * 100).toFixed(1)} % |`);
  clearInterval(pump);
  for (const s of subs) s.room.disconnect();
  publisher.disconnect();
  await new Promise((r) => setTimeout(r, 500));
}
firstPackets.sort((a, b) => a - b);
console.log(`\nsynthetic 1 Mbps VP8-sized RTP, ${SECONDS} s per row, CPU = one core's % of ${inProcess ? 'this whole process (server + clients)' : 'the server process'}\n`);
console.log('| fan-out | server CPU | CPU per forwarded stream | one-way latency p50 / p99 | delivered |\n|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log(`\nnew subscriber, connect() to its first packet (a key frame): p50 ${quantile(firstPackets, 0.5).toFixed(0)} ms, p95 ${quantile(firstPackets, 0.95).toFixed(0)} ms (${firstPackets.length} subscribers)`);
await child?.stop();
await server?.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
