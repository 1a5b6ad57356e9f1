/**
 * A minimal media participant for benchmarks: raw RSP signaling over `ws` and a native
 * node-datachannel peer connection. A publisher sends synthetic VP8-sized RTP (the payload carries
 * a send timestamp); a subscriber counts what arrives and measures one-way latency (same clock).
 */
import { randomUUID } from 'node:crypto';
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import { WebSocket } from 'ws';

interface Msg {
  type: string;
  body?: { type?: string; peer_connections?: Array<{ id: string; description?: { type: string; revision: number; sdp: string } }>; [k: string]: unknown };
}

function gathered(pc: PeerConnection): Promise<void> {
  return new Promise((resolve) => {
    const tick = (): void => (pc.gatheringState() === 'complete' ? resolve() : void setTimeout(tick, 2));
    tick();
  });
}

export class RtpBot {
  readonly pc: PeerConnection;
  private ws!: WebSocket;
  private session = '';
  private readonly pcId = randomUUID();
  readonly latencies: number[] = [];
  received = 0;
  opened = 0;
  any = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly early: Msg[] = [];

  private constructor(readonly identity: string) {
    // forceMediaTransport: a subscriber bot starts data-only and its media sections arrive later in
    // server offers; libdatachannel would otherwise set up a DTLS transport without SRTP and they
    // would never open.
    this.pc = new nodeDataChannel.PeerConnection(identity, { iceServers: [], forceMediaTransport: true });
  }

  private async signal(url: string, token: string, room: string, tracks: object[]): Promise<Msg> {
    await gathered(this.pc);
    const offer = this.pc.localDescription();
    this.ws = new WebSocket(url);
    await new Promise((r) => this.ws.once('open', r));
    const connected = new Promise<Msg>((resolve, reject) => {
      this.ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as Msg;
        if (msg.type !== 'msg' || !msg.body) return;
        if (msg.body.type === 'connected') resolve(msg);
        else if (msg.body.type === 'error') reject(new Error(JSON.stringify(msg.body)));
        else if (this.session) this.onUpdate(msg);
        else this.early.push(msg); // a server offer can arrive before we applied its answer
      });
    });
    this.ws.send(
      JSON.stringify({
        type: 'hello', id: randomUUID(), version: 2, timeout: 5000,
        body: { type: 'connect', version: 2, name: room, token, participant: { revision: 1, tracks }, peer_connections: [{ id: this.pcId, description: { type: 'offer', revision: 1, sdp: offer?.sdp } }] },
      }),
    );
    const msg = await connected;
    this.session = String(msg.body?.session);
    const answer = msg.body?.peer_connections?.[0]?.description;
    if (answer) this.pc.setRemoteDescription(answer.sdp, 'answer');
    for (const early of this.early.splice(0)) this.onUpdate(early);
    this.heartbeat = setInterval(() => this.ws.send(JSON.stringify({ type: 'heartbeat' })), 2000);
    return msg;
  }

  /** Server offers (subscriptions): answer with the same revision. */
  private onUpdate(msg: Msg): void {
    for (const pc of msg.body?.peer_connections ?? []) {
      const d = pc.description;
      if (d?.type !== 'offer') continue;
      this.pc.setRemoteDescription(d.sdp, 'offer');
      void gathered(this.pc).then(() => {
        const answer = this.pc.localDescription();
        this.ws.send(JSON.stringify({ type: 'msg', body: { type: 'update', version: 2, session: this.session, peer_connections: [{ id: this.pcId, description: { type: 'answer', revision: d.revision, sdp: answer?.sdp } }] } }));
      });
    }
  }

  static async publisher(url: string, token: string, room: string): Promise<{ bot: RtpBot; track: Track }> {
    const bot = new RtpBot(`pub-${randomUUID().slice(0, 8)}`);
    const trackId = randomUUID();
    const video = new nodeDataChannel.Video('0', 'SendOnly');
    video.addVP8Codec(96);
    video.addSSRC(0x1234, 'bot', 'bot-stream', trackId);
    const track = bot.pc.addTrack(video);
    bot.pc.setLocalDescription();
    await bot.signal(url, token, room, [{ id: trackId, kind: 'video', name: 'synthetic', enabled: true, priority: 'standard' }]);
    await new Promise<void>((resolve) => (track.isOpen() ? resolve() : track.onOpen(() => resolve())));
    return { bot, track };
  }

  static async subscriber(url: string, token: string, room: string): Promise<RtpBot> {
    const bot = new RtpBot(`sub-${randomUUID().slice(0, 8)}`);
    // A data channel gives the first offer a transport; media sections come from the server.
    bot.pc.createDataChannel('bench');
    bot.pc.onTrack((track) => {
      track.onOpen(() => bot.opened++);
      track.onMessage((packet) => {
        bot.any++;
        if (packet.length < 40 || (packet[1]! >= 192 && packet[1]! <= 223)) return; // RTCP (RFC 5761)
        bot.received++;
        bot.latencies.push(performance.timeOrigin + performance.now() - packet.readDoubleBE(20));
      });
    });
    await bot.signal(url, token, room, []);
    return bot;
  }

  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    try {
      this.ws.send(JSON.stringify({ type: 'msg', body: { type: 'disconnect', version: 2, session: this.session } }));
      this.ws.close();
    } catch {
      // already closed
    }
    this.pc.close();
  }
}

/**
 * A synthetic VP8 stream: keyframe-shaped first packet, then 1200-byte packets, the send time
 * (ms since the epoch, float) at payload offset 8 (RTP header 12 + VP8 descriptor 1 + ...).
 */
export function vp8Packet(seq: number, timestamp: number, keyframe: boolean, size = 1200): Buffer {
  const p = Buffer.alloc(size);
  p[0] = 0x80;
  p[1] = 96;
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE(timestamp >>> 0, 4);
  p.writeUInt32BE(0x1234, 8);
  // VP8 payload descriptor: S=1, PID=0; payload header P bit 0 = keyframe, then start code.
  p[12] = 0x10;
  p[13] = keyframe ? 0x50 : 0x51;
  p[14] = 0x34;
  p[15] = 0x12;
  p[16] = 0x9d;
  p[17] = 0x01;
  p[18] = 0x2a;
  p.writeDoubleBE(performance.timeOrigin + performance.now(), 20);
  return p;
}
