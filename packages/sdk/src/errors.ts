import type { ErrorBody } from './resources.js';

/**
 * A REST call answered with an HTTP error. `code` is Twilio's error code (20404 not found, 20003 bad
 * credentials, 53113 room exists, 53215 bad subscribe rules, …); `moreInfo` links to its docs. A body
 * that is not Twilio's error JSON (a proxy's page, say) gives `code` = the HTTP status.
 */
export class PlazaRestError extends Error {
  override readonly name = 'PlazaRestError';

  constructor(
    /** HTTP status. */
    readonly status: number,
    readonly code: number,
    message: string,
    readonly moreInfo: string | null,
    /** The request, as `METHOD url`. */
    readonly request: string,
  ) {
    super(message);
  }

  /** From a response whose status is not 2xx; reads the body. */
  static async fromResponse(res: Response, request: string): Promise<PlazaRestError> {
    const text = await res.text().catch(() => '');
    let body: Partial<ErrorBody> | null = null;
    try {
      body = JSON.parse(text) as Partial<ErrorBody>;
    } catch {
      // not JSON
    }
    if (body && typeof body.code === 'number' && typeof body.message === 'string') {
      return new PlazaRestError(res.status, body.code, body.message, typeof body.more_info === 'string' ? body.more_info : null, request);
    }
    const detail = text.trim().slice(0, 200);
    return new PlazaRestError(res.status, res.status, `HTTP ${res.status} ${res.statusText}${detail ? `: ${detail}` : ''}`, null, request);
  }
}
