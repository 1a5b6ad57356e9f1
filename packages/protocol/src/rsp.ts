/**
 * RSP v2: room signaling carried in TCMP `hello`/`msg` bodies
 * (twilio-video lib/signaling/v2/twilioconnectiontransport.js, room.js, peerconnection.js).
 * Client messages are validated here; unknown extra fields are kept (the SDK sends many we ignore).
 */
import { z } from 'zod';
import { MAX_RETAINED_MESSAGES } from './data-envelope.js';

export const RSP_VERSION = 2;
export const ICE_VERSION = 1;

const MAX_SDP = 256 * 1024;

export const TrackKind = z.enum(['audio', 'video', 'data']);
export type TrackKind = z.infer<typeof TrackKind>;

/** A track as the client describes it in `participant.tracks` (localtrackpublication.js getState). */
export const ClientTrackState = z.looseObject({
  id: z.string().min(1).max(256),
  kind: TrackKind,
  name: z.string().max(256),
  enabled: z.boolean(),
  priority: z.string().optional(),
  /**
   * Plaza extension (ignored by Twilio): the DataTrack's reliability, sent by @plaza/client so the
   * server can mirror it on subscriber channels. node-datachannel does not expose the DCEP
   * parameters of an incoming channel, so without this the server assumes reliable + ordered.
   */
  ordered: z.boolean().optional(),
  max_packet_life_time: z.number().int().min(0).max(65535).nullable().optional(),
  max_retransmits: z.number().int().min(0).max(65535).nullable().optional(),
  /** Plaza extension: this DataTrack is a DataChannel session (DATA-CHANNELS.md §2; data-envelope.ts). */
  plaza_channel: z
    .looseObject({
      channel_id: z.number().int().min(1).max(65535),
      reliability: z.enum(['durable', 'lossy']),
      priority: z.enum(['high', 'normal']).optional(),
      /** Opt-in retention: the server replays the last `retain` messages sent to everyone to late subscribers. */
      retain: z.number().int().min(1).max(MAX_RETAINED_MESSAGES).optional(),
    })
    .optional(),
});
export type ClientTrackState = z.infer<typeof ClientTrackState>;

export const ClientParticipantState = z.looseObject({
  revision: z.number().int().min(0),
  tracks: z.array(ClientTrackState).max(256),
});
export type ClientParticipantState = z.infer<typeof ClientParticipantState>;

export const DescriptionType = z.enum(['offer', 'answer', 'create-offer', 'close', 'pranswer', 'rollback']);

export const SessionDescriptionState = z.looseObject({
  type: DescriptionType,
  revision: z.number().int().min(0),
  sdp: z.string().max(MAX_SDP).optional(),
});
export type SessionDescriptionState = z.infer<typeof SessionDescriptionState>;

export const IceCandidateState = z.looseObject({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().nullable().optional(),
  usernameFragment: z.string().nullable().optional(),
});

export const IceState = z.looseObject({
  ufrag: z.string().max(256).nullable().optional(),
  revision: z.number().int().min(0).optional(),
  candidates: z.array(IceCandidateState).max(64).optional(),
  complete: z.boolean().optional(),
});
export type IceState = z.infer<typeof IceState>;

export const PeerConnectionState = z.looseObject({
  id: z.string().min(1).max(128),
  description: SessionDescriptionState.nullable().optional(),
  ice: IceState.optional(),
});
export type PeerConnectionState = z.infer<typeof PeerConnectionState>;

export const SubscribeRule = z.looseObject({
  type: z.enum(['include', 'exclude']),
  all: z.boolean().optional(),
  kind: TrackKind.optional(),
  publisher: z.string().optional(),
  track: z.string().optional(),
  priority: z.string().optional(),
});
export type SubscribeRule = z.infer<typeof SubscribeRule>;

const token = z.string().min(1).max(16 * 1024);

export const IceMessage = z.looseObject({
  type: z.literal('ice'),
  version: z.number().optional(),
  edge: z.string().optional(),
  token,
});

export const ConnectMessage = z.looseObject({
  type: z.literal('connect'),
  version: z.literal(RSP_VERSION),
  name: z.string().max(256).nullable().optional(),
  token,
  participant: ClientParticipantState,
  peer_connections: z.array(PeerConnectionState).max(8).optional(),
  ice_servers: z.string().optional(),
  publisher: z.looseObject({}).optional(),
  media_signaling: z.looseObject({}).optional(),
  subscribe: z
    .looseObject({ rules: z.array(SubscribeRule).max(20), revision: z.number().optional() })
    .optional(),
  format: z.string().optional(),
  /** Plaza extension: what this client understands beyond Twilio's protocol. */
  plaza: z.looseObject({ data_envelope: z.number().optional() }).optional(),
});
export type ConnectMessage = z.infer<typeof ConnectMessage>;

export const SyncMessage = z.looseObject({
  type: z.literal('sync'),
  version: z.literal(RSP_VERSION),
  session: z.string().max(256),
  token,
  name: z.string().max(256).nullable().optional(),
  participant: ClientParticipantState,
  peer_connections: z.array(PeerConnectionState).max(8).optional(),
  plaza: z.looseObject({ data_envelope: z.number().optional() }).optional(),
});
export type SyncMessage = z.infer<typeof SyncMessage>;

export const UpdateMessage = z.looseObject({
  type: z.literal('update'),
  version: z.literal(RSP_VERSION).optional(),
  session: z.string().max(256).optional(),
  participant: ClientParticipantState.optional(),
  peer_connections: z.array(PeerConnectionState).max(8).optional(),
  subscribe: z
    .looseObject({ rules: z.array(SubscribeRule).max(20), revision: z.number().optional() })
    .optional(),
});
export type UpdateMessage = z.infer<typeof UpdateMessage>;

export const DisconnectMessage = z.looseObject({
  type: z.literal('disconnect'),
  session: z.string().max(256).optional(),
  version: z.number().optional(),
});

export const ClientMessage = z.discriminatedUnion('type', [
  IceMessage,
  ConnectMessage,
  SyncMessage,
  UpdateMessage,
  DisconnectMessage,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export type ClientMessageParseResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; reason: string };

const CLIENT_TYPES = ['ice', 'connect', 'sync', 'update', 'disconnect'];

/** Validates an RSP body from the client; never throws. */
export function parseClientMessage(body: unknown): ClientMessageParseResult {
  const result = ClientMessage.safeParse(body);
  if (result.success) return { ok: true, message: result.data };
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !CLIENT_TYPES.includes(type)) {
    return { ok: false, reason: `Unknown RSP message type: ${String(type)}` };
  }
  const issue = result.error.issues[0];
  return { ok: false, reason: `Invalid ${type}: ${issue ? `${issue.path.join('.')} ${issue.message}` : 'invalid'}` };
}

// ---- Server -> client shapes ----

export interface ServerTrackState {
  sid: string;
  name: string;
  kind: TrackKind;
  enabled: boolean;
  priority: string;
  /** Plaza extension: the DataTrack reliability the subscriber channel carries. */
  ordered?: boolean;
  max_packet_life_time?: number | null;
  max_retransmits?: number | null;
  /** Plaza extension: the DataChannel session this DataTrack carries. */
  plaza_channel?: { channel_id: number; reliability: 'durable' | 'lossy'; priority: 'high' | 'normal'; retain?: number };
}

export interface RemoteParticipantState {
  sid: string;
  identity: string;
  revision: number;
  state: 'connected' | 'reconnecting' | 'disconnected';
  tracks: ServerTrackState[];
  /** Plaza extension: the participant's index in the room, which DataChannel envelopes name recipients by. */
  plaza_index?: number;
}

export interface PublishedState {
  revision: number;
  tracks: Array<{ id: string; sid: string; state: 'ready' | 'failed' | 'created'; error?: { code: number; message: string } }>;
}

export interface SubscribedState {
  revision: number;
  tracks: Array<{ sid: string; id: string } | { sid: string; error: { code: number; message: string } }>;
}

export interface ServerPeerConnectionState {
  id: string;
  description?: { type: 'offer' | 'answer' | 'create-offer' | 'close'; revision: number; sdp?: string };
  ice?: { ufrag: string; revision: number; candidates: Array<{ candidate: string; sdpMid?: string; sdpMLineIndex?: number }>; complete?: boolean };
}

export interface RoomStateFields {
  participant?: { sid: string; identity: string; plaza_index?: number };
  participants?: RemoteParticipantState[];
  peer_connections?: ServerPeerConnectionState[];
  published?: PublishedState;
  subscribed?: SubscribedState;
  recording?: { is_recording: boolean; revision: number };
}

export type ServerMessage =
  | { type: 'iced'; ice_servers: unknown[] }
  | ({
      type: 'connected';
      session: string;
      sid: string;
      name: string;
      media_signaling: Record<string, unknown>;
      options: { session_timeout: number; signaling_region: string; media_region: string };
    } & RoomStateFields)
  | ({ type: 'synced'; session: string; sid: string; name: string } & RoomStateFields)
  | ({ type: 'update' } & RoomStateFields)
  | { type: 'disconnected'; status?: 'completed'; reason?: string }
  | { type: 'error'; code: number; message: string };
