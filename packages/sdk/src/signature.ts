/**
 * `X-Twilio-Signature` of Plaza's status callbacks, exactly as Twilio's helper computes and checks it
 * (`twilio.getExpectedTwilioSignature` / `twilio.validateRequest`, lib/webhooks/webhooks.js):
 * base64 HMAC-SHA1, keyed by the account's auth token, of the full URL followed by every form
 * parameter's name and value, names sorted (`Array.prototype.sort`, UTF-16 code units), as UTF-8.
 *
 * A POST callback is signed over its URL and its form parameters. A GET callback carries its
 * parameters in the query string and is signed over the full URL with no parameters: validate it with
 * `validateCallbackSignature(token, signature, urlWithQuery, {})`.
 *
 * The URL must be the one the server called (the status callback URL as configured), not what a
 * proxy in front of your app rewrote it to.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';

/** The `X-Twilio-Signature` value for `url` and the form parameters `params`. */
export function signCallback(authToken: string, url: string, params: Record<string, string> = {}): string {
  const data = Object.keys(params)
    .sort()
    .reduce((message, name) => message + name + params[name], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}

/**
 * Whether `signature` (the `X-Twilio-Signature` header) signs `url` and `params` with `authToken`.
 * Accepts what `twilio.validateRequest` accepts: the URL with or without its port (the scheme's
 * default port added or removed), as given or normalised. Constant-time; never throws.
 */
export function validateCallbackSignature(
  authToken: string,
  signature: string | undefined | null,
  url: string,
  params: Record<string, string> = {},
): boolean {
  if (typeof signature !== 'string' || !signature) return false;
  const given = Buffer.from(signature);
  return candidateUrls(url).some((candidate) => {
    const expected = Buffer.from(signCallback(authToken, candidate, params));
    // A signature's length is fixed by the algorithm, not secret: checking it first is safe.
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
