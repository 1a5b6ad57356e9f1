/**
 * REST errors in Twilio's shape (`lib/base/RestException.js` reads `code`, `message`, `more_info`,
 * `status`), so Twilio's helper libraries raise their usual RestException against Plaza.
 */
import { PlazaError } from '@plaza/protocol';

export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  static notFound(what: string): RestError {
    return new RestError(404, 20404, `The requested resource ${what} was not found`);
  }

  static invalidParameter(message: string): RestError {
    return new RestError(400, 20001, message);
  }

  /** A Plaza/Twilio error code raised by the room logic (e.g. 53113 room exists, 53105 room full). */
  static fromPlaza(err: PlazaError, status = 400): RestError {
    return new RestError(status, err.code, err.message);
  }

  body(): { code: number; message: string; more_info: string; status: number } {
    return { code: this.code, message: this.message, more_info: `https://www.twilio.com/docs/errors/${this.code}`, status: this.status };
  }
}
