/**
 * Media forwarding, the same way for every server: one publisher sends synthetic 1 Mbps VP8-sized
 * RTP (104 packets/s of 1200 B, a key frame whenever the server asks) to n subscribers; the
 * measure is the server's CPU per forwarded stream while it runs, with the share of packets
 * delivered and the one-way latency (the send time travels in the payload: one clock).
 */
import { cpuSeconds, quantile } from './stats.js';

export const PACKETS_PER_SECOND = 104;
export const PACKET_BYTES = 1200;
/** Where the send time sits in the RTP payload (after the VP8 descriptor and frame header). */
const STAMP_AT = 8;
/** How long every subscriber may take to get its first packet. */
const RECEIVING_TIMEOUT_MS = 30_000;

/** A room with one publisher of synthetic video and n subscribers. */
export interface MediaRoom {
  /** Sends one RTP packet from the publisher (the driver sets SSRC and payload type as it needs). */
  write(packet: Buffer): void;
  /** The server asked the publisher for a key frame. */
  onKeyframeRequest(cb: () => void): void;
  /** Every RTP packet a subscriber receives (header included). */
  onPacket(cb: (subscriber: number, packet: Uint8Array) => void): void;
  close(): Promise<void>;
}

export interface MediaDriver {
  name: string;
  /** Publisher and n subscribers connected; packets written afterwards are forwarded. */
  mediaRoom(n: number): Promise<MediaRoom>;
}

export interface MediaResult {
  cpuPercent: number;
  cpuPerStream: number;
  deliveredPercent: number;
  p50: number;
  p99: number;
}

/** A VP8-sized RTP packet: payload descriptor, a key or inter frame header, then the send time. */
export function vp8Packet(seq: number, keyframe: boolean, ssrc: number): Buffer {
  const p = Buffer.alloc(PACKET_BYTES);
  p[0] = 0x80;
  p[1] = 96;
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE((seq * 900) >>> 0, 4);
  p.writeUInt32BE(ssrc, 8);
  p[12] = 0x10; // VP8 descriptor: start of partition 0
  // VP8 payload header (RFC 6386 §9.1): P bit 0 and the start code 9d 01 2a make a key frame.
  if (keyframe) p.set([0x10, 0x03, 0x00, 0x9d, 0x01, 0x2a], 13);
  else p[13] = 0x31;
  p.writeDoubleBE(performance.now(), 12 + STAMP_AT);
  return p;
}

/** The send time in a received packet (servers may add header extensions: skip the header). */
function sentAt(packet: Uint8Array): number {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  let at = 12 + 4 * (packet[0]! & 0x0f);
  if ((packet[0]! & 0x10) !== 0) at += 4 + 4 * view.getUint16(at + 2);
  return at + STAMP_AT + 8 <= packet.byteLength ? view.getFloat64(at + STAMP_AT) : NaN;
}

const isRtcp = (packet: Uint8Array): boolean => packet[1]! >= 192 && packet[1]! <= 223;

/**
 * Streams for `seconds` once every subscriber receives, and measures `serverPid`'s CPU meanwhile.
 * The stream starts before the subscribers join (they join a live track, as in a call).
 */
export async function measureMedia(driver: MediaDriver, n: number, seconds: number, serverPid: number, ssrc = 0x5eed): Promise<MediaResult> {
  const room = await driver.mediaRoom(n);
  try {
    let seq = 0;
    let keyframeWanted = true;
    room.onKeyframeRequest(() => (keyframeWanted = true));
    const received = new Array<number>(n).fill(0);
    let latencies: number[] = [];
    room.onPacket((subscriber, packet) => {
      if (isRtcp(packet)) return;
      received[subscriber]!++;
      latencies.push(performance.now() - sentAt(packet));
    });
    const started = performance.now();
    let sent = 0;
    const pump = setInterval(() => {
      const due = Math.floor(((performance.now() - started) * PACKETS_PER_SECOND) / 1000);
      for (; sent < due; sent++) {
        room.write(vp8Packet(seq++, keyframeWanted, ssrc));
        keyframeWanted = false;
      }
    }, 2);
    try {
      const deadline = performance.now() + RECEIVING_TIMEOUT_MS;
      while (received.some((count) => count === 0)) {
        if (performance.now() > deadline) throw new Error(`${driver.name} 1 -> ${n}: ${received.filter((c) => c === 0).length} subscribers received nothing`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      received.fill(0);
      latencies = [];
      const sent0 = sent;
      const cpu0 = cpuSeconds(serverPid);
      const t0 = performance.now();
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      const wall = (performance.now() - t0) / 1000;
      const cpuPercent = ((cpuSeconds(serverPid) - cpu0) / wall) * 100;
      const written = sent - sent0;
      clearInterval(pump);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the last packets in flight
      const got = received.reduce((a, b) => a + b, 0);
      const sorted = latencies.filter(Number.isFinite).sort((a, b) => a - b);
      return {
        cpuPercent,
        cpuPerStream: cpuPercent / n,
        deliveredPercent: Math.min(100, (got / (written * n)) * 100),
        p50: quantile(sorted, 0.5),
        p99: quantile(sorted, 0.99),
      };
    } finally {
      clearInterval(pump);
    }
  } finally {
    await room.close();
  }
}
