/**
 * The audio/video transceivers of the room's peer connection (twilio-video
 * lib/signaling/v2/peerconnection.js: _addOrUpdateTransceiver, removeMediaTrackSender,
 * _addOrRewriteLocalTrackIds, _handleTrackEvent + TrackMatcher). PeerConnectionV2 owns one.
 *
 * Sending: each published LocalAudioTrack/LocalVideoTrack gets a `sendonly` transceiver, created with
 * addTransceiver(track, {direction: 'sendonly', streams: [stream]}) or taken back from the ones we
 * made idle on unpublish (same kind, never one the server created: reusing a subscription's
 * transceiver, as the SDK may, would turn the server's sendonly section into sendrecv). Every local
 * description we signal has the msid track id of those sections rewritten to the LocalTrack `id`.
 * Unpublishing: sender.replaceTrack(null), direction 'inactive', then a re-offer (whose inactive
 * section we signal without msid).
 *
 * Receiving: after every remote description (and on each `track` event, which fires while one is
 * being applied) the receivers are recomputed: a transceiver carries the subscription whose id is
 * the msid track id of its mid's section in the remote SDP, when the server sends in that section.
 */
import { MediaConnectionError, MediaNotSupportedError } from './errors.js';
import type { Logger } from './Logger.js';
import type { MediaKind } from './MediaElements.js';
import { rewriteMsidTrackIds, sendingMidsToTrackIds } from './Sdp.js';

/** A subscription's media as it arrived: `id` is the `subscribed.tracks[].id` it carries. */
export interface MediaTrackReceiver {
  readonly id: string;
  readonly kind: MediaKind;
  readonly mid: string;
  readonly track: MediaStreamTrack;
}

function isStopped(transceiver: RTCRtpTransceiver): boolean {
  const legacy = (transceiver as { stopped?: boolean }).stopped === true;
  return legacy || transceiver.currentDirection === 'stopped' || transceiver.direction === 'stopped';
}

export class MediaTransceivers {
  readonly #pc: RTCPeerConnection;
  readonly #log: Logger;
  /** Our sending transceivers → the LocalTrack id they carry. */
  readonly #senders = new Map<RTCRtpTransceiver, string>();
  /** Transceivers we stopped sending on (inactive), reusable for the same kind. */
  readonly #idle = new Set<RTCRtpTransceiver>();
  readonly #pending = new Set<Promise<unknown>>();
  #receivers = new Map<string, MediaTrackReceiver>();

  constructor(pc: RTCPeerConnection, log: Logger) {
    this.#pc = pc;
    this.#log = log;
  }

  /** Current receivers by subscription id. */
  get receivers(): ReadonlyMap<string, MediaTrackReceiver> {
    return this.#receivers;
  }

  /** Starts sending `track`; `id` becomes the msid track id of its m-section. Throws typed errors. */
  add(track: MediaStreamTrack, id: string): RTCRtpTransceiver {
    const pc = this.#pc;
    if (typeof pc.addTransceiver !== 'function') throw new MediaNotSupportedError('RTCPeerConnection.addTransceiver is missing');
    const stream = createStream(track);
    for (const transceiver of this.#idle) {
      if (isStopped(transceiver) || transceiver.receiver.track?.kind !== track.kind) continue;
      this.#idle.delete(transceiver);
      transceiver.direction = 'sendonly';
      if (stream && typeof transceiver.sender.setStreams === 'function') transceiver.sender.setStreams(stream);
      this.#track(transceiver.sender.replaceTrack(track), 'replaceTrack');
      this.#senders.set(transceiver, id);
      this.#log.debug(`reusing transceiver ${transceiver.mid} for ${track.kind} track ${id}`);
      return transceiver;
    }
    let transceiver: RTCRtpTransceiver;
    try {
      transceiver = pc.addTransceiver(track, { direction: 'sendonly', streams: stream ? [stream] : [] });
    } catch (error) {
      // node-datachannel's polyfill throws DOMException('Not implemented').
      if (/not implemented|not supported/i.test(String((error as Error)?.message ?? error))) {
        throw new MediaNotSupportedError('this RTCPeerConnection cannot send audio/video (node-datachannel polyfill?)');
      }
      throw new MediaConnectionError(`addTransceiver failed: ${String(error)}`);
    }
    this.#senders.set(transceiver, id);
    return transceiver;
  }

  /** Stops sending on `transceiver`. Returns false if it was not one of ours. */
  remove(transceiver: RTCRtpTransceiver): boolean {
    if (!this.#senders.delete(transceiver)) return false;
    if (isStopped(transceiver)) return true;
    try {
      transceiver.direction = 'inactive';
    } catch (error) {
      this.#log.debug('cannot set the transceiver inactive:', error); // the peer connection is closed
      return true;
    }
    this.#track(transceiver.sender.replaceTrack(null), 'replaceTrack(null)');
    this.#idle.add(transceiver);
    return true;
  }

  /** Resolves once pending replaceTrack() calls have settled (the SDK waits for them before offering). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** True if a sender was added but is in no local description yet (no mid). */
  get hasUnnegotiatedSenders(): boolean {
    for (const transceiver of this.#senders.keys()) if (transceiver.mid === null) return true;
    return false;
  }

  /** The SDP to signal for a local description: msid track ids set to our LocalTrack ids, none on idle sections. */
  rewrite(sdp: string): string {
    const midsToTrackIds = new Map<string, string | null>();
    for (const transceiver of this.#idle) if (transceiver.mid !== null) midsToTrackIds.set(transceiver.mid, null);
    for (const [transceiver, id] of this.#senders) if (transceiver.mid !== null) midsToTrackIds.set(transceiver.mid, id);
    return rewriteMsidTrackIds(sdp, midsToTrackIds);
  }

  /** Recomputes the receivers from the remote description. Returns them if they changed, else null. */
  updateReceivers(): MediaTrackReceiver[] | null {
    const pc = this.#pc;
    let sdp: string | undefined;
    try {
      sdp = pc.remoteDescription?.sdp;
    } catch {
      return null; // the polyfill throws when the native side has no description
    }
    if (!sdp || typeof pc.getTransceivers !== 'function') return null;
    const sending = sendingMidsToTrackIds(sdp);
    const previousByMid = new Map([...this.#receivers.values()].map((r) => [r.mid, r]));
    const next = new Map<string, MediaTrackReceiver>();
    for (const transceiver of pc.getTransceivers()) {
      const mid = transceiver.mid;
      if (mid === null || isStopped(transceiver) || !sending.has(mid) || this.#senders.has(transceiver)) continue;
      const track = transceiver.receiver.track;
      if (!track || (track.kind !== 'audio' && track.kind !== 'video')) continue;
      // A sending section without msid (an answer that leaves it out) keeps what the offer said.
      const previous = previousByMid.get(mid);
      const id = sending.get(mid) ?? previous?.id;
      if (!id) continue;
      const same = previous && previous.id === id && previous.track === track;
      next.set(id, same ? previous : { id, kind: track.kind, mid, track });
    }
    const changed = next.size !== this.#receivers.size || [...next].some(([id, r]) => this.#receivers.get(id) !== r);
    this.#receivers = next;
    return changed ? [...next.values()] : null;
  }

  #track(promise: Promise<unknown>, what: string): void {
    const settled = promise.catch((error: unknown) => this.#log.warn(`${what} failed:`, error));
    this.#pending.add(settled);
    void settled.finally(() => this.#pending.delete(settled));
  }
}

function createStream(track: MediaStreamTrack): MediaStream | null {
  const MediaStreamCtor = (globalThis as { MediaStream?: new (tracks: MediaStreamTrack[]) => MediaStream }).MediaStream;
  return MediaStreamCtor ? new MediaStreamCtor([track]) : null;
}
