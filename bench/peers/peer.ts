/**
 * A benchmark client's WebRTC side: one node-datachannel PeerConnection (native API, not the
 * polyfill: less overhead per message) with its signaling surfaced as promises and callbacks.
 * Pitfalls from ../shared/design/WEBRTC-ENGINE.md that shape this file:
 *  - a native call on a closed connection or channel can abort the whole process, so every call
 *    after close() is skipped here;
 *  - node-datachannel closes a DataChannel whose JS wrapper is garbage-collected, so every channel
 *    stays referenced in `channels` until close();
 *  - found here: after close(), a PeerConnection or DataChannel still holds the event loop open
 *    (until garbage collection) unless JS registered pc.onStateChange / channel.onClosed: those
 *    are what release the native callbacks. A connection closed before it connected (any failed
 *    join) kept the bench process alive. So both are always registered.
 */
import nodeDataChannel, { type DataChannel, type PeerConnection, type Track } from 'node-datachannel';

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
}

/** A local ICE candidate in the shape Janus's `trickle` takes; null once gathering is complete. */
export type LocalCandidate = { candidate: string; sdpMid: string } | null;

const OPEN_TIMEOUT_MS = 10_000;

export class Peer {
  private readonly pc: PeerConnection;
  private readonly channels = new Set<DataChannel>();
  /** Media tracks: closed on close() (a track's native callbacks keep the event loop alive). */
  private readonly tracks = new Set<Track>();
  private readonly descriptions: Jsep[] = [];
  private descriptionWaiter: { resolve: (jsep: Jsep) => void; reject: (error: Error) => void } | null = null;
  private closed = false;

  constructor(name: string, onCandidate: (candidate: LocalCandidate) => void) {
    // No ICE servers: everything is on one machine. libjuice gathers the host's own address (never
    // a loopback one), as it does for Plaza's clients.
    this.pc = new nodeDataChannel.PeerConnection(name, { iceServers: [] });
    this.pc.onLocalDescription((sdp, type) => {
      const jsep = { type: type as Jsep['type'], sdp };
      if (this.descriptionWaiter) this.descriptionWaiter.resolve(jsep);
      else this.descriptions.push(jsep);
      this.descriptionWaiter = null;
    });
    this.pc.onLocalCandidate((candidate, mid) => {
      if (!this.closed) onCandidate({ candidate, sdpMid: mid });
    });
    this.pc.onGatheringStateChange((state) => {
      if (state === 'complete' && !this.closed) onCandidate(null);
    });
    this.pc.onStateChange(() => {}); // see the header: releases the native callbacks on close
  }

  /**
   * The next local description. libdatachannel makes them itself (auto-negotiation): an offer
   * when the first channel is created on a fresh connection, an answer when an offer is set.
   */
  localDescription(): Promise<Jsep> {
    const ready = this.descriptions.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closed) return Promise.reject(new Error('peer connection closed'));
    return new Promise((resolve, reject) => (this.descriptionWaiter = { resolve, reject }));
  }

  setRemoteDescription(jsep: Jsep): void {
    if (!this.closed) this.pc.setRemoteDescription(jsep.sdp, jsep.type);
  }

  /** A candidate the other side gathered (after its description was set here). */
  addRemoteCandidate(candidate: string, mid: string): void {
    if (!this.closed) this.pc.addRemoteCandidate(candidate, mid);
  }

  /** A reliable ordered channel we open (DCEP), kept referenced until close(). */
  createChannel(label: string): DataChannel {
    if (this.closed) throw new Error('peer connection closed');
    const channel = this.pc.createDataChannel(label);
    this.keep(channel);
    return channel;
  }

  /**
   * A sendonly VP8 (payload type 96) video section sending `ssrc`, and the offer for it (the
   * next localDescription()). Packets written to the track must be RTP with that SSRC.
   */
  addVideoSender(ssrc: number): Track {
    if (this.closed) throw new Error('peer connection closed');
    const video = new nodeDataChannel.Video('video', 'SendOnly');
    video.addVP8Codec(96);
    video.addSSRC(ssrc, 'bench');
    const track = this.pc.addTrack(video);
    this.tracks.add(track);
    this.pc.setLocalDescription();
    return track;
  }

  /** Media sections the remote side offers (set before setRemoteDescription). */
  onTrack(cb: (track: Track) => void): void {
    this.pc.onTrack((track) => {
      if (this.closed) return;
      this.tracks.add(track);
      cb(track);
    });
  }

  /**
   * A pre-negotiated channel (no DCEP: the other side never hears of it) that only puts an
   * m=application section in our offer, so the other side can open channels to us on it.
   */
  createPlaceholderChannel(): DataChannel {
    if (this.closed) throw new Error('peer connection closed');
    const channel = this.pc.createDataChannel('placeholder', { negotiated: true, id: 1023 });
    this.keep(channel);
    return channel;
  }

  /** Channels the remote side opens; they arrive open. */
  onChannel(cb: (channel: DataChannel) => void): void {
    this.pc.onDataChannel((channel) => {
      if (this.closed) return;
      this.keep(channel);
      cb(channel);
    });
  }

  private keep(channel: DataChannel): void {
    this.channels.add(channel);
    channel.onClosed(() => this.channels.delete(channel)); // also releases its native callbacks
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.descriptionWaiter?.reject(new Error('peer connection closed'));
    this.descriptionWaiter = null;
    for (const channel of [...this.channels]) channel.close();
    this.channels.clear();
    for (const track of this.tracks) {
      try {
        track.close();
      } catch {
        // already closed with the connection
      }
    }
    this.tracks.clear();
    this.pc.close();
  }
}

/**
 * Resolves when a channel we created opens (libdatachannel fires onOpen once the peer's DCEP ACK
 * arrives), with the performance.now() of that moment. Register right after createChannel(): the
 * callback only fires after the current JS turn, so nothing is missed.
 */
export function channelOpen(channel: DataChannel, timeoutMs = OPEN_TIMEOUT_MS): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`data channel '${channel.getLabel()}' did not open within ${timeoutMs} ms`)), timeoutMs);
    channel.onOpen(() => {
      clearTimeout(timer);
      resolve(performance.now());
    });
    channel.onError((error) => {
      clearTimeout(timer);
      reject(new Error(`data channel '${channel.getLabel()}': ${error}`));
    });
  });
}
