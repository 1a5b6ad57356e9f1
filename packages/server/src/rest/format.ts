/**
 * JSON as Twilio's Video v1 API writes it (`lib/rest/video/v1/**` in the `twilio` package reads these
 * names): snake_case, ISO-8601 UTC dates, absolute `url`, `links` to sub-resources, and list pages
 * with `meta` (`lib/base/Page.js` follows `meta.next_page_url` and reads the list under `meta.key`).
 */
import type { ParticipantRecord, RoomRecord, TrackRecord } from '../store/index.js';

/** Twilio's date format: ISO 8601 UTC without milliseconds. */
export const iso = (d: Date | null): string | null => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null);
const seconds = (from: Date, to: Date | null): number | null => (to ? Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000)) : null);

export function roomJson(r: RoomRecord, base: string) {
  const url = `${base}/v1/Rooms/${r.sid}`;
  return {
    sid: r.sid,
    account_sid: r.accountSid,
    unique_name: r.uniqueName,
    status: r.status,
    type: r.type,
    date_created: iso(r.dateCreated),
    date_updated: iso(r.dateUpdated),
    end_time: iso(r.endTime),
    duration: seconds(r.dateCreated, r.endTime),
    enable_turn: true,
    max_participants: r.maxParticipants,
    max_participant_duration: r.maxParticipantDuration,
    max_concurrent_published_tracks: null,
    status_callback: r.statusCallback,
    status_callback_method: r.statusCallbackMethod,
    empty_room_timeout: r.emptyRoomTimeout,
    unused_room_timeout: r.unusedRoomTimeout,
    record_participants_on_connect: r.recordParticipantsOnConnect,
    video_codecs: r.videoCodecs,
    media_region: r.mediaRegion,
    audio_only: r.audioOnly,
    large_room: r.largeRoom,
    url,
    links: {
      participants: `${url}/Participants`,
      recordings: `${url}/Recordings`,
      recording_rules: `${url}/RecordingRules`,
    },
  };
}

export function participantJson(p: ParticipantRecord, base: string) {
  const url = `${base}/v1/Rooms/${p.roomSid}/Participants/${p.sid}`;
  return {
    sid: p.sid,
    room_sid: p.roomSid,
    account_sid: p.accountSid,
    identity: p.identity,
    status: p.status,
    start_time: iso(p.startTime),
    end_time: iso(p.endTime),
    duration: seconds(p.startTime, p.endTime),
    date_created: iso(p.dateCreated),
    date_updated: iso(p.dateUpdated),
    url,
    links: {
      published_tracks: `${url}/PublishedTracks`,
      subscribed_tracks: `${url}/SubscribedTracks`,
      subscribe_rules: `${url}/SubscribeRules`,
      anonymize: `${url}/Anonymize`,
    },
  };
}

/** What a published and a subscribed track resource share. */
function trackFields(t: TrackRecord) {
  return {
    sid: t.sid,
    room_sid: t.roomSid,
    name: t.name,
    kind: t.kind,
    enabled: t.enabled,
    date_created: iso(t.dateCreated),
    date_updated: iso(t.dateUpdated),
  };
}

export function publishedTrackJson(t: TrackRecord, base: string) {
  return {
    ...trackFields(t),
    participant_sid: t.participantSid,
    url: `${base}/v1/Rooms/${t.roomSid}/Participants/${t.participantSid}/PublishedTracks/${t.sid}`,
  };
}

export function subscribedTrackJson(t: TrackRecord, subscriberSid: string, base: string) {
  return {
    ...trackFields(t),
    participant_sid: subscriberSid,
    publisher_sid: t.participantSid,
    subscriber_sid: subscriberSid,
    url: `${base}/v1/Rooms/${t.roomSid}/Participants/${subscriberSid}/SubscribedTracks/${t.sid}`,
  };
}

export interface PageRequest {
  pageSize: number;
  page: number;
}

/** Reads `PageSize` (default 50, 1–1000), `Page` and `PageToken` (ours: `PT<offset>`). */
export function pageRequest(query: { PageSize?: string | undefined; Page?: string | undefined }): PageRequest {
  const pageSize = query.PageSize === undefined ? 50 : Number(query.PageSize);
  const page = query.Page === undefined ? 0 : Number(query.Page);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new RangeError('PageSize must be an integer from 1 to 1000');
  if (!Number.isInteger(page) || page < 0) throw new RangeError('Page must be a non-negative integer');
  return { pageSize, page };
}

/** One page of a list resource with Twilio's `meta`. `url` is the request URL (absolute). */
export function pageJson<T>(key: string, items: T[], total: number, req: PageRequest, url: URL) {
  const at = (page: number): string => {
    const u = new URL(url);
    u.searchParams.set('PageSize', String(req.pageSize));
    u.searchParams.set('Page', String(page));
    u.searchParams.delete('PageToken');
    if (page > 0) u.searchParams.set('PageToken', `PT${page * req.pageSize}`);
    return u.toString();
  };
  const hasNext = (req.page + 1) * req.pageSize < total;
  return {
    [key]: items,
    meta: {
      page: req.page,
      page_size: req.pageSize,
      first_page_url: at(0),
      previous_page_url: req.page > 0 ? at(req.page - 1) : null,
      url: at(req.page),
      next_page_url: hasNext ? at(req.page + 1) : null,
      key,
    },
  };
}
