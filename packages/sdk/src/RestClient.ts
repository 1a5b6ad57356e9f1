/**
 * A client for Plaza's Rooms REST API v1 (Twilio Video v1 compatible). Plain `fetch`, HTTP Basic auth
 * with an API key (or the account SID and auth token), Twilio's form-encoded parameters and error
 * bodies. Resources are returned exactly as the JSON on the wire (see resources.ts).
 *
 *   const plaza = new PlazaRestClient({ baseUrl: 'http://127.0.0.1:7880', apiKeySid, apiKeySecret });
 *   const room = await plaza.rooms.create({ uniqueName: 'demo', maxParticipants: 4 });
 *   for await (const p of plaza.participants('demo').list({ status: 'connected' })) console.log(p.identity);
 *   await plaza.rooms.end('demo');
 */
import { PlazaRestError } from './errors.js';
import type {
  CreateRoomParams,
  PageMeta,
  ParticipantFilter,
  ParticipantResource,
  PublishedTrackResource,
  RoomFilter,
  RoomResource,
  SubscribedTrackResource,
  SubscribeRule,
  SubscribeRulesResource,
} from './resources.js';

interface CommonOptions {
  /** Where the Plaza server's HTTP port is, e.g. `http://127.0.0.1:7880` (a path prefix is kept). */
  baseUrl: string;
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: typeof fetch;
}

/** Authenticate with an API key (what `plaza serve` prints), or with the account SID and auth token. */
export type PlazaRestClientOptions = CommonOptions & ({ apiKeySid: string; apiKeySecret: string } | { accountSid: string; authToken: string });

/** Paging of a `page()` call. `page` is 0-based. */
export interface PageOptions {
  /** 1–1000; the server's default is 50. */
  pageSize?: number;
  page?: number;
}

/** Paging of a `list()` call: stop after `limit` items; `pageSize` defaults to `min(limit, 1000)` or the server's 50. */
export interface ListOptions {
  pageSize?: number;
  limit?: number;
}

type ParamValue = string | number | boolean | Date | string[] | undefined;
type Params = Record<string, ParamValue>;

function encodeParams(params: Params, into: URLSearchParams): URLSearchParams {
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (value instanceof Date) into.set(name, value.toISOString());
    // The server takes a comma-separated list (a repeated form field would keep only one value).
    else if (Array.isArray(value)) into.set(name, value.join(','));
    else into.set(name, String(value));
  }
  return into;
}

/** One page of a list resource, with Twilio's `meta`. */
export class Page<T> {
  constructor(
    readonly items: T[],
    readonly meta: PageMeta,
    private readonly loadNext: (() => Promise<Page<T>>) | null,
  ) {}

  get hasNextPage(): boolean {
    return this.loadNext !== null;
  }

  /** The following page (from `meta.next_page_url`), or null on the last page. */
  nextPage(): Promise<Page<T> | null> {
    return this.loadNext ? this.loadNext() : Promise.resolve(null);
  }
}

/**
 * Every item of a list resource, page after page, fetched lazily as it is iterated:
 * `for await (const room of plaza.rooms.list())`, or `await plaza.rooms.list().toArray()`.
 */
export class ResourceList<T> implements AsyncIterable<T> {
  constructor(
    private readonly firstPage: () => Promise<Page<T>>,
    private readonly limit?: number,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.limit !== undefined && this.limit <= 0) return;
    let count = 0;
    let page: Page<T> | null = await this.firstPage();
    while (page) {
      for (const item of page.items) {
        yield item;
        if (this.limit !== undefined && ++count >= this.limit) return;
      }
      page = await page.nextPage();
    }
  }

  async toArray(): Promise<T[]> {
    const all: T[] = [];
    for await (const item of this) all.push(item);
    return all;
  }
}

export class PlazaRestClient {
  /** `/v1/Rooms`. */
  readonly rooms: RoomsApi;
  private readonly base: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: PlazaRestClientOptions) {
    const [user, password] = 'apiKeySid' in options ? [options.apiKeySid, options.apiKeySecret] : [options.accountSid, options.authToken];
    if (!user || !password) throw new TypeError('PlazaRestClient needs apiKeySid and apiKeySecret (or accountSid and authToken)');
    const base = new URL(options.baseUrl); // throws on a malformed URL, early
    this.base = base.toString().replace(/\/+$/, '');
    this.authorization = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.rooms = new RoomsApi(this);
  }

  /** `/v1/Rooms/{room}/Participants`; `room` is a room SID or UniqueName. */
  participants(room: string): ParticipantsApi {
    return new ParticipantsApi(this, room);
  }

  /** `.../Participants/{participant}/PublishedTracks`; `participant` is a SID or identity. */
  publishedTracks(room: string, participant: string): TracksApi<PublishedTrackResource> {
    return new TracksApi(this, `${participantPath(room, participant)}/PublishedTracks`, 'published_tracks');
  }

  /** `.../Participants/{participant}/SubscribedTracks`: what that participant receives. */
  subscribedTracks(room: string, participant: string): TracksApi<SubscribedTrackResource> {
    return new TracksApi(this, `${participantPath(room, participant)}/SubscribedTracks`, 'subscribed_tracks');
  }

  /** `.../Participants/{participant}/SubscribeRules`. */
  subscribeRules(room: string, participant: string): SubscribeRulesApi {
    return new SubscribeRulesApi(this, `${participantPath(room, participant)}/SubscribeRules`);
  }

  /**
   * A raw call: `path` under the base URL (`/v1/...`). GET parameters go in the query, POST ones in a
   * form body. Resolves to the JSON body; rejects with PlazaRestError on an HTTP error.
   */
  async request<T>(method: 'GET' | 'POST', path: string, params: Params = {}): Promise<T> {
    const url = new URL(this.base + path);
    if (method === 'GET') {
      encodeParams(params, url.searchParams);
      return this.send<T>('GET', url);
    }
    return this.send<T>('POST', url, encodeParams(params, new URLSearchParams()));
  }

  /** @internal One page of the list at `path`; its items are under `meta.key` (else `key`). */
  async listPage<T>(path: string, key: string, params: Params, paging: PageOptions): Promise<Page<T>> {
    const url = new URL(this.base + path);
    encodeParams({ ...params, PageSize: paging.pageSize, Page: paging.page }, url.searchParams);
    return this.pageAt<T>(url, key);
  }

  /** @internal */
  list<T>(path: string, key: string, params: Params, options: ListOptions): ResourceList<T> {
    const pageSize = options.pageSize ?? (options.limit !== undefined ? Math.min(Math.max(options.limit, 1), 1000) : undefined);
    return new ResourceList(() => this.listPage<T>(path, key, params, { pageSize }), options.limit);
  }

  private async pageAt<T>(url: URL, key: string): Promise<Page<T>> {
    const body = await this.send<Record<string, unknown> & { meta: PageMeta }>('GET', url);
    const items = (body[body.meta?.key ?? key] ?? []) as T[];
    const next = body.meta?.next_page_url;
    // Only the query of next_page_url is taken, applied to the URL this client built: a server that
    // misjudges its own origin behind a proxy (http for https, another host) never gets the credentials.
    const nextUrl = next ? new URL(url) : null;
    if (nextUrl && next) nextUrl.search = new URL(next, url).search;
    return new Page<T>(items, body.meta, nextUrl ? () => this.pageAt<T>(nextUrl, key) : null);
  }

  private async send<T>(method: 'GET' | 'POST', url: URL, form?: URLSearchParams): Promise<T> {
    const request = `${method} ${url.toString()}`;
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method,
        headers: {
          authorization: this.authorization,
          accept: 'application/json',
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(form ? { body: form.toString() } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = err as Error & { cause?: { code?: string; message?: string } };
      const why = cause.cause?.code ?? cause.cause?.message ?? cause.message;
      throw new Error(`${request} failed: ${why}`, { cause: err });
    }
    if (!res.ok) throw await PlazaRestError.fromResponse(res, request);
    return (await res.json()) as T;
  }
}

const seg = encodeURIComponent;
const roomPath = (room: string): string => `/v1/Rooms/${seg(room)}`;
const participantPath = (room: string, participant: string): string => `${roomPath(room)}/Participants/${seg(participant)}`;

const roomFilterParams = (f: RoomFilter): Params => ({
  Status: f.status,
  UniqueName: f.uniqueName,
  DateCreatedAfter: f.dateCreatedAfter,
  DateCreatedBefore: f.dateCreatedBefore,
});

export class RoomsApi {
  constructor(private readonly client: PlazaRestClient) {}

  /** `POST /v1/Rooms`. A UniqueName in use by an in-progress room fails with 53113. */
  create(params: CreateRoomParams = {}): Promise<RoomResource> {
    return this.client.request<RoomResource>('POST', '/v1/Rooms', {
      UniqueName: params.uniqueName,
      Type: params.type,
      StatusCallback: params.statusCallback,
      StatusCallbackMethod: params.statusCallbackMethod,
      MaxParticipants: params.maxParticipants,
      MaxParticipantDuration: params.maxParticipantDuration,
      EmptyRoomTimeout: params.emptyRoomTimeout,
      UnusedRoomTimeout: params.unusedRoomTimeout,
      RecordParticipantsOnConnect: params.recordParticipantsOnConnect,
      VideoCodecs: params.videoCodecs,
      MediaRegion: params.mediaRegion,
      AudioOnly: params.audioOnly,
      LargeRoom: params.largeRoom,
    });
  }

  /** `GET /v1/Rooms/{sid|UniqueName}`. */
  fetch(room: string): Promise<RoomResource> {
    return this.client.request<RoomResource>('GET', roomPath(room));
  }

  /** `POST /v1/Rooms/{room}` with `Status=completed`: ends the room and disconnects everyone in it. */
  update(room: string, params: { status: 'completed' }): Promise<RoomResource> {
    return this.client.request<RoomResource>('POST', roomPath(room), { Status: params.status });
  }

  /** Same as `update(room, { status: 'completed' })`. */
  end(room: string): Promise<RoomResource> {
    return this.update(room, { status: 'completed' });
  }

  /** One page of `GET /v1/Rooms` (the server lists `in-progress` rooms unless `status` says otherwise). */
  page(filter: RoomFilter = {}, paging: PageOptions = {}): Promise<Page<RoomResource>> {
    return this.client.listPage<RoomResource>('/v1/Rooms', 'rooms', roomFilterParams(filter), paging);
  }

  /** Every matching room, across pages. */
  list(filter: RoomFilter = {}, options: ListOptions = {}): ResourceList<RoomResource> {
    return this.client.list<RoomResource>('/v1/Rooms', 'rooms', roomFilterParams(filter), options);
  }
}

const participantFilterParams = (f: ParticipantFilter): Params => ({
  Status: f.status,
  Identity: f.identity,
  DateCreatedAfter: f.dateCreatedAfter,
  DateCreatedBefore: f.dateCreatedBefore,
});

export class ParticipantsApi {
  private readonly path: string;

  constructor(
    private readonly client: PlazaRestClient,
    room: string,
  ) {
    this.path = `${roomPath(room)}/Participants`;
  }

  /** `GET .../Participants/{sid|identity}` (an identity names its most recent participant in the room). */
  fetch(participant: string): Promise<ParticipantResource> {
    return this.client.request<ParticipantResource>('GET', `${this.path}/${seg(participant)}`);
  }

  /** `POST .../Participants/{p}` with `Status=disconnected`: removes the participant from the room. */
  update(participant: string, params: { status: 'disconnected' }): Promise<ParticipantResource> {
    return this.client.request<ParticipantResource>('POST', `${this.path}/${seg(participant)}`, { Status: params.status });
  }

  /** Same as `update(participant, { status: 'disconnected' })`. */
  kick(participant: string): Promise<ParticipantResource> {
    return this.update(participant, { status: 'disconnected' });
  }

  page(filter: ParticipantFilter = {}, paging: PageOptions = {}): Promise<Page<ParticipantResource>> {
    return this.client.listPage<ParticipantResource>(this.path, 'participants', participantFilterParams(filter), paging);
  }

  list(filter: ParticipantFilter = {}, options: ListOptions = {}): ResourceList<ParticipantResource> {
    return this.client.list<ParticipantResource>(this.path, 'participants', participantFilterParams(filter), options);
  }
}

export class TracksApi<T> {
  constructor(
    private readonly client: PlazaRestClient,
    private readonly path: string,
    private readonly key: string,
  ) {}

  /** One track by SID (published tracks also by name). */
  fetch(track: string): Promise<T> {
    return this.client.request<T>('GET', `${this.path}/${seg(track)}`);
  }

  page(paging: PageOptions = {}): Promise<Page<T>> {
    return this.client.listPage<T>(this.path, this.key, {}, paging);
  }

  list(options: ListOptions = {}): ResourceList<T> {
    return this.client.list<T>(this.path, this.key, {}, options);
  }
}

export class SubscribeRulesApi {
  constructor(
    private readonly client: PlazaRestClient,
    private readonly path: string,
  ) {}

  fetch(): Promise<SubscribeRulesResource> {
    return this.client.request<SubscribeRulesResource>('GET', this.path);
  }

  /** Replaces all the participant's rules (1–20); they apply at once. Invalid rules fail with 53215. */
  update(rules: SubscribeRule[]): Promise<SubscribeRulesResource> {
    return this.client.request<SubscribeRulesResource>('POST', this.path, { Rules: JSON.stringify(rules) });
  }
}
