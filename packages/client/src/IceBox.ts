/**
 * Remote ICE candidates waiting for (or matching) the remote description, as in twilio-video
 * lib/signaling/v2/icebox.js. The server sends cumulative candidate lists per ICE ufrag with an
 * increasing revision; a list is applied only while its ufrag is the remote description's, and only
 * the candidates not applied yet are returned.
 *
 * One leniency over the SDK: an `ice` entry without ufrag is taken to mean "the current one".
 */
export interface RemoteCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

export interface RemoteIceState {
  ufrag?: string | null;
  revision: number;
  candidates: RemoteCandidate[];
}

const ANY_UFRAG = '';

export class IceBox {
  readonly #byUfrag = new Map<string, { revision: number; candidates: RemoteCandidate[] }>();
  #ufrag: string | null = null;

  get ufrag(): string | null {
    return this.#ufrag;
  }

  /** The remote description changed to `ufrag`: returns every candidate already known for it. */
  setUfrag(ufrag: string): RemoteCandidate[] {
    this.#ufrag = ufrag;
    const known = this.#byUfrag.get(ufrag)?.candidates ?? [];
    const unkeyed = this.#byUfrag.get(ANY_UFRAG)?.candidates ?? [];
    return [...unkeyed, ...known];
  }

  /** Stores a newer list; returns the candidates to add now (none if stale or for another ufrag). */
  update(ice: RemoteIceState): RemoteCandidate[] {
    const key = ice.ufrag ?? ANY_UFRAG;
    const old = this.#byUfrag.get(key);
    if (old && ice.revision <= old.revision) return [];
    this.#byUfrag.set(key, { revision: ice.revision, candidates: ice.candidates });
    const applies = key === ANY_UFRAG ? this.#ufrag !== null : key === this.#ufrag;
    return applies ? ice.candidates.slice(old?.candidates.length ?? 0) : [];
  }
}
