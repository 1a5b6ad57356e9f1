/**
 * Delivers status callbacks (REST-API.md "Status callbacks") from a durable outbox, so an event
 * recorded before a crash or while the receiver is down still arrives, and arrives in order.
 *
 * The outbox (SQLite elsewhere; anything implementing `CallbackOutbox`) owns the ordering rule: it
 * hands out only each room's oldest undelivered entry, and only once it is due. The dispatcher adds
 * the other half: it never has two requests of one room in flight, so a room's events reach the
 * receiver one after the other, and a failed entry (non-2xx, network error, timeout) is retried with
 * backoff while the room's later entries wait behind it. Other rooms are not held up: up to
 * `concurrency` rooms are in flight at once.
 *
 * Delivery is at least once: an entry is marked delivered only after a 2xx, so a crash between the
 * response and the mark sends it again. Redirects are not followed (a followed 302 would turn the
 * POST into a body-less GET); a 3xx counts as a failure like any other non-2xx.
 *
 * Scheduling is one timer: `wake()` (after an enqueue) and each finished request ask for a pass
 * right away; an idle dispatcher sleeps until `nextCallbackDueAt()`. Nothing runs on the caller's
 * stack, nothing throws out (outbox and network errors are logged), and `stop()` waits for the
 * requests in flight and leaves no timer behind.
 */
import type { Logger } from '../log.js';
import { signRequest } from './signature.js';

export interface OutboxEntry {
  id: number;
  roomSid: string;
  url: string;
  method: 'GET' | 'POST';
  params: Record<string, string>;
  /** Failed attempts so far (the outbox counts them in `markCallbackRetry`). */
  attempts: number;
  nextAttemptAt: Date;
  createdAt: Date;
  lastError: string | null;
}

export interface CallbackOutbox {
  /** Per room only its oldest undelivered entry, if due; at most `limit` of them. */
  dueCallbacks(now: Date, limit: number): OutboxEntry[];
  /** When the earliest undelivered entry is due, or null when there is none. */
  nextCallbackDueAt(): Date | null;
  markCallbackDelivered(id: number): void;
  /** Records a failed attempt (attempts + 1) and when to try again. */
  markCallbackRetry(id: number, nextAttemptAt: Date, error: string): void;
}

export interface CallbackDispatcherOptions {
  outbox: CallbackOutbox;
  /** Key of the `X-Twilio-Signature` HMAC. */
  authToken: string;
  log: Logger;
  fetch?: typeof fetch;
  /** Per request, headers included. Default 10 s. */
  timeoutMs?: number;
  /** Rooms with a request in flight at once. Default 4. */
  concurrency?: number;
  /** Delay in ms before retrying after the `attempt`-th failure (1-based). Default `defaultBackoff`. */
  backoff?: (attempt: number) => number;
  /** Attempts before giving up. Default unlimited; an entry `MAX_AGE_MS` old is given up on regardless. */
  maxAttempts?: number;
  now?: () => Date;
}

export interface DispatcherStats {
  delivered: number;
  failedAttempts: number;
  /** Entries given up on (too many attempts, too old, or a URL that can never work). */
  abandoned: number;
  inFlight: number;
}

export const USER_AGENT = 'Plaza/1.0 (TwilioProxy compatible)';
/** Without `maxAttempts`, an entry is retried until it is this old. */
export const MAX_AGE_MS = 24 * 60 * 60 * 1000;
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5 * 60 * 1000;
/** Pause after an outbox error, or while the outbox says "due" but hands nothing new out. */
const STALL_RETRY_MS = 1000;
/** Longest sleep: a safety net should a `wake()` ever be missed. */
const MAX_SLEEP_MS = 60 * 1000;

/** 1 s, 2 s, 4 s … capped at 5 min, each ±20 % so failed rooms don't retry in lockstep. */
export function defaultBackoff(attempt: number): number {
  const base = Math.min(FIRST_BACKOFF_MS * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
  return Math.round(base * (0.8 + 0.4 * Math.random()));
}

/** What goes on the wire for one entry. */
interface CallbackRequest {
  url: string;
  init: RequestInit;
}

/** A URL that no retry can fix (unparseable, not http(s)). */
class PermanentError extends Error {}

export class CallbackDispatcher {
  private readonly outbox: CallbackOutbox;
  private readonly log: Logger;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly backoff: (attempt: number) => number;
  private readonly now: () => Date;
  /** Room SID → its request in flight (the promise never rejects). */
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  /** `Date.now()` at which `timer` fires. */
  private timerAt = 0;
  private running = false;
  readonly stats: DispatcherStats = { delivered: 0, failedAttempts: 0, abandoned: 0, inFlight: 0 };

  constructor(private readonly options: CallbackDispatcherOptions) {
    this.outbox = options.outbox;
    this.log = options.log;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.backoff = options.backoff ?? defaultBackoff;
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Something was enqueued: deliver it soon. Returns at once; the pass runs on a timer. */
  wake(): void {
    this.schedule(0);
  }

  /** No new requests; resolves once those in flight are settled in the outbox. No timer is left. */
  async stop(): Promise<void> {
    this.running = false;
    this.clearTimer();
    await Promise.all(this.inFlight.values());
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    const at = Date.now() + delayMs;
    if (this.timer !== null && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pass();
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Starts what is due (room by room, within `concurrency`), then sleeps until the next due entry. */
  private pass(): void {
    if (!this.running) return;
    try {
      this.dispatchDue();
      this.sleepUntilDue();
    } catch (err) {
      this.log.error({ err }, 'callback outbox failed');
      this.schedule(STALL_RETRY_MS);
    }
  }

  private dispatchDue(): void {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return;
    // Rooms in flight still have their entry due (it is undelivered): ask for enough to skip them.
    for (const entry of this.outbox.dueCallbacks(this.now(), free + this.inFlight.size)) {
      if (this.inFlight.size >= this.concurrency) break;
      if (this.inFlight.has(entry.roomSid)) continue;
      this.dispatch(entry);
    }
  }

  private dispatch(entry: OutboxEntry): void {
    const done = this.deliver(entry).then(() => {
      this.inFlight.delete(entry.roomSid);
      this.stats.inFlight = this.inFlight.size;
      this.schedule(0);
    });
    this.inFlight.set(entry.roomSid, done);
    this.stats.inFlight = this.inFlight.size;
  }

  /**
   * A finished request schedules the next pass, so at full capacity no timer is needed. Otherwise
   * sleep until the next entry is due. "Due already" usually means a room in flight (its entry is
   * undelivered until the response), which hides when the other rooms are due: look again shortly
   * rather than spin, so a long request delays another room's retry by at most `STALL_RETRY_MS`.
   */
  private sleepUntilDue(): void {
    if (this.inFlight.size >= this.concurrency) return;
    const due = this.outbox.nextCallbackDueAt();
    if (due === null) return;
    const delay = due.getTime() - this.now().getTime();
    this.schedule(delay > 0 ? Math.min(delay, MAX_SLEEP_MS) : STALL_RETRY_MS);
  }

  /** Sends one entry and records the outcome. Never rejects. */
  private async deliver(entry: OutboxEntry): Promise<void> {
    let error: unknown = null;
    try {
      await this.send(entry);
    } catch (err) {
      error = err;
    }
    try {
      if (error === null) this.delivered(entry);
      else this.failed(entry, error);
    } catch (err) {
      // Left undelivered in the outbox: it is sent again (at least once).
      this.log.error({ err, callbackId: entry.id, roomSid: entry.roomSid }, 'callback outbox failed');
    }
  }

  /** Resolves on a 2xx; rejects with the reason otherwise. */
  private async send(entry: OutboxEntry): Promise<void> {
    const request = this.buildRequest(entry);
    const response = await this.fetch(request.url, { ...request.init, signal: AbortSignal.timeout(this.timeoutMs) });
    // Free the connection; the receiver's body means nothing to us.
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status > 299) throw new Error(`HTTP ${response.status}`);
  }

  /**
   * The request and its signature, over exactly the URL sent: normalised as fetch would (what the
   * receiver sees), without fragment, without credentials (they become a Basic `Authorization`
   * header; fetch refuses URLs carrying them), with a GET's parameters appended to the query.
   */
  private buildRequest(entry: OutboxEntry): CallbackRequest {
    const url = parseCallbackUrl(entry.url);
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT };
    if (url.username !== '' || url.password !== '') {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      headers.Authorization = `Basic ${Buffer.from(credentials, 'utf-8').toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    url.hash = '';
    const form = new URLSearchParams(entry.params).toString();
    if (entry.method === 'GET') {
      if (form !== '') url.search = url.search === '' ? form : `${url.search.slice(1)}&${form}`;
      headers['X-Twilio-Signature'] = signRequest(this.options.authToken, url.href, {});
      return { url: url.href, init: { method: 'GET', headers, redirect: 'manual' } };
    }
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    headers['X-Twilio-Signature'] = signRequest(this.options.authToken, url.href, entry.params);
    return { url: url.href, init: { method: 'POST', headers, body: form, redirect: 'manual' } };
  }

  private delivered(entry: OutboxEntry): void {
    this.outbox.markCallbackDelivered(entry.id);
    this.stats.delivered++;
    this.log.debug({ callbackId: entry.id, roomSid: entry.roomSid, attempts: entry.attempts + 1 }, 'callback delivered');
  }

  private failed(entry: OutboxEntry, err: unknown): void {
    const reason = describeError(err);
    const attempts = entry.attempts + 1;
    const context = { callbackId: entry.id, roomSid: entry.roomSid, url: entry.url, attempts, reason };
    this.stats.failedAttempts++;
    if (this.shouldGiveUp(entry, attempts, err)) {
      // Marked delivered so the room's later events are not stuck behind it forever.
      this.outbox.markCallbackDelivered(entry.id);
      this.stats.abandoned++;
      this.log.warn(context, 'callback given up');
      return;
    }
    const nextAttemptAt = new Date(this.now().getTime() + Math.max(0, this.backoff(attempts)));
    this.outbox.markCallbackRetry(entry.id, nextAttemptAt, reason);
    this.log.info({ ...context, nextAttemptAt }, 'callback failed, will retry');
  }

  private shouldGiveUp(entry: OutboxEntry, attempts: number, err: unknown): boolean {
    if (err instanceof PermanentError) return true;
    if (this.options.maxAttempts !== undefined && attempts >= this.options.maxAttempts) return true;
    return this.now().getTime() - entry.createdAt.getTime() >= MAX_AGE_MS;
  }
}

function parseCallbackUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PermanentError(`invalid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PermanentError(`unsupported scheme ${url.protocol}`);
  return url;
}

/** `fetch failed` alone says nothing: add the cause (ECONNREFUSED, …). Timeouts say so. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'timeout';
  const cause: unknown = err.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return `${err.message}: ${code ?? cause.message}`;
  }
  return err.message;
}
