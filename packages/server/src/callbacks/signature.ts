/**
 * `X-Twilio-Signature` for status callbacks (REST-API.md "Status callbacks"). Receivers check it with
 * Twilio's own helper (`twilio.validateRequest`, `lib/webhooks/webhooks.js`), so both halves here
 * mirror that file rather than the prose docs:
 * - signing is `getExpectedTwilioSignature`: base64 HMAC-SHA1, keyed by the auth token, of the URL
 *   followed by every parameter's name and value, names in `Array.prototype.sort` order (UTF-16 code
 *   units), the message taken as UTF-8;
 * - validating accepts exactly the URLs `validateRequest` tries: the URL as given with its port removed
 *   and with the scheme's default port added, then the same for its WHATWG-normalised form and for that
 *   form with the query re-encoded by the legacy `querystring` module.
 *
 * GET callbacks carry their parameters in the query string. Twilio's helpers (the Express `webhook()`
 * middleware reads `req.body`, which is empty for a GET) then validate the full URL, query included,
 * with no parameters, so that is what a GET is signed over: `signRequest(token, urlWithQuery, {})`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';

/** The signature Twilio's helper expects for `url` and the form parameters `params`. */
export function signRequest(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((message, name) => message + name + params[name], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}

/**
 * Whether `signature` signs `url` and `params`: true for whatever `twilio.validateRequest` accepts
 * (port present or not, URL escaped or not), compared in constant time. Never throws.
 */
export function validateSignature(
  authToken: string,
  signature: string,
  url: string,
  params: Record<string, string>,
): boolean {
  const given = Buffer.from(signature ?? '');
  return candidateUrls(url).some((candidate) => {
    const expected = Buffer.from(signRequest(authToken, candidate, params));
    // The length of a signature is fixed by the algorithm, not secret: checking it first is safe.
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

/** The URLs `validateRequest` tries, in its order, without duplicates. */
function candidateUrls(url: string): string[] {
  const candidates = [withoutPort(url), withDefaultPort(url)];
  const normalized = normalizedUrl(url);
  if (normalized !== null) {
    const bare = withoutPort(normalized);
    const ported = withDefaultPort(normalized);
    candidates.push(bare, ported, withLegacyQuery(bare), withLegacyQuery(ported));
  }
  return [...new Set(candidates)];
}

interface UrlParts {
  scheme: string;
  userInfo: string;
  host: string;
  /** `:1234`, or empty. */
  port: string;
  /** Path, query and fragment, untouched. */
  rest: string;
}

/** Splits without normalising, so path and query keep the exact characters that were signed. */
function splitUrl(url: string): UrlParts | null {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return null;
  const [prefix, scheme = '', authority = ''] = match;
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // A colon only starts the port after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

/** Twilio's `removePort`: drops any port, default or not. */
function withoutPort(url: string): string {
  const parts = splitUrl(url);
  return parts ? parts.scheme + parts.userInfo + parts.host + parts.rest : url;
}

/** Twilio's `addPort`: `:443` for https, `:80` for anything else, only where there is no port. */
function withDefaultPort(url: string): string {
  const parts = splitUrl(url);
  if (!parts || parts.port) return url;
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}

function normalizedUrl(url: string): string | null {
  try {
    return new URL(url).toString();
  } catch {
    return null;
  }
}

/** Twilio's `withLegacyQuerystring`: the query as Node's `querystring` would have encoded it. */
function withLegacyQuery(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1 || queryStart === url.length - 1) return url;
  return url.slice(0, queryStart) + '?' + stringifyQuery(parseQuery(url.slice(queryStart + 1)));
}
