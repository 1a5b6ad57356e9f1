/**
 * One participant's WebRTC connection on the server: a node-datachannel PeerConnection sharing the
 * server's single UDP port (libjuice's UDP mux). It answers the client's offers, makes its own
 * offers when the server adds something (e.g. the first data channel for a client whose SDP has no
 * m=application yet), and keeps the per-peer-connection description revision that RSP uses
 * (SIGNALING.md §4, twilio-video lib/signaling/v2/peerconnection.js).
 *
 * Every native call is guarded: a misuse of node-datachannel aborts the process instead of
 * throwing (WEBRTC-ENGINE.md), so nothing here calls into it after close().
 */
import { EventEmitter } from 'node:events';
import nodeDataChannel, { type DataChannel, type PeerConnection, type Track } from 'node-datachannel';
import { randomInt } from 'node:crypto';
import { ErrorCode, PlazaError, type IceState, type ServerPeerConnectionState } from '@plaza/protocol';
import type { Logger } from '../log.js';
import { MediaLine, type MediaKind } from './MediaLine.js';
import { announceCandidate, answerDirection, HIDDEN_DATA_MID, keepOnlyForwardedCodecs, parseMediaSections, shapeSections, stripUnsupported, unifyDtlsRole, withHiddenDataSection, withoutSection, type MediaSection, type SectionPlan } from './Sdp.js';

export interface RtcNetworkOptions {
  /** The UDP port every peer connection shares. */
  rtcPort: number;
  /** Interface the UDP port binds. */
  rtcBind: string;
  /** The one address announced in our ICE candidates. */
  publicIp: string;
}

export interface DataChannelReliability {
  ordered: boolean;
  maxPacketLifeTime: number | null;
  maxRetransmits: number | null;
}

export type PeerEndpointEvents = {
  /** The client opened a data channel (a DataTrack it publishes). */
  dataChannel: [channel: DataChannel];
  /**
   * An m-section the client may send media to us on (a track it publishes), with its parsed
   * section; again whenever a description names something new on it (the SDK reuses transceivers).
   */
  track: [line: MediaLine, section: MediaSection | undefined];
  /** A server-side change needs negotiation: send this offer to the client. */
  description: [state: ServerPeerConnectionState];
  /** The transport failed or closed from the network side. */
  failed: [reason: string];
};

const GATHER_TIMEOUT_MS = 2_000;
/** Payload types the server offers subscribers (it rewrites each publisher's own to these). */
export const VP8_PAYLOAD_TYPE = 96;
export const OPUS_PAYLOAD_TYPE = 111;
/** SSRCs a server line takes in turn, one per subscription it carries (see MediaLine). */
const SSRCS_PER_LINE = 4;

export class PeerEndpoint extends EventEmitter<PeerEndpointEvents> {
  /** Native peer connections alive in this process (leak checks, /healthz). */
  static liveCount = 0;
  private readonly pc: PeerConnection;
  private closed = false;
  /** Last description revision either side used (RSP shares one counter per peer connection). */
  private revision = 0;
  /** Revision of our outstanding offer, if any. */
  private pendingOfferRevision: number | null = null;
  private answeredOnce = false;
  private readonly appliedCandidates = new Set<string>();
  private remoteUfrag: string | null = null;
  /** m-sections of the client's last applied description (mid -> msid for its media). */
  remoteSections: MediaSection[] = [];
  /** Every audio/video m-section by mid: the client's and the server's (reused, so the SDP stays bounded). */
  private readonly lines = new Map<string, MediaLine>();
  /** Server lines that were idle in our outstanding offer: reusable once it is answered. */
  private idleInOffer: MediaLine[] = [];
  /**
   * Client sections libdatachannel created not receiving (first offered recvonly: the SDK's
   * offerToReceive sections), by mid, until re-described to receive when the client sends on them.
   */
  private readonly notReceiving = new Set<string>();
  /** Every mid the client has offered (its sections; server lines are in `lines`). */
  private readonly clientMids = new Set<string>();
  /** Extra node-datachannel wrappers of re-described tracks: collecting one would close the track. */
  private readonly retained: Track[] = [];
  private negotiationQueued = false;
  private nextMid = 0;

  constructor(
    readonly id: string,
    private readonly net: RtcNetworkOptions,
    private readonly log: Logger,
  ) {
    super();
    this.pc = new nodeDataChannel.PeerConnection(id, {
      iceServers: [],
      enableIceUdpMux: true,
      portRangeBegin: net.rtcPort,
      portRangeEnd: net.rtcPort,
      bindAddress: net.rtcBind,
    });
    PeerEndpoint.liveCount++;
    this.pc.onDataChannel((channel) => {
      if (!this.closed) this.emit('dataChannel', channel);
    });
    this.pc.onLocalDescription((sdp, type) => this.onLocalDescription(sdp, type));
    this.pc.onTrack((track) => {
      if (this.closed) return;
      const mid = track.mid();
      const section = this.remoteSections.find((s) => s.mid === mid);
      const kind = track.type();
      if (kind !== 'audio' && kind !== 'video') {
        this.closeNative(track);
        return;
      }
      const line = new MediaLine(mid, kind, 'client', track);
      this.lines.set(mid, line);
      this.emit('track', line, section);
    });
    this.pc.onStateChange((state) => {
      if (this.closed) return;
      this.log.debug({ pc: id, state }, 'peer connection state');
      if (state === 'failed' || state === 'closed') this.emit('failed', `peer connection ${state}`);
    });
  }

  get state(): string {
    return this.closed ? 'closed' : this.pc.state();
  }

  /** The transport is gone (failed, or closed by either side): the client must replace it. */
  get transportLost(): boolean {
    const state = this.state;
    return state === 'failed' || state === 'closed';
  }

  /**
   * Applies a client description. Returns the answer to send back, or null when nothing is to be
   * sent (a stale revision, an answer to our offer, or a glare we win: the SDK rolls back and
   * answers our offer, then re-offers).
   */
  async handleRemoteDescription(desc: { type: string; revision: number; sdp?: string | undefined }): Promise<ServerPeerConnectionState | null> {
    if (this.closed) return null;
    this.log.debug({ pc: this.id, type: desc.type, revision: desc.revision, ours: this.revision, pending: this.pendingOfferRevision }, 'remote description');
    switch (desc.type) {
      case 'offer': {
        if (desc.revision <= this.revision && this.answeredOnce) return null;
        // Glare: ours wins (also an offer libdatachannel made on its own whose callback is still on its way).
        if (this.pendingOfferRevision !== null || this.pc.signalingState() === 'have-local-offer') return null;
        if (!desc.sdp) throw PlazaError.of(ErrorCode.ServerRemoteDescFailed, 'offer without sdp');
        this.revision = desc.revision;
        const hideData = !this.answeredOnce && !/^m=application /m.test(desc.sdp);
        const offer = keepOnlyForwardedCodecs(stripUnsupported(hideData ? withHiddenDataSection(desc.sdp) : desc.sdp));
        this.prepareClientSections(parseMediaSections(offer));
        this.applyRemote(offer, 'offer');
        let answer = this.shapeAnswer(await this.waitForLocal('answer'), desc.sdp);
        this.answeredOnce = true;
        if (hideData) {
          answer = withoutSection(answer, HIDDEN_DATA_MID);
          // Offer the data section for real once the client has our answer (the SDK queues our
          // offer until its first negotiation is stable, then answers it).
          this.requestNegotiation();
        }
        if (this.negotiationQueued) this.requestNegotiation();
        return { id: this.id, description: { type: 'answer', revision: desc.revision, sdp: answer } };
      }
      case 'answer':
      case 'pranswer': {
        if (this.pendingOfferRevision === null || desc.revision !== this.pendingOfferRevision || !desc.sdp) return null;
        this.pendingOfferRevision = null;
        this.applyRemote(unifyDtlsRole(desc.sdp), 'answer');
        for (const line of this.idleInOffer) line.reusable = line.outgoing === null;
        this.idleInOffer = [];
        if (this.negotiationQueued) this.requestNegotiation(true);
        return null;
      }
      case 'close':
        this.close();
        return null;
      default:
        // 'create-offer' and 'rollback' are server -> client only.
        throw PlazaError.invalidSignalingMessage(`unexpected description type ${desc.type}`);
    }
  }

  /** Adds the client's trickled candidates (cumulative lists per ufrag: apply each once). */
  handleRemoteIce(ice: IceState): void {
    if (this.closed || !ice.candidates) return;
    if (ice.ufrag && this.remoteUfrag && ice.ufrag !== this.remoteUfrag) return;
    for (const c of ice.candidates) {
      if (!c.candidate || this.appliedCandidates.has(c.candidate)) continue;
      this.appliedCandidates.add(c.candidate);
      if (!this.pc.remoteDescription()) continue;
      try {
        this.pc.addRemoteCandidate(c.candidate, c.sdpMid ?? '0');
      } catch (err) {
        this.log.debug({ pc: this.id, err: (err as Error).message }, 'ignored remote candidate');
      }
    }
  }

  /** Opens a server -> client data channel (a subscription). Null once closed. */
  createDataChannel(label: string, reliability: DataChannelReliability): DataChannel | null {
    if (this.closed) return null;
    const init: { unordered: boolean; maxPacketLifeTime?: number; maxRetransmits?: number } = {
      unordered: !reliability.ordered,
    };
    if (reliability.maxPacketLifeTime !== null) init.maxPacketLifeTime = reliability.maxPacketLifeTime;
    else if (reliability.maxRetransmits !== null) init.maxRetransmits = reliability.maxRetransmits;
    return this.pc.createDataChannel(label, init);
  }

  /**
   * A server -> client media line for a subscription: an idle one of the same kind when there is
   * one (negotiated idle, see MediaLine.reusable), else a new m-section. Negotiation follows (one
   * server offer per tick). Null once closed or if the native side refuses.
   */
  addSendTrack(kind: MediaKind, trackId: string, streamId: string): MediaLine | null {
    if (this.closed) return null;
    let line = [...this.lines.values()].find((l) => l.origin === 'server' && l.kind === kind && l.reusable && l.outgoing === null);
    if (line) line.nextStream();
    else {
      const mid = `s${this.nextMid++}`;
      const ssrcs = Array.from({ length: SSRCS_PER_LINE }, () => randomInt(1, 0xffffffff));
      const payloadType = kind === 'video' ? VP8_PAYLOAD_TYPE : OPUS_PAYLOAD_TYPE;
      // Sendrecv for life: the client may publish on this section too (see MediaLine).
      const media = describeMedia(kind, mid, 'SendRecv', payloadType);
      for (const ssrc of ssrcs) media.addSSRC(ssrc, 'plaza');
      try {
        line = new MediaLine(mid, kind, 'server', this.pc.addTrack(media), { ssrcs, payloadType });
      } catch (err) {
        this.log.warn({ pc: this.id, err: (err as Error).message }, 'adding a media section failed');
        return null;
      }
      this.lines.set(mid, line);
    }
    line.outgoing = { streamId, trackId };
    line.reusable = false;
    this.requestNegotiation();
    return line;
  }

  /**
   * Runs before a client offer is applied. libdatachannel gives a new client section the reverse of
   * its first offered direction for good and drops RTP on a section it does not receive on. The SDK
   * offers `recvonly` sections when it publishes nothing of a kind, and later publishes on exactly
   * those transceivers (takeRecycledTransceiver), so such a section is re-described as receiving
   * (same mid, the offered codec) the first time the client sends on it.
   */
  private prepareClientSections(sections: readonly MediaSection[]): void {
    for (const section of sections) {
      if ((section.kind !== 'audio' && section.kind !== 'video') || this.lines.get(section.mid)?.origin === 'server') continue;
      const sends = section.direction === 'sendonly' || section.direction === 'sendrecv';
      if (!this.clientMids.has(section.mid)) {
        this.clientMids.add(section.mid);
        if (!sends) this.notReceiving.add(section.mid);
        continue;
      }
      if (!sends || !this.notReceiving.has(section.mid)) continue;
      const payloadType = section.payloadTypes.get(section.kind === 'video' ? 'vp8' : 'opus');
      if (payloadType === undefined) continue; // nothing we could forward; the publication fails (53404)
      const media = describeMedia(section.kind, section.mid, 'RecvOnly', payloadType);
      try {
        this.retained.push(this.pc.addTrack(media));
        this.notReceiving.delete(section.mid);
      } catch (err) {
        this.log.warn({ pc: this.id, mid: section.mid, err: (err as Error).message }, 're-describing a client section failed');
      }
    }
  }

  /** The media line of `mid`, if the client or the server created one. */
  line(mid: string): MediaLine | undefined {
    return this.lines.get(mid);
  }

  /** Ends a subscription's media: its line goes idle (recvonly/inactive) and is reused later. */
  removeSendTrack(line: MediaLine): void {
    if (this.lines.get(line.mid) !== line || line.outgoing === null) return;
    line.outgoing = null;
    line.feedback = null;
    this.requestNegotiation();
    this.log.debug({ pc: this.id, mid: line.mid }, 'send line released');
  }

  /**
   * Makes a server offer on the next tick, once: many subscription changes in one tick become one
   * offer; while an offer is outstanding the change waits for its answer.
   */
  requestNegotiation(now = false): void {
    if (this.closed) return;
    this.negotiationQueued = true;
    if (this.pendingOfferRevision !== null) return;
    const run = (): void => {
      if (this.closed || !this.negotiationQueued || this.pendingOfferRevision !== null) return;
      if (this.pc.signalingState() !== 'stable') return; // a client offer is in flight; retried after it
      this.negotiationQueued = false;
      // Claimed before the native call: its onLocalDescription arrives later, and a client offer
      // handled in between must already see the glare.
      this.startOffer();
      try {
        this.pc.setLocalDescription('offer');
      } catch (err) {
        this.pendingOfferRevision = null;
        this.log.warn({ pc: this.id, err: (err as Error).message }, 'server offer failed');
      }
    };
    if (now) run();
    else setImmediate(run);
  }

  /** The state to report in `connected` / `synced`: our latest description. */
  currentState(): ServerPeerConnectionState | null {
    if (this.closed) return null;
    const local = this.pc.localDescription();
    if (!local) return null;
    const type = local.type === 'offer' ? 'offer' : 'answer';
    const sdp = type === 'offer' ? this.shapeOffer(local.sdp) : this.shapeAnswer(local.sdp, this.pc.remoteDescription()?.sdp ?? '');
    return { id: this.id, description: { type, revision: this.revision, sdp: this.announce(sdp) } };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    PeerEndpoint.liveCount--;
    this.removeAllListeners();
    // Tracks hold native callbacks that keep Node's event loop alive until each is closed itself;
    // closing the peer connection alone leaves them (seen as a process that never exits).
    for (const line of this.lines.values()) line.close();
    this.lines.clear();
    for (const track of this.retained) this.closeNative(track);
    this.retained.length = 0;
    try {
      this.pc.close();
    } catch (err) {
      this.log.warn({ pc: this.id, err: (err as Error).message }, 'peer connection close failed');
    }
  }

  private applyRemote(sdp: string, type: 'offer' | 'answer'): void {
    if (this.log.isLevelEnabled('debug')) this.log.debug({ pc: this.id, type, setup: [...sdp.matchAll(/a=setup:(\w+)/g)].map((m) => m[1]).join(','), local: this.pc.localDescription()?.sdp.match(/a=setup:(\w+)/)?.[1], signaling: this.pc.signalingState() }, 'applying remote description');
    try {
      this.pc.setRemoteDescription(sdp, type);
    } catch (err) {
      throw PlazaError.of(ErrorCode.ServerRemoteDescFailed, (err as Error).message);
    }
    this.remoteUfrag = /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? null;
    this.remoteSections = parseMediaSections(sdp);
    // A reused transceiver carries a new msid on an existing line: announce it again.
    for (const section of this.remoteSections) {
      const line = this.lines.get(section.mid);
      if (line) this.emit('track', line, section);
    }
  }

  private onLocalDescription(sdp: string, type: string): void {
    if (this.closed) return;
    // Answers are picked up by waitForLocal once gathering completes.
    if (type === 'offer') {
      // A negotiation the server started: requestNegotiation claimed it, or libdatachannel's own.
      if (this.pendingOfferRevision === null) this.startOffer();
      this.log.debug({ pc: this.id, revision: this.revision }, 'server offer');
      void this.afterGathering().then(() => {
        if (this.closed) return;
        const local = this.pc.localDescription();
        this.emit('description', {
          id: this.id,
          description: { type: 'offer', revision: this.pendingOfferRevision ?? this.revision, sdp: this.announce(this.shapeOffer(local?.sdp ?? sdp)) },
        });
      });
    }
  }

  /** Takes the next revision for a server offer; server lines idle now become reusable once it is answered. */
  private startOffer(): void {
    this.revision += 1;
    this.pendingOfferRevision = this.revision;
    this.idleInOffer = [...this.lines.values()].filter((l) => l.origin === 'server' && l.outgoing === null);
  }

  /** Waits for the local description of `type` with gathering complete, so it carries our candidate. */
  private async waitForLocal(type: 'answer'): Promise<string> {
    await this.afterGathering();
    const local = this.pc.localDescription();
    if (!local || local.type !== type) {
      throw PlazaError.of(ErrorCode.ServerLocalDescFailed, `no local ${type}`);
    }
    return this.announce(local.sdp);
  }

  private afterGathering(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed || this.pc.gatheringState() === 'complete') return resolve();
      const started = Date.now();
      // libdatachannel offers one gathering-state callback; poll briefly instead of stealing it.
      const tick = (): void => {
        if (this.closed || this.pc.gatheringState() === 'complete' || Date.now() - started > GATHER_TIMEOUT_MS) resolve();
        else setTimeout(tick, 2);
      };
      tick();
    });
  }

  /**
   * Our offers: a server line offers to send its subscription (if any) and always to receive (the
   * client may publish on it); on the client's own lines we only ever receive.
   */
  private shapeOffer(sdp: string): string {
    const plans = new Map<string, SectionPlan>();
    // Client sections by what the client offered (their onTrack may not have reached us yet).
    for (const mid of this.clientMids) plans.set(mid, { direction: 'recvonly', sends: null });
    for (const line of this.lines.values()) if (line.origin === 'server') plans.set(line.mid, this.planFor(line, line.outgoing ? 'sendrecv' : 'recvonly'));
    return shapeSections(sdp, plans);
  }

  /** Our answers: each offered audio/video section gets what both sides can do (answerDirection). */
  private shapeAnswer(sdp: string, offer: string): string {
    const plans = new Map<string, SectionPlan>();
    for (const section of parseMediaSections(offer)) {
      if (section.kind !== 'audio' && section.kind !== 'video') continue;
      // A section not known yet is the client's own (its line is created on the native onTrack).
      const line = this.lines.get(section.mid);
      const direction = answerDirection(section.direction, line?.outgoing != null);
      plans.set(section.mid, line ? this.planFor(line, direction) : { direction, sends: null });
    }
    return shapeSections(sdp, plans);
  }

  /** The plan of a line given its direction: the msid and SSRC go with it while we send on it. */
  private planFor(line: MediaLine, direction: SectionPlan['direction']): SectionPlan {
    const sending = direction === 'sendrecv' || direction === 'sendonly';
    return { direction, sends: sending && line.outgoing && line.ssrc !== null ? { ssrc: line.ssrc, ...line.outgoing } : null };
  }

  private closeNative(track: { close(): void }): void {
    try {
      track.close();
    } catch {
      // already closed
    }
  }

  private announce(sdp: string): string {
    return announceCandidate(sdp, this.net.publicIp, this.net.rtcPort);
  }
}

/** A media section as node-datachannel takes it: VP8 for video, Opus for audio (all we forward). */
function describeMedia(kind: MediaKind, mid: string, direction: 'SendRecv' | 'RecvOnly', payloadType: number) {
  if (kind === 'video') {
    const video = new nodeDataChannel.Video(mid, direction);
    video.addVP8Codec(payloadType);
    return video;
  }
  const audio = new nodeDataChannel.Audio(mid, direction);
  audio.addOpusCodec(payloadType);
  return audio;
}
