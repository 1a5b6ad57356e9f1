/**
 * The JSON of Plaza's Rooms REST API v1 (Twilio Video v1 compatible), typed exactly as it comes over
 * the wire: snake_case names, dates as ISO-8601 UTC strings (`2025-01-31T12:00:00Z`), absolute `url`s.
 * Nothing is renamed or converted, so these match Twilio's own REST documentation field for field.
 *
 * Request parameters (create options, list filters) are camelCase, as in Twilio's Node helper; the
 * client turns them into Twilio's PascalCase form and query names.
 */

export type RoomStatus = 'in-progress' | 'completed' | 'failed';
export type RoomType = 'group' | 'group-small' | 'peer-to-peer' | 'go';
export type ParticipantStatus = 'connected' | 'disconnected' | 'reconnecting';
export type TrackKind = 'audio' | 'video' | 'data';
export type CallbackMethod = 'GET' | 'POST';

/** `GET /v1/Rooms/{sid}`. */
export interface RoomResource {
  sid: string;
  account_sid: string;
  unique_name: string;
  status: RoomStatus;
  type: RoomType;
  date_created: string;
  date_updated: string;
  /** null while the room is in progress. */
  end_time: string | null;
  /** Seconds; null while the room is in progress. */
  duration: number | null;
  enable_turn: boolean;
  max_participants: number;
  /** Seconds. */
  max_participant_duration: number;
  max_concurrent_published_tracks: number | null;
  status_callback: string | null;
  status_callback_method: CallbackMethod;
  /** Minutes. */
  empty_room_timeout: number;
  /** Minutes. */
  unused_room_timeout: number;
  record_participants_on_connect: boolean;
  video_codecs: string[];
  media_region: string | null;
  audio_only: boolean;
  large_room: boolean;
  url: string;
  links: { participants: string; recordings: string; recording_rules: string };
}

/** `GET /v1/Rooms/{room}/Participants/{sid}`. */
export interface ParticipantResource {
  sid: string;
  room_sid: string;
  account_sid: string;
  identity: string;
  status: ParticipantStatus;
  start_time: string;
  /** null while connected. */
  end_time: string | null;
  /** Seconds; null while connected. */
  duration: number | null;
  date_created: string;
  date_updated: string;
  url: string;
  links: { published_tracks: string; subscribed_tracks: string; subscribe_rules: string; anonymize: string };
}

/** `GET .../Participants/{p}/PublishedTracks/{sid}`. */
export interface PublishedTrackResource {
  sid: string;
  participant_sid: string;
  room_sid: string;
  name: string;
  kind: TrackKind;
  enabled: boolean;
  date_created: string;
  date_updated: string;
  url: string;
}

/** `GET .../Participants/{p}/SubscribedTracks/{sid}`: `participant_sid` and `subscriber_sid` are the subscriber. */
export interface SubscribedTrackResource extends PublishedTrackResource {
  publisher_sid: string;
  subscriber_sid: string;
}

/**
 * One subscribe rule. `{type, all: true}` stands alone; otherwise `kind`, `publisher` (identity or SID),
 * `track` (name or SID) and `priority` are AND-ed. Rules apply in order, include = union, exclude = difference.
 */
export interface SubscribeRule {
  type: 'include' | 'exclude';
  all?: boolean;
  kind?: TrackKind;
  publisher?: string;
  track?: string;
  priority?: string;
}

/** `GET|POST .../Participants/{p}/SubscribeRules`. */
export interface SubscribeRulesResource {
  participant_sid: string;
  room_sid: string;
  rules: SubscribeRule[];
  date_created: string;
  date_updated: string;
}

/** `meta` of every list page; `key` names the array that holds the page's items. */
export interface PageMeta {
  page: number;
  page_size: number;
  first_page_url: string;
  previous_page_url: string | null;
  url: string;
  next_page_url: string | null;
  key: string;
}

/** Twilio's error body; `PlazaRestError` carries it. */
export interface ErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

/** `rooms.create()` parameters (Twilio's `POST /v1/Rooms`, camelCased). */
export interface CreateRoomParams {
  uniqueName?: string;
  type?: RoomType;
  statusCallback?: string;
  statusCallbackMethod?: CallbackMethod;
  /** 1–1000, default 50. */
  maxParticipants?: number;
  /** Seconds, 600–86400, default 14400. */
  maxParticipantDuration?: number;
  /** Minutes, 1–60, default 5. */
  emptyRoomTimeout?: number;
  /** Minutes, 1–60, default 5. */
  unusedRoomTimeout?: number;
  recordParticipantsOnConnect?: boolean;
  videoCodecs?: string[];
  mediaRegion?: string;
  audioOnly?: boolean;
  largeRoom?: boolean;
}

/** `rooms.list()` / `rooms.page()` filter. The server's default status is `in-progress`. */
export interface RoomFilter {
  status?: RoomStatus;
  uniqueName?: string;
  dateCreatedAfter?: Date | string;
  dateCreatedBefore?: Date | string;
}

/** `participants(room).list()` / `.page()` filter. */
export interface ParticipantFilter {
  status?: ParticipantStatus;
  identity?: string;
  dateCreatedAfter?: Date | string;
  dateCreatedBefore?: Date | string;
}
