/**
 * AccessTokens in Twilio's format (twilio npm lib/jwt/AccessToken.js): HS256 JWT, header
 * `cty: twilio-fpa;v=1`, iss = API key SID, sub = account SID, grants.identity, grants.video.room.
 */
import { jwtVerify, decodeProtectedHeader, errors as joseErrors } from 'jose';
import { createAccessToken as mintAccessToken } from '@plaza/sdk';
import { ErrorCode, PlazaError } from '@plaza/protocol';
import type { Credentials } from './Credentials.js';

export interface TokenOptions {
  identity: string;
  /** Restricts the token to one room; absent means any room. */
  room?: string;
  /** Seconds. Default 3600, as Twilio's helper. */
  ttl?: number;
}

export interface VerifiedToken {
  identity: string;
  room: string | null;
}

const MAX_IDENTITY = 256;

/** Mints a token with the server's key: the one implementation is @plaza/sdk's (apps mint the same). */
export function createAccessToken(credentials: Credentials, options: TokenOptions): Promise<string> {
  return mintAccessToken(credentials, options);
}

/**
 * Verifies a token and returns who it admits. Throws PlazaError with the code the official SDK
 * maps to the matching AccessToken*Error.
 */
export async function verifyAccessToken(
  token: string,
  credentials: Credentials,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<VerifiedToken> {
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw PlazaError.of(ErrorCode.AccessTokenInvalid, 'not a JWT');
  }
  if (header.alg !== 'HS256') throw PlazaError.of(ErrorCode.AccessTokenHeaderInvalid, `unsupported alg ${String(header.alg)}`);

  let payload;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(credentials.apiKeySecret), {
      algorithms: ['HS256'],
      currentDate: new Date(nowSeconds * 1000),
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw PlazaError.of(ErrorCode.AccessTokenExpired);
    if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf') {
      throw PlazaError.of(ErrorCode.AccessTokenNotYetValid);
    }
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
      throw PlazaError.of(ErrorCode.AccessTokenSignatureInvalid);
    }
    throw PlazaError.of(ErrorCode.AccessTokenInvalid, (err as Error).message);
  }
  if (payload.iss !== credentials.apiKeySid || payload.sub !== credentials.accountSid) {
    throw PlazaError.of(ErrorCode.AccessTokenIssuerInvalid);
  }
  if (typeof payload.exp !== 'number') throw PlazaError.of(ErrorCode.AccessTokenExpired, 'no exp claim');

  const grants = payload.grants as { identity?: unknown; video?: { room?: unknown } } | undefined;
  if (!grants || typeof grants.video !== 'object' || grants.video === null) {
    throw PlazaError.of(ErrorCode.AccessTokenGrantsInvalid, 'no video grant');
  }
  const identity = grants.identity;
  if (typeof identity !== 'string' || identity.length === 0) {
    throw PlazaError.of(ErrorCode.AccessTokenGrantsInvalid, 'no identity');
  }
  if (identity.length > MAX_IDENTITY) throw PlazaError.of(ErrorCode.ParticipantIdentityTooLong);
  const room = grants.video.room;
  if (room !== undefined && typeof room !== 'string') throw PlazaError.of(ErrorCode.AccessTokenGrantsInvalid, 'room grant');
  return { identity, room: room ?? null };
}
