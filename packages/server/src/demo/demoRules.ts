/**
 * What the demo token endpoint grants (README "Plaza Meet"). The endpoint is unauthenticated by
 * design (anyone who can open the demo page may join a call), so it only ever grants rooms in the
 * demo's namespace: a token from it cannot open any other room of this server.
 */

/** Lifetime of a demo token. The server verifies the token again on a signaling reconnect, so a
 * call that loses its connection after this long ends (the app offers to join again). */
export const DEMO_TOKEN_TTL_SECONDS = 3600;

/** `demo`, or `demo-` and 1–40 lowercase letters, digits and dashes. */
export const DEMO_ROOM_PATTERN = /^demo(?:-[a-z0-9][a-z0-9-]{0,39})?$/;
export const DEMO_ROOM_RULE = 'room must be "demo" or "demo-" followed by 1-40 lowercase letters, digits or dashes (demo rooms only)';

/** Letters (any script), digits, spaces and . _ ' -, at least one letter or digit. */
const IDENTITY_CHARACTERS = /^[\p{L}\p{M}\p{N} ._'-]+$/u;
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
export const MAX_DEMO_IDENTITY = 64;
export const DEMO_IDENTITY_RULE = `identity must be 1-${MAX_DEMO_IDENTITY} letters, digits, spaces or . _ ' - (with at least one letter or digit)`;

export interface DemoGrant {
  identity: string;
  room: string;
}

export type DemoRequestCheck = { ok: true; grant: DemoGrant } | { ok: false; message: string };

/** Validates a parsed `POST /demo/token` body. The identity is trimmed; nothing else is rewritten. */
export function checkDemoRequest(body: unknown): DemoRequestCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'body must be a JSON object: {"identity": "alice", "room": "demo"}' };
  }
  const { identity: rawIdentity, room } = body as { identity?: unknown; room?: unknown };
  if (typeof rawIdentity !== 'string') return { ok: false, message: DEMO_IDENTITY_RULE };
  const identity = rawIdentity.trim();
  if (
    identity.length === 0 ||
    [...identity].length > MAX_DEMO_IDENTITY ||
    !IDENTITY_CHARACTERS.test(identity) ||
    !HAS_LETTER_OR_DIGIT.test(identity)
  ) {
    return { ok: false, message: DEMO_IDENTITY_RULE };
  }
  if (typeof room !== 'string' || !DEMO_ROOM_PATTERN.test(room)) return { ok: false, message: DEMO_ROOM_RULE };
  return { ok: true, grant: { identity, room } };
}
