/**
 * Shapes of what this client sends in RSP messages (the server validates them with @plaza/protocol's
 * ClientParticipantState / PeerConnectionState). Kept as plain interfaces: they are built by us.
 */
import type { ClientTrackState } from '@plaza/protocol';

/** `participant` in connect/sync/update (v2/localparticipant.js getState()). */
export interface ParticipantStateOut {
  revision: number;
  tracks: ClientTrackState[];
}

export interface IceCandidateOut {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** An entry of `peer_connections` (v2/peerconnection.js getState() and its `candidates` event). */
export interface PeerConnectionStateOut {
  id: string;
  description?: { type: 'offer' | 'answer' | 'close'; revision: number; sdp?: string };
  ice?: { ufrag: string | null; revision: number; candidates: IceCandidateOut[]; complete?: boolean };
}
