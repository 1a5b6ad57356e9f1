/**
 * The Rooms REST API v1, Twilio-compatible (REST-API.md; the `twilio` package's lib/rest/video/v1 is
 * the authority for names). Reads come from the durable history (the Store: rooms in progress and
 * completed alike), actions go to the live rooms (end a room, remove a participant, change
 * subscribe rules, which apply at once). Inputs are validated by zod schemas that also produce the
 * OpenAPI document at /v1/openapi.json. Mounted on the server's HTTP port under /v1.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { PlazaError, SubscribeRule, type ParticipantSid, type RoomSid } from '@plaza/protocol';
import type { Credentials } from '../auth/Credentials.js';
import type { Logger } from '../log.js';
import type { Participant } from '../rooms/Participant.js';
import type { Room } from '../rooms/Room.js';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import { validateRules } from '../rooms/SubscribeRules.js';
import type { ParticipantRecord, RoomRecord, Store } from '../store/index.js';
import { isAuthorized } from './auth.js';
import { iso, pageJson, pageRequest, participantJson, publishedTrackJson, roomJson, subscribedTrackJson } from './format.js';
import { RestError } from './RestError.js';
import { createRoomSettings, CreateRoomForm, ListParticipantsQuery, ListRoomsQuery, PageQuery } from './schemas.js';

export interface RestDeps {
  registry: RoomRegistry;
  store: Store;
  credentials: Credentials;
  log: Logger;
}

const json = { 'application/json': { schema: z.looseObject({}) } };
const ok = { 200: { content: json, description: 'OK' } };
const created = { 201: { content: json, description: 'Created' } };
const form = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/x-www-form-urlencoded': { schema } }, required: true } });
const RoomParams = z.object({ room: z.string().openapi({ description: 'Room SID or UniqueName' }) });
const ParticipantParams = RoomParams.extend({ participant: z.string().openapi({ description: 'Participant SID or identity' }) });
const TrackParams = ParticipantParams.extend({ track: z.string() });

/** Which Twilio code a bad value of each parameter gets (else 20001). */
const CODE_FOR_PARAMETER: Record<string, number> = {
  MaxParticipants: 53107,
  Type: 53108,
  EmptyRoomTimeout: 53109,
  UnusedRoomTimeout: 53109,
  MaxParticipantDuration: 53109,
  StatusCallbackMethod: 53110,
  StatusCallback: 53111,
  Status: 53112,
  Rules: 53215,
};

export function createRestApp(deps: RestDeps): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issue = result.error.issues[0];
      const parameter = String(issue?.path[0] ?? '');
      const error = new RestError(400, CODE_FOR_PARAMETER[parameter] ?? 20001, `Invalid ${parameter || 'request'}: ${issue?.message ?? 'invalid'}`);
      return c.json(error.body(), 400);
    },
  });
  // Absolute URLs in responses (`url`, `links`, `meta`): as the client reached us, also behind a
  // TLS-terminating proxy that says so.
  const base = (c: Context): string => {
    const url = new URL(c.req.url);
    const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
    const host = c.req.header('x-forwarded-host')?.split(',')[0]?.trim();
    return `${proto ?? url.protocol.replace(':', '')}://${host ?? url.host}`;
  };
  const requestUrl = (c: Context): URL => {
    const url = new URL(c.req.url);
    return new URL(url.pathname + url.search, base(c));
  };

  app.onError((err, c) => {
    const error =
      err instanceof RestError
        ? err
        : err instanceof PlazaError
          ? RestError.fromPlaza(err)
          : err instanceof RangeError
            ? RestError.invalidParameter(err.message)
            : null;
    if (error) return c.json(error.body(), error.status as 400);
    deps.log.error({ err }, 'REST handler failed');
    return c.json(new RestError(500, 20500, 'Internal Server Error').body(), 500);
  });
  app.notFound((c) => c.json(RestError.notFound(new URL(c.req.url).pathname).body(), 404));

  app.use('/v1/*', async (c, next) => {
    if (c.req.path === '/v1/openapi.json') return next();
    if (!isAuthorized(c.req.header('authorization'), deps.credentials)) {
      c.header('WWW-Authenticate', 'Basic realm="Plaza"');
      return c.json(new RestError(401, 20003, 'Authentication Error - invalid username').body(), 401);
    }
    return next();
  });

  const findRoom = (key: string): RoomRecord => {
    const room = key.startsWith('RM') ? deps.store.getRoom(key as RoomSid) : deps.store.findRoomByUniqueName(key);
    if (!room) throw new RestError(404, 20404, `The requested resource /Rooms/${key} was not found`);
    return room;
  };
  const findParticipant = (room: RoomRecord, key: string): ParticipantRecord => {
    const p = key.startsWith('PA') ? deps.store.getParticipant(key as ParticipantSid) : deps.store.findParticipantByIdentity(room.sid, key);
    if (!p || p.roomSid !== room.sid) throw new RestError(404, 20404, `The requested resource /Rooms/${room.sid}/Participants/${key} was not found`);
    return p;
  };
  const liveParticipant = (room: RoomRecord, p: ParticipantRecord): { live: Room; participant: Participant } | null => {
    const live = deps.registry.find(room.sid);
    const participant = live?.participants.get(p.sid);
    return live && participant ? { live, participant } : null;
  };

  app.openapi(createRoute({ method: 'post', path: '/v1/Rooms', request: form(CreateRoomForm), responses: created }), (c) => {
    const input = c.req.valid('form');
    const live = deps.registry.create(input.UniqueName ?? null, createRoomSettings(input));
    return c.json(roomJson(deps.store.getRoom(live.sid)!, base(c)), 201);
  });

  app.openapi(createRoute({ method: 'get', path: '/v1/Rooms', request: { query: ListRoomsQuery }, responses: ok }), (c) => {
    const q = c.req.valid('query');
    const page = pageRequest(q);
    const filter = {
      status: q.Status ?? 'in-progress',
      ...(q.UniqueName ? { uniqueName: q.UniqueName } : {}),
      ...(q.DateCreatedAfter ? { createdAfter: q.DateCreatedAfter } : {}),
      ...(q.DateCreatedBefore ? { createdBefore: q.DateCreatedBefore } : {}),
    };
    const rooms = deps.store.listRooms(filter, { limit: page.pageSize, offset: page.page * page.pageSize });
    const total = deps.store.countRooms(filter);
    return c.json(pageJson('rooms', rooms.map((r) => roomJson(r, base(c))), total, page, requestUrl(c)), 200);
  });

  app.openapi(createRoute({ method: 'get', path: '/v1/Rooms/{room}', request: { params: RoomParams }, responses: ok }), (c) =>
    c.json(roomJson(findRoom(c.req.valid('param').room), base(c)), 200),
  );

  app.openapi(
    createRoute({ method: 'post', path: '/v1/Rooms/{room}', request: { params: RoomParams, ...form(z.object({ Status: z.literal('completed') })) }, responses: ok }),
    (c) => {
      const room = findRoom(c.req.valid('param').room);
      deps.registry.find(room.sid)?.end('room-ended');
      return c.json(roomJson(deps.store.getRoom(room.sid)!, base(c)), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/v1/Rooms/{room}/Participants', request: { params: RoomParams, query: ListParticipantsQuery }, responses: ok }),
    (c) => {
      const room = findRoom(c.req.valid('param').room);
      const q = c.req.valid('query');
      const page = pageRequest(q);
      const filter = {
        ...(q.Status ? { status: q.Status } : {}),
        ...(q.Identity ? { identity: q.Identity } : {}),
        ...(q.DateCreatedAfter ? { createdAfter: q.DateCreatedAfter } : {}),
        ...(q.DateCreatedBefore ? { createdBefore: q.DateCreatedBefore } : {}),
      };
      const list = deps.store.listParticipants(room.sid, filter, { limit: page.pageSize, offset: page.page * page.pageSize });
      const total = deps.store.countParticipants(room.sid, filter);
      return c.json(pageJson('participants', list.map((p) => participantJson(p, base(c))), total, page, requestUrl(c)), 200);
    },
  );

  app.openapi(createRoute({ method: 'get', path: '/v1/Rooms/{room}/Participants/{participant}', request: { params: ParticipantParams }, responses: ok }), (c) => {
    const { room, participant } = c.req.valid('param');
    return c.json(participantJson(findParticipant(findRoom(room), participant), base(c)), 200);
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/Rooms/{room}/Participants/{participant}',
      request: { params: ParticipantParams, ...form(z.object({ Status: z.literal('disconnected') })) },
      responses: ok,
    }),
    (c) => {
      const params = c.req.valid('param');
      const room = findRoom(params.room);
      const record = findParticipant(room, params.participant);
      const live = liveParticipant(room, record);
      live?.live.leave(live.participant, 'kicked');
      return c.json(participantJson(deps.store.getParticipant(record.sid)!, base(c)), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/v1/Rooms/{room}/Participants/{participant}/PublishedTracks', request: { params: ParticipantParams, query: PageQuery }, responses: ok }),
    (c) => {
      const params = c.req.valid('param');
      const record = findParticipant(findRoom(params.room), params.participant);
      const page = pageRequest(c.req.valid('query'));
      const tracks = deps.store.listPublishedTracks(record.sid);
      const slice = tracks.slice(page.page * page.pageSize, (page.page + 1) * page.pageSize);
      return c.json(pageJson('published_tracks', slice.map((t) => publishedTrackJson(t, base(c))), tracks.length, page, requestUrl(c)), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/v1/Rooms/{room}/Participants/{participant}/PublishedTracks/{track}', request: { params: TrackParams }, responses: ok }),
    (c) => {
      const params = c.req.valid('param');
      const record = findParticipant(findRoom(params.room), params.participant);
      const track = deps.store.listPublishedTracks(record.sid).find((t) => t.sid === params.track || t.name === params.track);
      if (!track) throw RestError.notFound(`PublishedTracks/${params.track}`);
      return c.json(publishedTrackJson(track, base(c)), 200);
    },
  );

  const subscribedTracks = (room: RoomRecord, record: ParticipantRecord) => {
    const live = liveParticipant(room, record);
    if (!live) return [];
    return [...live.participant.subscriptions.values()].flatMap((sub) => {
      const pub = sub.publication;
      const publisher = [...live.live.participants.values()].find((p) => p.publications.get(pub.clientId) === pub);
      if (!publisher) return [];
      return [{ sid: pub.sid, roomSid: room.sid, participantSid: publisher.sid, name: pub.name, kind: pub.kind, enabled: pub.enabled, dateCreated: pub.createdAt, dateUpdated: pub.createdAt, dateRemoved: null }];
    });
  };

  app.openapi(
    createRoute({ method: 'get', path: '/v1/Rooms/{room}/Participants/{participant}/SubscribedTracks', request: { params: ParticipantParams, query: PageQuery }, responses: ok }),
    (c) => {
      const params = c.req.valid('param');
      const room = findRoom(params.room);
      const record = findParticipant(room, params.participant);
      const page = pageRequest(c.req.valid('query'));
      const tracks = subscribedTracks(room, record);
      const slice = tracks.slice(page.page * page.pageSize, (page.page + 1) * page.pageSize);
      return c.json(pageJson('subscribed_tracks', slice.map((t) => subscribedTrackJson(t, record.sid, base(c))), tracks.length, page, requestUrl(c)), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/v1/Rooms/{room}/Participants/{participant}/SubscribedTracks/{track}', request: { params: TrackParams }, responses: ok }),
    (c) => {
      const params = c.req.valid('param');
      const room = findRoom(params.room);
      const record = findParticipant(room, params.participant);
      const track = subscribedTracks(room, record).find((t) => t.sid === params.track);
      if (!track) throw RestError.notFound(`SubscribedTracks/${params.track}`);
      return c.json(subscribedTrackJson(track, record.sid, base(c)), 200);
    },
  );

  const rulesJson = (room: RoomRecord, record: ParticipantRecord, rules: readonly SubscribeRule[], updated: Date) => ({
    participant_sid: record.sid,
    room_sid: room.sid,
    rules: [...rules] as Array<Record<string, string | boolean>>,
    date_created: iso(record.dateCreated),
    date_updated: iso(updated),
  });

  app.openapi(
    createRoute({ method: 'get', path: '/v1/Rooms/{room}/Participants/{participant}/SubscribeRules', request: { params: ParticipantParams }, responses: ok }),
    (c) => {
      const params = c.req.valid('param');
      const room = findRoom(params.room);
      const record = findParticipant(room, params.participant);
      const live = liveParticipant(room, record);
      return c.json(rulesJson(room, record, live?.participant.rules ?? [], record.dateUpdated), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/Rooms/{room}/Participants/{participant}/SubscribeRules',
      request: { params: ParticipantParams, ...form(z.object({ Rules: z.string().openapi({ description: 'JSON array of rules' }) })) },
      responses: ok,
    }),
    (c) => {
      const params = c.req.valid('param');
      const room = findRoom(params.room);
      const record = findParticipant(room, params.participant);
      const rules = parseRules(c.req.valid('form').Rules);
      const live = liveParticipant(room, record);
      if (live) live.live.setRules(live.participant, rules);
      return c.json(rulesJson(room, record, rules, new Date()), 200);
    },
  );

  app.doc('/v1/openapi.json', { openapi: '3.0.0', info: { title: 'Plaza Rooms REST API (Twilio Video v1 compatible)', version: '1' } });
  return app;
}

/** The `Rules` form field: a JSON array of 1–20 rules (Twilio error 53215 otherwise). */
function parseRules(text: string): SubscribeRule[] {
  const invalid = (why: string): RestError => new RestError(400, 53215, `Invalid subscribe rules: ${why}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('Rules is not JSON');
  }
  const parsed = z.array(SubscribeRule).min(1).max(20).safeParse(value);
  if (!parsed.success) throw invalid(parsed.error.issues[0]?.message ?? 'not an array of rules');
  for (const rule of parsed.data) {
    if (rule.type !== 'include' && rule.type !== 'exclude') throw invalid('type must be include or exclude');
  }
  const reason = validateRules(parsed.data);
  if (reason) throw invalid(reason);
  return parsed.data;
}
