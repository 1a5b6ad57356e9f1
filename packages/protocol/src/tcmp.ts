/**
 * TCMP v2: the framing the official SDK speaks over its one WebSocket
 * (twilio-video lib/twilioconnection.js). Every frame is a JSON text message with a `type`.
 */
import { z } from 'zod';

export const TCMP_VERSION = 2;

/** Client -> server frames. `body` is an RSP message, validated separately by rsp.ts. */
export const ClientFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    id: z.string().max(128).optional(),
    version: z.number(),
    timeout: z.number().int().positive().optional(),
    body: z.unknown().optional(),
    cookie: z.string().optional(),
  }),
  z.object({ type: z.literal('msg'), body: z.unknown() }),
  z.object({ type: z.literal('heartbeat') }),
  z.object({ type: z.literal('bye') }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Server -> client frames. */
export type ServerFrame =
  | { type: 'welcome'; id?: string; negotiatedTimeout: number }
  | { type: 'msg'; body: unknown }
  | { type: 'heartbeat' }
  | { type: 'bad'; reason: string }
  | { type: 'busy'; retryAfter: number; keepAlive: boolean; cookie?: string }
  | { type: 'bye' };

/** WebSocket close codes from twilioconnection.js. */
export const WsCloseCode = {
  Normal: 1000,
  Busy: 3000,
  HeartbeatsTimeout: 3001,
  HelloFailed: 3002,
  ServerBusy: 3003,
  WelcomeTimeout: 3004,
  /** Not a Twilio code: the server refuses a frame over the size limit (RFC 6455 1009). */
  MessageTooBig: 1009,
} as const;

export type FrameParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; reason: string };

/** Parses one client text frame; never throws. */
export function parseClientFrame(text: string): FrameParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'Malformed JSON' };
  }
  const result = ClientFrame.safeParse(raw);
  if (!result.success) {
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    return {
      ok: false,
      reason:
        typeof type === 'string' && !['hello', 'msg', 'heartbeat', 'bye'].includes(type)
          ? `Unknown message type: ${type}`
          : `Invalid ${String(type ?? 'frame')}: ${result.error.issues[0]?.message ?? 'invalid'}`,
    };
  }
  return { ok: true, frame: result.data };
}
