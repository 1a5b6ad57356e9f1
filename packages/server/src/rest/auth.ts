/**
 * HTTP Basic auth as Twilio takes it: `API key SID : API key secret`, or `account SID : auth token`.
 * Compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Credentials } from '../auth/Credentials.js';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when the Authorization header carries one of the two accepted credential pairs. */
export function isAuthorized(header: string | undefined, credentials: Credentials): boolean {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return (
    (same(user, credentials.apiKeySid) && same(password, credentials.apiKeySecret)) ||
    (same(user, credentials.accountSid) && same(password, credentials.authToken))
  );
}
