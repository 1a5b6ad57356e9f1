/**
 * Validators for server -> client RSP bodies, used by @plaza/client at its edge (the types in rsp.ts
 * describe what the server sends; these check what a client actually received). Lenient like the
 * official SDK: unknown extra fields are kept, optional state fields may be absent, unknown track kinds
 * pass through (the client decides what to do with audio/video it cannot render).
 */
import { z } from 'zod';

const ServerTrack = z.looseObject({
  sid: z.string(),
  name: z.string().default(''),
  kind: z.string(),
  enabled: z.boolean().default(true),
  priority: z.string().optional(),
  ordered: z.boolean().optional(),
  max_packet_life_time: z.number().int().nullable().optional(),
  max_retransmits: z.number().int().nullable().optional(),
});
export type ParsedServerTrack = z.infer<typeof ServerTrack>;

const RemoteParticipant = z.looseObject({
  sid: z.string(),
  identity: z.string(),
  revision: z.number(),
  state: z.enum(['connected', 'reconnecting', 'disconnected']).default('connected'),
  tracks: z.array(ServerTrack).default([]),
});
export type ParsedRemoteParticipant = z.infer<typeof RemoteParticipant>;

const ErrorBody = z.looseObject({ code: z.number(), message: z.string().default('') });

const Published = z.looseObject({
  revision: z.number(),
  tracks: z
    .array(
      z.looseObject({
        id: z.string(),
        sid: z.string().optional(),
        state: z.enum(['ready', 'failed', 'created']),
        error: ErrorBody.optional(),
      }),
    )
    .default([]),
});
export type ParsedPublished = z.infer<typeof Published>;

const Subscribed = z.looseObject({
  revision: z.number(),
  tracks: z
    .array(z.looseObject({ sid: z.string(), id: z.string().optional(), error: ErrorBody.optional() }))
    .default([]),
});
export type ParsedSubscribed = z.infer<typeof Subscribed>;

const ServerPeerConnection = z.looseObject({
  id: z.string(),
  description: z
    .looseObject({
      type: z.enum(['offer', 'answer', 'pranswer', 'create-offer', 'close', 'rollback']),
      revision: z.number(),
      sdp: z.string().optional(),
    })
    .nullable()
    .optional(),
  ice: z
    .looseObject({
      ufrag: z.string().nullable().optional(),
      revision: z.number().default(0),
      candidates: z
        .array(
          z.looseObject({
            candidate: z.string(),
            sdpMid: z.string().nullable().optional(),
            sdpMLineIndex: z.number().nullable().optional(),
          }),
        )
        .default([]),
      complete: z.boolean().optional(),
    })
    .optional(),
});
export type ParsedServerPeerConnection = z.infer<typeof ServerPeerConnection>;

const RoomStateFields = {
  participant: z.looseObject({ sid: z.string(), identity: z.string() }).optional(),
  participants: z.array(RemoteParticipant).optional(),
  peer_connections: z.array(ServerPeerConnection).optional(),
  published: Published.optional(),
  subscribed: Subscribed.optional(),
  media_signaling: z.record(z.string(), z.unknown()).nullable().optional(),
};

const IceServer = z.looseObject({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});

export const ServerMessageSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('iced'), ice_servers: z.array(IceServer).default([]) }),
  z.looseObject({
    type: z.literal('connected'),
    session: z.string(),
    sid: z.string(),
    name: z.string().default(''),
    options: z.looseObject({ session_timeout: z.number().optional() }).optional(),
    ...RoomStateFields,
  }),
  z.looseObject({ type: z.literal('synced'), session: z.string().optional(), ...RoomStateFields }),
  z.looseObject({ type: z.literal('update'), ...RoomStateFields }),
  z.looseObject({ type: z.literal('disconnected'), status: z.string().optional(), reason: z.string().optional() }),
  z.looseObject({ type: z.literal('error'), code: z.number(), message: z.string().default('') }),
  z.looseObject({ type: z.literal('warning') }),
]);
export type ParsedServerMessage = z.infer<typeof ServerMessageSchema>;
export type ParsedRoomState = Extract<ParsedServerMessage, { type: 'connected' | 'synced' | 'update' }>;

export type ServerMessageParseResult =
  | { ok: true; message: ParsedServerMessage }
  | { ok: false; reason: string };

/** Validates an RSP body from the server; never throws. */
export function parseServerMessage(body: unknown): ServerMessageParseResult {
  const result = ServerMessageSchema.safeParse(body);
  if (result.success) return { ok: true, message: result.data };
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  const issue = result.error.issues[0];
  return {
    ok: false,
    reason: `Invalid ${String(type)}: ${issue ? `${issue.path.join('.')} ${issue.message}` : 'invalid'}`,
  };
}
