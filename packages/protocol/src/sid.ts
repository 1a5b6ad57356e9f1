/**
 * Twilio-shaped SIDs: two-letter prefix + 32 lowercase hex digits.
 * Branded types keep a RoomSid from being passed where a TrackSid is expected.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type AccountSid = Brand<string, 'AccountSid'>;
export type ApiKeySid = Brand<string, 'ApiKeySid'>;
export type RoomSid = Brand<string, 'RoomSid'>;
export type ParticipantSid = Brand<string, 'ParticipantSid'>;
export type TrackSid = Brand<string, 'TrackSid'>;

export const SID_PREFIX = {
  account: 'AC',
  apiKey: 'SK',
  room: 'RM',
  participant: 'PA',
  track: 'MT',
} as const;

type SidOf = {
  AC: AccountSid;
  SK: ApiKeySid;
  RM: RoomSid;
  PA: ParticipantSid;
  MT: TrackSid;
};
export type SidPrefix = keyof SidOf;

const SID_PATTERN = /^(AC|SK|RM|PA|MT|RT)[0-9a-f]{32}$/;

/** A new random SID. Uses Web Crypto, available in browsers and Node >= 19. */
export function newSid<P extends SidPrefix>(prefix: P): SidOf[P] {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return (prefix + hex) as SidOf[P];
}

export function isSid<P extends SidPrefix>(value: unknown, prefix: P): value is SidOf[P] {
  return typeof value === 'string' && SID_PATTERN.test(value) && value.startsWith(prefix);
}
