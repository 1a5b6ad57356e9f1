/**
 * One audio/video m-section of a participant's peer connection and the one node-datachannel Track
 * behind it, for the life of the peer connection.
 *
 * A line can carry media both ways at once. The official SDK recycles any idle transceiver of the
 * right kind when it publishes (twilio-video peerconnection.js takeRecycledTransceiver), including
 * one the server created to send a subscription: that section then becomes sendrecv, with the
 * client's new track going to us on the same mid. libdatachannel has one Track (one message
 * callback) per mid, so the line owns that callback and dispatches: RTP goes to the `receiver` (the
 * forwarder of the publication the client sends here), RTCP goes to both the receiver (the
 * publisher's sender reports) and the `feedback` handler (the subscriber's PLI/NACK about what we
 * send here).
 *
 * Server lines are created once as sendrecv with their codec and a small pool of SSRCs, and never
 * closed or re-described: what the client is told (direction, msid, the SSRC in use) is written
 * into each SDP we send (see PeerEndpoint and shapeSections), because re-describing a Track means a
 * second node-datachannel wrapper whose garbage collection closes the shared native track. All the
 * pool's SSRCs are in libdatachannel's description so the subscriber's RTCP about any of them is
 * routed to this line. Each subscription on a reused line takes the next SSRC: Chromium does not
 * render a receiver that comes back from inactive with the same SSRC (it decodes, but its track
 * delivers no frames; seen with the official SDK). Each SSRC keeps its own rewriter, so every
 * outgoing stream stays continuous (RFC 3550 §5.1) across the sources it carries.
 */
import type { Track } from 'node-datachannel';
import { isRtcp, RetransmissionBuffer, RtpRewriter } from './rtp/index.js';

export type MediaKind = 'audio' | 'video';

/** What the client sends on a line: a publication's forwarder. */
export interface MediaReceiver {
  rtp(packet: Buffer): void;
  rtcp(packet: Buffer): void;
}

/** The subscription a server line carries: its msid, as the subscriber's `subscribed` names it. */
export interface OutgoingTrack {
  streamId: string;
  trackId: string;
}

export interface ServerLineOptions {
  /** The SSRCs the line takes in turn, one per subscription (see above). */
  ssrcs: readonly number[];
  payloadType: number;
}

interface OutgoingStream {
  readonly ssrc: number;
  readonly rewriter: RtpRewriter;
  readonly rtx: RetransmissionBuffer;
}

const RETRANSMISSION_SLOTS = 512;

export class MediaLine {
  /** Who gets what the client sends here; null drops it. */
  receiver: MediaReceiver | null = null;
  /** Who gets the client's RTCP about what we send here; null drops it. */
  feedback: ((rtcp: Buffer) => void) | null = null;
  /** Server lines: the subscription sent here, or null while the line is idle. */
  outgoing: OutgoingTrack | null = null;
  /**
   * Server lines: idle and negotiated as such, so a new subscription may take it. A line freed in the
   * current negotiation round is not reusable yet: the client would see the msid change on a live
   * receiver and fire no new `track` event.
   */
  reusable = false;
  private readonly streams: OutgoingStream[];
  private current = 0;
  private readonly openListeners = new Set<() => void>();
  private closed = false;

  constructor(
    readonly mid: string,
    readonly kind: MediaKind,
    readonly origin: 'client' | 'server',
    private readonly track: Track,
    server?: ServerLineOptions,
  ) {
    const clockRate = kind === 'video' ? 90_000 : 48_000;
    this.streams = (server?.ssrcs ?? []).map((ssrc) => ({
      ssrc,
      rewriter: new RtpRewriter(ssrc, server!.payloadType, clockRate),
      rtx: new RetransmissionBuffer(RETRANSMISSION_SLOTS),
    }));
    track.onMessage((packet) => this.dispatch(packet));
    track.onOpen(() => {
      for (const listener of [...this.openListeners]) listener();
    });
  }

  /** Server lines: the SSRC of the current outgoing stream. */
  get ssrc(): number | null {
    return this.streams[this.current]?.ssrc ?? null;
  }

  /** Server lines: the rewriter of the current outgoing stream. */
  get rewriter(): RtpRewriter | null {
    return this.streams[this.current]?.rewriter ?? null;
  }

  /** Server lines: what the current stream sent recently, by outgoing sequence number, for NACKs. */
  get rtx(): RetransmissionBuffer | null {
    return this.streams[this.current]?.rtx ?? null;
  }

  /** Server lines: the next subscription goes out under the pool's next SSRC. */
  nextStream(): void {
    if (this.streams.length > 0) this.current = (this.current + 1) % this.streams.length;
  }

  isOpen(): boolean {
    if (this.closed) return false;
    try {
      return this.track.isOpen();
    } catch {
      return false;
    }
  }

  /** Sends one RTP or RTCP packet; false when it could not go (not open, or closed under us). */
  sendPacket(packet: Buffer): boolean {
    if (!this.isOpen()) return false;
    try {
      return this.track.sendMessageBinary(packet);
    } catch {
      // the transport closed between the check and the send; the room cleans up
      return false;
    }
  }

  /** Calls `listener` each time the line's transport opens; returns the unsubscribe function. */
  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.receiver = null;
    this.feedback = null;
    this.openListeners.clear();
    try {
      this.track.close();
    } catch {
      // closed with the peer connection
    }
  }

  private dispatch(packet: Buffer): void {
    if (this.closed) return;
    if (isRtcp(packet)) {
      this.feedback?.(packet);
      this.receiver?.rtcp(packet);
    } else {
      this.receiver?.rtp(packet);
    }
  }
}
