/**
 * The room's one RTCPeerConnection and its RSP negotiation state, following twilio-video
 * lib/signaling/v2/peerconnection.js (audio/video transceivers are in MediaTransceivers.ts):
 *  - One revision counter shared with the server. Our offers carry ++revision; a server `answer` is
 *    applied only if its revision equals our offer's and we are in have-local-offer; a server `offer`
 *    needs a revision above the last stable one and is answered with the same revision;
 *    `create-offer` R makes us offer with R + 1. Glare: roll back, answer, then re-offer.
 *  - ICE is trickled (not waited for): each local candidate re-sends the cumulative list for the
 *    current ufrag with an increasing revision, then `complete: true`. This is what the official SDK
 *    does, so the server sees the same messages from both clients, and the offer leaves without
 *    waiting for slow STUN/TURN gathering. If the server is ICE-lite we only send `complete`.
 *  - Media: adding or removing a sending track re-offers (coalesced per tick); every local
 *    description we signal has our msid track ids written in; the answer to a server offer keeps
 *    every existing transceiver (unified plan: setRemoteDescription + createAnswer never drop one).
 *
 * node-datachannel's polyfill differs from browsers in ways handled here:
 *  - createOffer() never resolves when there is nothing to negotiate, so the first offer always has a
 *    data channel (see #ensureApplicationSection);
 *  - createOffer()/createAnswer() return the FIRST description forever, rollback is ignored, and
 *    libdatachannel negotiates on its own (after answering an offer it re-offers at once if something
 *    of ours is pending, so pc.localDescription is no longer the answer): in Node we create the
 *    native PeerConnection ourselves with auto-negotiation off, give it to the polyfill, and make
 *    every offer, answer and rollback on it directly (#makeLocal);
 *  - candidates may be gathered before setLocalDescription() resolves and no null candidate marks the
 *    end: we keep early candidates and treat iceGatheringState 'complete' as the end.
 */
import type { ParsedServerPeerConnection } from '@plaza/protocol';
import type { NodeDataChannel, RTCPeerConnectionCtor } from './environment.js';
import { IceBox, type RemoteCandidate } from './IceBox.js';
import { getUfrag, LocalCandidates } from './LocalCandidates.js';
import type { Logger } from './Logger.js';
import { MediaTransceivers, type MediaTrackReceiver } from './MediaTransceivers.js';
import { NativeMedia } from './NativeMedia.js';
import { isRtpMediaStreamTrack } from './RtpMediaStreamTrack.js';
import { TypedEmitter } from './TypedEmitter.js';
import type { PeerConnectionStateOut } from './wire.js';

export type PeerConnectionV2Events = {
  /** A new local description to signal (`update.peer_connections[].description`). */
  description: [state: PeerConnectionStateOut];
  /** A new cumulative candidate list to signal (`update.peer_connections[].ice`). */
  candidates: [state: PeerConnectionStateOut];
  /** A data channel opened by the server: a subscription (label = `subscribed.tracks[].id`). */
  dataChannel: [channel: RTCDataChannel];
  /** The audio/video subscriptions carried by the server's sendonly m-sections changed: all of them. */
  mediaReceivers: [receivers: MediaTrackReceiver[]];
  connectionStateChanged: [state: string];
};

export interface PeerConnectionV2Options {
  id: string;
  RTCPeerConnection: RTCPeerConnectionCtor;
  /** Node: node-datachannel, for audio/video beside its polyfill (see NativeMedia). */
  nodeDataChannel?: NodeDataChannel | undefined;
  iceServers: RTCIceServer[];
  log: Logger;
}

type ServerDescription = NonNullable<ParsedServerPeerConnection['description']>;

/** RTCSctpTransport.maxMessageSize when unknown (before SCTP is up): libdatachannel's and Chrome's 256 KiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 262144;
/**
 * Stream id of the placeholder channel. The highest id both libdatachannel and Chrome allow (1024
 * streams); the server, as DTLS client, opens its channels on even ids, so an odd id this high never
 * collides, and auto-assigned ids on our side skip it.
 */
const PLACEHOLDER_STREAM_ID = 1023;

export class PeerConnectionV2 extends TypedEmitter<PeerConnectionV2Events> {
  readonly id: string;
  readonly #pc: RTCPeerConnection;
  readonly #log: Logger;
  #closed = false;
  #descriptionRevision = 0;
  #lastStableRevision = 0;
  #localDescription: { type: 'offer' | 'answer' | 'close'; sdp?: string } | null = null;
  #needsAnswer = false;
  #shouldOffer = false;
  #queuedDescription: ServerDescription | null = null;
  #hasRemoteDescription = false;
  readonly #localCandidates = new LocalCandidates();
  readonly #remoteCandidates = new IceBox();
  readonly #dataChannels = new Set<RTCDataChannel>();
  #placeholder: RTCDataChannel | null = null;
  #lock: Promise<unknown> = Promise.resolve();
  readonly #media: MediaTransceivers;
  readonly #native: NativeMedia | null = null;
  readonly #nativePc: import('node-datachannel').PeerConnection | null = null;
  #renegotiationScheduled = false;

  constructor(options: PeerConnectionV2Options) {
    super();
    this.id = options.id;
    this.#log = options.log;
    // max-bundle + rtcp-mux: what the SDK configures (peerconnection.js getConfiguration()).
    const configuration: RTCConfiguration & { peerConnection?: unknown } = {
      iceServers: options.iceServers,
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    };
    const ndc = options.nodeDataChannel;
    let nativePc: import('node-datachannel').PeerConnection | null = null;
    if (ndc) {
      // Media sections added after a data-only start must still get SRTP (forceMediaTransport).
      nativePc = new ndc.PeerConnection(options.id, {
        iceServers: iceServerUrls(options.iceServers),
        forceMediaTransport: true,
        disableAutoNegotiation: true,
      });
      this.#nativePc = nativePc;
      configuration.peerConnection = nativePc;
    }
    this.#pc = new options.RTCPeerConnection(configuration);
    if (ndc && nativePc) this.#native = new NativeMedia(ndc, nativePc, this.#log, () => this.#syncReceivers());
    const pc = this.#pc;
    this.#media = new MediaTransceivers(pc, this.#log);
    pc.addEventListener('icecandidate', (event) => this.#handleLocalCandidate(event.candidate));
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') this.#handleLocalCandidate(null);
    });
    pc.addEventListener('datachannel', (event) => {
      if (!this.#closed) this.emit('dataChannel', event.channel);
    });
    // Fires while a remote description is applied (it is already pc.remoteDescription then).
    pc.addEventListener('track', () => this.#syncReceivers());
    pc.addEventListener('connectionstatechange', () => {
      this.#log.debug('connection state', pc.connectionState);
      this.emit('connectionStateChanged', pc.connectionState);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Largest message the SCTP transport accepts (spec: RTCSctpTransport.maxMessageSize). */
  get maxMessageSize(): number {
    const size = this.#pc.sctp?.maxMessageSize;
    return typeof size === 'number' && size > 0 && Number.isFinite(size) ? size : DEFAULT_MAX_MESSAGE_SIZE;
  }

  /** Whether our current local description has an m=application section. */
  get isApplicationSectionNegotiated(): boolean {
    if (this.#closed) return true;
    return /^m=application /m.test(this.#localDescription?.sdp ?? '');
  }

  /** `peer_connections[]` entry for connect/sync: the latest local description, or null before one. */
  getState(): PeerConnectionStateOut | null {
    const local = this.#localDescription;
    if (!local) return null;
    // An answer is reported with the last stable revision (see the SDK's getState() note on sync).
    const revision = local.type === 'answer' ? this.#lastStableRevision : this.#descriptionRevision;
    return {
      id: this.id,
      description: local.sdp === undefined ? { type: local.type, revision } : { type: local.type, revision, sdp: local.sdp },
    };
  }

  /** Creates an in-band channel (label = DataTrack id); re-offers if m=application is missing. */
  createDataChannel(label: string, init: RTCDataChannelInit): RTCDataChannel {
    const channel = this.#pc.createDataChannel(label, init);
    this.#dataChannels.add(channel);
    channel.addEventListener('close', () => this.#dataChannels.delete(channel));
    if (this.#localDescription && !this.isApplicationSectionNegotiated) {
      this.offer().catch((error: unknown) => this.#log.warn('Re-offer failed:', error));
    }
    return channel;
  }

  /**
   * Starts sending a LocalAudioTrack/LocalVideoTrack's MediaStreamTrack with `id` as its msid track
   * id, and re-offers. Throws MediaNotSupportedError where the platform cannot send media.
   */
  addMediaTrack(track: MediaStreamTrack, id: string): RTCRtpTransceiver {
    const transceiver =
      this.#native && isRtpMediaStreamTrack(track)
        ? (this.#native.addSender(track, id) as unknown as RTCRtpTransceiver)
        : this.#media.add(track, id);
    this.#renegotiate();
    return transceiver;
  }

  /** Stops sending on a transceiver from addMediaTrack() (it becomes inactive, reusable) and re-offers. */
  removeMediaTrack(transceiver: RTCRtpTransceiver): void {
    if (this.#closed) return;
    if (this.#native?.removeSender(transceiver) || this.#media.remove(transceiver)) this.#renegotiate();
  }

  /** The current audio/video subscriptions by id (see the `mediaReceivers` event). */
  get mediaReceivers(): ReadonlyMap<string, MediaTrackReceiver> {
    return this.#media.receivers;
  }

  /** Creates and signals an offer, unless one is awaiting its answer (then it follows that answer). */
  offer(): Promise<void> {
    if (this.#needsAnswer) {
      this.#shouldOffer = true;
      return Promise.resolve();
    }
    return this.#locked(async () => {
      if (this.#needsAnswer) this.#shouldOffer = true; // an offer went out while we waited for the lock
      else await this.#offer();
    });
  }

  /** Applies a server `peer_connections[]` entry: remote ICE first, then the description. */
  update(state: ParsedServerPeerConnection): Promise<void> {
    return this.#locked(async () => {
      if (this.#closed) return;
      if (state.ice) {
        const ice = { ufrag: state.ice.ufrag ?? null, revision: state.ice.revision, candidates: state.ice.candidates };
        await this.#addRemoteCandidates(this.#remoteCandidates.update(ice));
      }
      if (state.description) await this.#updateDescription(state.description);
    });
  }

  /** Closes the RTCPeerConnection. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native?.close();
    try {
      this.#pc.close();
    } catch (error) {
      this.#log.debug('RTCPeerConnection.close failed:', error);
    }
    this.#descriptionRevision++;
    this.#localDescription = { type: 'close' };
    this.emit('description', this.getState() as PeerConnectionStateOut);
  }

  /** One re-offer per tick for any number of media changes; none before the first offer (connect() sends it). */
  #renegotiate(): void {
    if (this.#closed || !this.#localDescription || this.#renegotiationScheduled) return;
    this.#renegotiationScheduled = true;
    queueMicrotask(() => {
      this.#renegotiationScheduled = false;
      this.offer().catch((error: unknown) => this.#log.warn('Re-offer failed:', error));
    });
  }

  #syncReceivers(): void {
    if (this.#closed) return;
    const receivers = this.#native ? this.#native.updateReceivers(this.#remoteSdp()) : this.#media.updateReceivers();
    if (receivers) this.emit('mediaReceivers', receivers);
  }

  #locked<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.#lock.then(fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  async #updateDescription(description: ServerDescription): Promise<void> {
    switch (description.type) {
      case 'answer':
      case 'pranswer':
        if (description.revision !== this.#descriptionRevision || this.#pc.signalingState !== 'have-local-offer') return;
        break;
      case 'close':
        this.close();
        return;
      case 'create-offer':
        if (description.revision <= this.#lastStableRevision) return;
        if (this.#needsAnswer) {
          this.#queuedDescription = description;
          return;
        }
        this.#descriptionRevision = description.revision;
        await this.#offer();
        return;
      case 'offer':
        if (description.revision <= this.#lastStableRevision || this.#closed) return;
        if (this.#pc.signalingState === 'have-local-offer') {
          // Before the first answer the DTLS roles are not settled: answer the server later instead.
          if (this.#needsAnswer && this.#lastStableRevision === 0) {
            this.#queuedDescription = description;
            return;
          }
          this.#descriptionRevision = description.revision;
          await this.#handleGlare(description);
          return;
        }
        this.#descriptionRevision = description.revision;
        await this.#answer(description);
        return;
      default:
        return;
    }
    // An answer to our offer.
    await this.#setRemoteDescription({ type: 'answer', sdp: description.sdp ?? '' });
    this.#lastStableRevision = description.revision;
    this.#needsAnswer = false;
    await this.#checkIceBox(description.sdp);
    await this.#processQueuedDescription();
    await this.#maybeReoffer();
  }

  async #processQueuedDescription(): Promise<void> {
    const queued = this.#queuedDescription;
    this.#queuedDescription = null;
    if (queued) await this.#updateDescription(queued);
  }

  async #offer(): Promise<void> {
    if (this.#closed) return;
    this.#ensureApplicationSection();
    this.#needsAnswer = true;
    try {
      await this.#media.settled();
      const sdp = await this.#makeLocal('offer');
      this.#shouldOffer = false;
      this.#descriptionRevision++;
      this.#setLocalDescription('offer', sdp);
    } catch (error) {
      this.#needsAnswer = false;
      throw error;
    }
  }

  /** Returns true if it re-offered. */
  async #answer(offer: ServerDescription): Promise<boolean> {
    await this.#setRemoteDescription({ type: 'offer', sdp: offer.sdp ?? '' });
    const sdp = await this.#makeLocal('answer');
    this.#lastStableRevision = this.#descriptionRevision;
    this.#setLocalDescription('answer', sdp);
    await this.#checkIceBox(offer.sdp);
    await this.#processQueuedDescription();
    return this.#maybeReoffer();
  }

  async #handleGlare(offer: ServerDescription): Promise<void> {
    this.#log.debug('Glare detected; rolling back');
    if (this.#nativePc) this.#nativePc.setLocalDescription('rollback');
    else await this.#pc.setLocalDescription({ type: 'rollback' });
    this.#needsAnswer = false;
    const reoffered = await this.#answer(offer);
    if (!reoffered) await this.#offer();
  }

  async #maybeReoffer(): Promise<boolean> {
    const needsApplication = this.#dataChannels.size > 0 && !this.isApplicationSectionNegotiated;
    if (!this.#shouldOffer && !needsApplication && !this.#media.hasUnnegotiatedSenders) return false;
    await this.#offer();
    return true;
  }

  async #setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    if (!this.#hasRemoteDescription) this.#localCandidates.isIceLite = /^a=ice-lite/m.test(description.sdp ?? '');
    await this.#pc.setRemoteDescription(description);
    this.#hasRemoteDescription = true;
    this.#syncReceivers();
  }

  /**
   * Browsers put an m=application section in an offer only once a data channel exists, and the
   * polyfill cannot offer at all without one. A participant that publishes nothing yet must still be
   * able to receive the server's channels without renegotiating, so we add a pre-negotiated
   * (`negotiated: true`) channel: it appears in the SDP but sends no DCEP OPEN, so the server never
   * sees it, and it carries no data.
   */
  #ensureApplicationSection(): void {
    if (this.#placeholder || this.#dataChannels.size > 0 || this.#localDescription) return;
    this.#placeholder = this.#pc.createDataChannel('plaza-negotiation', {
      negotiated: true,
      id: PLACEHOLDER_STREAM_ID,
    });
  }

  #remoteSdp(): string | undefined {
    try {
      return this.#pc.remoteDescription?.sdp;
    } catch {
      return undefined; // the polyfill throws when the native side has no description
    }
  }

  /** Creates and applies our offer or answer; returns its SDP. */
  async #makeLocal(type: 'offer' | 'answer'): Promise<string | undefined> {
    const native = this.#nativePc;
    if (native) {
      native.setLocalDescription(type);
      return native.localDescription()?.sdp;
    }
    const description = type === 'offer' ? await this.#pc.createOffer() : await this.#pc.createAnswer();
    await this.#pc.setLocalDescription(description);
    return this.#currentLocalSdp(description.sdp);
  }

  #currentLocalSdp(fallback: string | undefined): string | undefined {
    try {
      return this.#pc.localDescription?.sdp ?? fallback;
    } catch {
      return fallback; // the polyfill throws when the native side has no description
    }
  }

  #setLocalDescription(type: 'offer' | 'answer', localSdp: string | undefined): void {
    // What we signal, not what was applied: the SDK also rewrites only the signaled copy.
    const sdp = localSdp === undefined ? undefined : this.#media.rewrite(localSdp);
    this.#localDescription = sdp === undefined ? { type } : { type, sdp };
    const ice = this.#localCandidates.setUfrag(getUfrag(sdp));
    this.emit('description', this.getState() as PeerConnectionStateOut);
    // Candidates gathered before the description (polyfill) are signaled now that the ufrag is known.
    if (ice) this.emit('candidates', { id: this.id, ice });
  }

  #handleLocalCandidate(candidate: RTCIceCandidate | null): void {
    if (this.#closed) return;
    const ice = this.#localCandidates.add(candidate);
    if (ice) this.emit('candidates', { id: this.id, ice });
  }

  async #checkIceBox(sdp: string | undefined): Promise<void> {
    const ufrag = getUfrag(sdp);
    if (ufrag) await this.#addRemoteCandidates(this.#remoteCandidates.setUfrag(ufrag));
  }

  async #addRemoteCandidates(candidates: RemoteCandidate[]): Promise<void> {
    for (const c of candidates) {
      if (!c.candidate) continue; // an empty candidate only marks the end of the list
      const init: RTCIceCandidateInit = { candidate: c.candidate };
      if (c.sdpMid != null) init.sdpMid = c.sdpMid;
      if (c.sdpMLineIndex != null) init.sdpMLineIndex = c.sdpMLineIndex;
      if (init.sdpMid === undefined && init.sdpMLineIndex === undefined) init.sdpMLineIndex = 0; // bundle
      try {
        await this.#pc.addIceCandidate(init);
      } catch (error) {
        this.#log.warn(`Failed to add remote candidate "${c.candidate}":`, error);
      }
    }
  }
}

/** node-datachannel takes ICE servers as URLs with the credentials inside (as its polyfill does). */
function iceServerUrls(servers: RTCIceServer[]): string[] {
  return servers.flatMap((server) => {
    const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
    return urls.map((url) => {
      if (!server.username || !server.credential) return url;
      const [scheme, rest] = url.split(/:(.*)/);
      return `${scheme}:${server.username}:${String(server.credential)}@${rest}`;
    });
  });
}

export { getUfrag } from './LocalCandidates.js';
