/**
 * Our ICE candidates as the SDK signals them (twilio-video lib/signaling/v2/peerconnection.js
 * _handleIceCandidateEvent): a cumulative list per local ufrag, re-sent whole with an increasing
 * revision after each new candidate, then once more with `complete: true`. Against an ICE-lite server
 * only `complete` matters, so the lists are sent empty.
 *
 * node-datachannel's polyfill may gather candidates before setLocalDescription() resolves (before we
 * know the ufrag) and never sends a null candidate: early candidates are kept until the ufrag is
 * known, and iceGatheringState 'complete' counts as the end.
 */
import type { IceCandidateOut, PeerConnectionStateOut } from './wire.js';

export type IceStateOut = NonNullable<PeerConnectionStateOut['ice']>;

export class LocalCandidates {
  /** Set once from the first remote description (`a=ice-lite`). */
  isIceLite = false;
  #candidates: IceCandidateOut[] = [];
  #revision = 1;
  #ufrag: string | null = null;
  #complete = false;

  /** A new local description's ufrag. Returns the state to signal, if candidates were waiting for it. */
  setUfrag(ufrag: string | null): IceStateOut | null {
    if (ufrag && ufrag !== this.#ufrag) {
      if (this.#ufrag !== null) {
        this.#candidates = []; // an ICE restart: the old list belongs to the old ufrag
        this.#complete = false;
      }
      this.#ufrag = ufrag;
    }
    return this.#candidates.length > 0 || this.#complete ? this.#state() : null;
  }

  /** A gathered candidate, or null for the end of gathering. Returns the state to signal, if any. */
  add(candidate: RTCIceCandidate | null): IceStateOut | null {
    if (candidate && candidate.candidate) {
      const out: IceCandidateOut = {
        // libdatachannel reports SDP lines ("a=candidate:..."); the W3C/SDK form has no "a=".
        candidate: candidate.candidate.replace(/^a=/, ''),
        sdpMid: candidate.sdpMid ?? null,
        sdpMLineIndex: candidate.sdpMLineIndex ?? null,
      };
      if (candidate.usernameFragment) out.usernameFragment = candidate.usernameFragment;
      this.#candidates.push(out);
      if (this.isIceLite) return null;
    } else {
      if (this.#complete) return null; // both a null candidate and the gathering state may signal it
      this.#complete = true;
    }
    return this.#ufrag !== null ? this.#state() : null;
  }

  #state(): IceStateOut {
    const ice: IceStateOut = {
      candidates: this.isIceLite ? [] : this.#candidates.slice(),
      ufrag: this.#ufrag,
      revision: this.#revision++,
    };
    if (this.#complete) ice.complete = true;
    return ice;
  }
}

export function getUfrag(sdp: string | undefined): string | null {
  const match = /^a=ice-ufrag:([a-zA-Z0-9+/=#\-_.]+)/m.exec(sdp ?? '');
  return match?.[1] ?? null;
}
