/**
 * AccessTokens for Plaza clients, in Twilio's format (the `twilio` package's lib/jwt/AccessToken.js), so
 * `twilio-video` and `@plaza/client` accept them: an HS256 JWT signed with the API key secret, header
 * `cty: twilio-fpa;v=1`, `iss` = API key SID, `sub` = account SID, `jti` = `<API key SID>-<iat>`,
 * `grants: { identity, video: { room? } }`. The same token `plaza token` and the server mint.
 */
import { SignJWT } from 'jose';

export interface TokenCredentials {
  /** `AC` + 32 hex. */
  accountSid: string;
  /** `SK` + 32 hex. */
  apiKeySid: string;
  apiKeySecret: string;
}

export interface AccessTokenOptions {
  /** Who joins: the participant's identity (at most 256 characters). */
  identity: string;
  /** Restricts the token to one room (UniqueName); absent means any room. */
  room?: string;
  /** Seconds until it expires. Default 3600, as Twilio's helper. */
  ttl?: number;
}

export async function createAccessToken(credentials: TokenCredentials, options: AccessTokenOptions): Promise<string> {
  if (!options.identity) throw new TypeError('identity is required');
  const ttl = options.ttl ?? 3600;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new RangeError('ttl must be a positive number of seconds');
  const now = Math.floor(Date.now() / 1000);
  const video: { room?: string } = {};
  if (options.room) video.room = options.room;
  return new SignJWT({ grants: { identity: options.identity, video } })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' })
    .setJti(`${credentials.apiKeySid}-${now}`)
    .setIssuer(credentials.apiKeySid)
    .setSubject(credentials.accountSid)
    .setIssuedAt(now)
    .setExpirationTime(now + Math.floor(ttl))
    .sign(new TextEncoder().encode(credentials.apiKeySecret));
}
