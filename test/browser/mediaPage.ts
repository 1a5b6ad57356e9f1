/**
 * Page-side helpers for the audio/video tests with the official SDK: join a room with fake devices,
 * attach every subscribed track (so frames are decoded), and read what arrived.
 * (No named functions, not even `const f = () => ...`, in page code: tsx's esbuild would wrap them
 * in a __name helper the page lacks.)
 */
import type { Page } from 'playwright-core';

export interface MediaLog {
  subscribed: Array<{ from: string; kind: string }>;
  events: string[];
}

export interface JoinOptions {
  audio?: boolean;
  video?: boolean;
}

/**
 * Connects the page (from openTwilioPage) to `room`, publishing the fake camera (640x480) and
 * microphone unless told otherwise. The page's RTCPeerConnections are kept in `plazaPcs` for
 * {@link peerConnectionFacts}.
 */
export async function joinTwilioRoom(page: Page, token: string, wsServer: string, room: string, options: JoinOptions = {}): Promise<Page> {
  await page.evaluate(
    async ({ token, wsServer, room, audio, video }) => {
      const pcs = new Set<RTCPeerConnection>();
      const apply = RTCPeerConnection.prototype.setRemoteDescription;
      RTCPeerConnection.prototype.setRemoteDescription = function (this: RTCPeerConnection, ...args: Parameters<typeof apply>) {
        pcs.add(this);
        return apply.apply(this, args);
      } as typeof apply;
      const Video = window.Twilio.Video;
      const log: MediaLog = { subscribed: [], events: [] };
      const r = await Video.connect(token, { wsServer, insights: false, name: room, audio, video: video ? { width: 640, height: 480 } : false } as never);
      r.on('trackSubscribed', (t, _pub, p) => {
        if (t.kind === 'data') return;
        log.subscribed.push({ from: p.identity, kind: t.kind });
        const el = (t as unknown as { attach(): HTMLMediaElement }).attach();
        el.dataset.from = p.identity;
        el.dataset.kind = t.kind;
        el.muted = true;
        el.dataset.subscribedAt = String(performance.now());
        if (el instanceof HTMLVideoElement) {
          el.requestVideoFrameCallback(() => (el.dataset.firstFrameAt = String(performance.now())));
          // A resubscription replaces the previous element of the same publisher.
          document.querySelector(`video[data-from="${p.identity}"]`)?.remove();
        }
        document.body.appendChild(el);
      });
      r.on('trackDisabled', (t, p) => log.events.push(`disabled:${p.identity}:${t.kind}`));
      r.on('trackEnabled', (t, p) => log.events.push(`enabled:${p.identity}:${t.kind}`));
      r.on('trackUnsubscribed', (t, _pub, p) => log.events.push(`unsubscribed:${p.identity}:${t.kind}`));
      r.on('participantDisconnected', (p) => log.events.push(`left:${p.identity}`));
      Object.assign(window, { plazaLog: log, plazaRoom: r, plazaPcs: pcs });
    },
    { token, wsServer, room, audio: options.audio ?? true, video: options.video ?? true },
  );
  return page;
}

export const logOf = (page: Page): Promise<MediaLog> => page.evaluate(() => (window as unknown as { plazaLog: MediaLog }).plazaLog);

/** Decoded video frames, size, and received bytes/packets for the remote tracks of `from`. */
export async function remoteStats(page: Page, from: string) {
  return page.evaluate(async (from) => {
    const video = document.querySelector<HTMLVideoElement>(`video[data-from="${from}"]`);
    const room = (window as unknown as { plazaRoom: { getStats(): Promise<Array<{ remoteVideoTrackStats: Array<{ bytesReceived: number }>; remoteAudioTrackStats: Array<{ packetsReceived: number }> }>> } }).plazaRoom;
    const [report] = await room.getStats();
    return {
      width: video?.videoWidth ?? 0,
      height: video?.videoHeight ?? 0,
      frames: video?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
      videoBytes: report?.remoteVideoTrackStats.reduce((n, s) => n + (s.bytesReceived ?? 0), 0) ?? 0,
      audioPackets: report?.remoteAudioTrackStats.reduce((n, s) => n + (s.packetsReceived ?? 0), 0) ?? 0,
      at: performance.now(),
    };
  }, from);
}

/** What the page's peer connection negotiated: m-section counts, senders' mids, sender reports received. */
export async function peerConnectionFacts(page: Page) {
  return page.evaluate(async () => {
    const [pc] = [...(window as unknown as { plazaPcs: Set<RTCPeerConnection> }).plazaPcs].filter((p) => p.connectionState !== 'closed');
    if (!pc) throw new Error('no open peer connection');
    const sendingMids = pc
      .getTransceivers()
      .filter((t) => t.sender.track && (t.currentDirection === 'sendrecv' || t.currentDirection === 'sendonly'))
      .map((t) => ({ mid: t.mid, kind: t.sender.track!.kind }));
    // remote-outbound-rtp: what the sender reports we received say (RFC 3550 SR), per kind.
    const senderReports: Record<string, number> = {};
    (await pc.getStats()).forEach((s: { type: string; kind?: string; reportsSent?: number }) => {
      if (s.type === 'remote-outbound-rtp' && s.kind) senderReports[s.kind] = (senderReports[s.kind] ?? 0) + (s.reportsSent ?? 0);
    });
    const localSections = (pc.localDescription?.sdp.match(/^m=/gm) ?? []).length;
    const remoteSections = (pc.remoteDescription?.sdp.match(/^m=/gm) ?? []).length;
    return { localSections, remoteSections, sendingMids, senderReports };
  });
}
