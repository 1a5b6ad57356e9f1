/**
 * Durable history in embedded SQLite (`<dataDir>/plaza.db`): rooms, participants and published
 * tracks outlive the process so the REST API can answer for ended rooms, and status callbacks wait
 * in an outbox so none is lost to a restart or a receiver that is down.
 *
 * The live state stays in memory (Room, Participant); this is its record. Every method is
 * synchronous (better-sqlite3): a write is a few microseconds in WAL mode, and synchronous calls
 * keep each record change in step with the in-memory change that caused it.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { AccountSid, ParticipantSid, RoomSid, TrackSid } from '@plaza/protocol';
import { migrate } from './migrations.js';

export type RoomRecordStatus = 'in-progress' | 'completed' | 'failed';
export type ParticipantRecordStatus = 'connected' | 'disconnected' | 'reconnecting';
export type TrackRecordKind = 'audio' | 'video' | 'data';
export type CallbackMethod = 'GET' | 'POST';

export interface RoomRecord {
  sid: RoomSid;
  accountSid: AccountSid;
  uniqueName: string;
  status: RoomRecordStatus;
  type: string;
  dateCreated: Date;
  dateUpdated: Date;
  endTime: Date | null;
  maxParticipants: number;
  /** Seconds. */
  maxParticipantDuration: number;
  statusCallback: string | null;
  statusCallbackMethod: CallbackMethod;
  /** Minutes. */
  emptyRoomTimeout: number;
  /** Minutes. */
  unusedRoomTimeout: number;
  recordParticipantsOnConnect: boolean;
  videoCodecs: string[];
  mediaRegion: string | null;
  audioOnly: boolean;
  largeRoom: boolean;
}

export interface ParticipantRecord {
  sid: ParticipantSid;
  roomSid: RoomSid;
  accountSid: AccountSid;
  identity: string;
  status: ParticipantRecordStatus;
  startTime: Date;
  endTime: Date | null;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface TrackRecord {
  sid: TrackSid;
  roomSid: RoomSid;
  participantSid: ParticipantSid;
  name: string;
  kind: TrackRecordKind;
  enabled: boolean;
  dateCreated: Date;
  dateUpdated: Date;
  /** null while the track is still published. */
  dateRemoved: Date | null;
}

export interface OutboxEntry {
  id: number;
  roomSid: RoomSid;
  url: string;
  method: CallbackMethod;
  /** The form parameters, SequenceNumber included. */
  params: Record<string, string>;
  /** Failed deliveries so far. */
  attempts: number;
  nextAttemptAt: Date;
  createdAt: Date;
  lastError: string | null;
}

/** What may change after insert: everything but the identifying fields and the creation date. */
export type RoomPatch = Partial<Omit<RoomRecord, 'sid' | 'accountSid' | 'dateCreated'>>;
export type ParticipantPatch = Partial<Omit<ParticipantRecord, 'sid' | 'roomSid' | 'accountSid' | 'dateCreated'>>;
export type TrackPatch = Partial<Omit<TrackRecord, 'sid' | 'roomSid' | 'participantSid' | 'kind' | 'dateCreated'>>;

/** Date bounds follow Twilio: created on or after `createdAfter`, strictly before `createdBefore`. */
export interface RoomFilter {
  status?: RoomRecordStatus;
  uniqueName?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

export interface ParticipantFilter {
  status?: ParticipantRecordStatus;
  identity?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface NewCallback {
  roomSid: RoomSid;
  url: string;
  method: CallbackMethod;
  /** Event parameters; SequenceNumber is added here, any given one is overwritten. */
  params: Record<string, string>;
  /** Defaults to the current time: when it was created and when it is first due. */
  now?: Date;
}

const DB_FILE = 'plaza.db';
/** Another process (a CLI reading history) may hold the write lock briefly; wait rather than fail. */
const BUSY_TIMEOUT_MS = 5_000;

// --- Mapping between records (camelCase, JS types) and rows (snake_case, SQLite types) ---

type ColumnKind = 'text' | 'int' | 'bool' | 'date' | 'json';
type Columns<R> = { readonly [K in keyof R]-?: readonly [column: string, kind: ColumnKind] };
type Row = Record<string, unknown>;

const ROOM_COLUMNS: Columns<RoomRecord> = {
  sid: ['sid', 'text'],
  accountSid: ['account_sid', 'text'],
  uniqueName: ['unique_name', 'text'],
  status: ['status', 'text'],
  type: ['type', 'text'],
  dateCreated: ['date_created', 'date'],
  dateUpdated: ['date_updated', 'date'],
  endTime: ['end_time', 'date'],
  maxParticipants: ['max_participants', 'int'],
  maxParticipantDuration: ['max_participant_duration', 'int'],
  statusCallback: ['status_callback', 'text'],
  statusCallbackMethod: ['status_callback_method', 'text'],
  emptyRoomTimeout: ['empty_room_timeout', 'int'],
  unusedRoomTimeout: ['unused_room_timeout', 'int'],
  recordParticipantsOnConnect: ['record_participants_on_connect', 'bool'],
  videoCodecs: ['video_codecs', 'json'],
  mediaRegion: ['media_region', 'text'],
  audioOnly: ['audio_only', 'bool'],
  largeRoom: ['large_room', 'bool'],
};

const PARTICIPANT_COLUMNS: Columns<ParticipantRecord> = {
  sid: ['sid', 'text'],
  roomSid: ['room_sid', 'text'],
  accountSid: ['account_sid', 'text'],
  identity: ['identity', 'text'],
  status: ['status', 'text'],
  startTime: ['start_time', 'date'],
  endTime: ['end_time', 'date'],
  dateCreated: ['date_created', 'date'],
  dateUpdated: ['date_updated', 'date'],
};

const TRACK_COLUMNS: Columns<TrackRecord> = {
  sid: ['sid', 'text'],
  roomSid: ['room_sid', 'text'],
  participantSid: ['participant_sid', 'text'],
  name: ['name', 'text'],
  kind: ['kind', 'text'],
  enabled: ['enabled', 'bool'],
  dateCreated: ['date_created', 'date'],
  dateUpdated: ['date_updated', 'date'],
  dateRemoved: ['date_removed', 'date'],
};

const OUTBOX_COLUMNS: Columns<OutboxEntry> = {
  id: ['id', 'int'],
  roomSid: ['room_sid', 'text'],
  url: ['url', 'text'],
  method: ['method', 'text'],
  params: ['params', 'json'],
  attempts: ['attempts', 'int'],
  nextAttemptAt: ['next_attempt_at', 'date'],
  createdAt: ['created_at', 'date'],
  lastError: ['last_error', 'text'],
};

/** A Date as integer ms; an Invalid Date would otherwise be stored as NULL without a word. */
function toMs(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('cannot store an invalid Date');
  return ms;
}

function encode(value: unknown, kind: ColumnKind): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'bool':
      return value ? 1 : 0; // better-sqlite3 does not bind booleans
    case 'date':
      return toMs(value as Date);
    case 'json':
      return JSON.stringify(value);
    default:
      return value;
  }
}

function decode(value: unknown, kind: ColumnKind): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'bool':
      return value === 1;
    case 'date':
      return new Date(value as number);
    case 'json':
      return JSON.parse(value as string);
    default:
      return value;
  }
}

function fromRow<R>(columns: Columns<R>, row: Row): R {
  const record: Row = {};
  for (const [field, [column, kind]] of Object.entries<readonly [string, ColumnKind]>(columns)) {
    record[field] = decode(row[column], kind);
  }
  return record as R;
}

/** The row for an insert: every column, so a missing field fails on its NOT NULL constraint. */
function toRow<R>(columns: Columns<R>, record: R): Row {
  const row: Row = {};
  for (const [field, [column, kind]] of Object.entries<readonly [string, ColumnKind]>(columns)) {
    row[column] = encode((record as Row)[field] ?? null, kind);
  }
  return row;
}

function insertSql(table: string, columns: Columns<unknown>): string {
  const names = Object.values<readonly [string, ColumnKind]>(columns).map(([column]) => column);
  return `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map((n) => '@' + n).join(', ')})`;
}

/** The WHERE clause and parameters of a list filter; only the given conditions, so indexes apply. */
type AnyFilter = Omit<RoomFilter, 'status'> & Omit<ParticipantFilter, 'status'> & { status?: string };

function whereOf(filter: AnyFilter, base: string[], params: Row): string {
  const conditions = [...base];
  if (filter.status !== undefined) {
    conditions.push('status = @status');
    params.status = filter.status;
  }
  if (filter.uniqueName !== undefined) {
    conditions.push('unique_name = @uniqueName');
    params.uniqueName = filter.uniqueName;
  }
  if (filter.identity !== undefined) {
    conditions.push('identity = @identity');
    params.identity = filter.identity;
  }
  if (filter.createdAfter !== undefined) {
    conditions.push('date_created >= @createdAfter');
    params.createdAfter = toMs(filter.createdAfter);
  }
  if (filter.createdBefore !== undefined) {
    conditions.push('date_created < @createdBefore');
    params.createdBefore = toMs(filter.createdBefore);
  }
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}

/**
 * The head of each room's queue: its oldest undelivered entry. Ids grow with enqueue order (and so
 * with SequenceNumber), so a room's next event is never sent before the one before it.
 */
const OUTBOX_HEADS = `
  SELECT o.* FROM callback_outbox o
  JOIN (SELECT MIN(id) AS id FROM callback_outbox GROUP BY room_sid) head ON head.id = o.id`;

export class Store {
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(private readonly db: Database.Database) {}

  /** Opens (creating if needed) `<dataDir>/plaza.db` and brings its schema up to date. */
  static open(dataDir: string): Store {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(path.join(dataDir, DB_FILE));
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // WAL: readers (REST lists) never block the writer. NORMAL is durable across a process
      // crash; only an OS crash or power loss can drop the last few commits, which is acceptable
      // for history and outweighed by not syncing on every heartbeat and callback.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return new Store(db);
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  /** A pragma's current value (diagnostics and tests: journal_mode, user_version, ...). */
  pragma(name: string): unknown {
    return this.db.pragma(name, { simple: true });
  }

  // --- Rooms ---

  insertRoom(room: RoomRecord): void {
    this.stmt(insertSql('rooms', ROOM_COLUMNS)).run(toRow(ROOM_COLUMNS, room));
  }

  /** Applies the given fields (undefined ones are left alone); the updated room, or null if unknown. */
  updateRoom(sid: RoomSid, patch: RoomPatch): RoomRecord | null {
    return this.update('rooms', ROOM_COLUMNS, ['sid', 'accountSid', 'dateCreated'], sid, patch);
  }

  /** Lookups take any string (a key from a URL, say): one that matches nothing gives null. */
  getRoom(sid: string): RoomRecord | null {
    return this.getBySid('rooms', ROOM_COLUMNS, sid);
  }

  /** The room in progress under this name if there is one, else the most recently created. */
  findRoomByUniqueName(uniqueName: string): RoomRecord | null {
    const row = this.stmt(
      `SELECT * FROM rooms WHERE unique_name = ?
       ORDER BY status = 'in-progress' DESC, date_created DESC, sid DESC LIMIT 1`,
    ).get(uniqueName) as Row | undefined;
    return row ? fromRow(ROOM_COLUMNS, row) : null;
  }

  /** Newest first (date_created, then SID, so pages are stable between equal dates). */
  listRooms(filter: RoomFilter = {}, page: Page = { limit: 50, offset: 0 }): RoomRecord[] {
    const params: Row = { limit: page.limit, offset: page.offset };
    const where = whereOf(filter, [], params);
    const rows = this.stmt(
      `SELECT * FROM rooms ${where} ORDER BY date_created DESC, sid DESC LIMIT @limit OFFSET @offset`,
    ).all(params) as Row[];
    return rows.map((row) => fromRow(ROOM_COLUMNS, row));
  }

  countRooms(filter: RoomFilter = {}): number {
    const params: Row = {};
    const where = whereOf(filter, [], params);
    return this.stmt(`SELECT COUNT(*) FROM rooms ${where}`).pluck().get(params) as number;
  }

  // --- Participants ---

  insertParticipant(participant: ParticipantRecord): void {
    this.stmt(insertSql('participants', PARTICIPANT_COLUMNS)).run(toRow(PARTICIPANT_COLUMNS, participant));
  }

  updateParticipant(sid: ParticipantSid, patch: ParticipantPatch): ParticipantRecord | null {
    return this.update('participants', PARTICIPANT_COLUMNS, ['sid', 'roomSid', 'accountSid', 'dateCreated'], sid, patch);
  }

  getParticipant(sid: string): ParticipantRecord | null {
    return this.getBySid('participants', PARTICIPANT_COLUMNS, sid);
  }

  /**
   * The participant an identity addresses in a room: the one present (connected or reconnecting)
   * if any, else the most recent. An identity can rejoin, so a room may hold several.
   */
  findParticipantByIdentity(roomSid: string, identity: string): ParticipantRecord | null {
    const row = this.stmt(
      `SELECT * FROM participants WHERE room_sid = ? AND identity = ?
       ORDER BY status = 'connected' DESC, status = 'reconnecting' DESC, date_created DESC, sid DESC LIMIT 1`,
    ).get(roomSid, identity) as Row | undefined;
    return row ? fromRow(PARTICIPANT_COLUMNS, row) : null;
  }

  /** Oldest first, as Twilio lists participants (join order). */
  listParticipants(
    roomSid: string,
    filter: ParticipantFilter = {},
    page: Page = { limit: 50, offset: 0 },
  ): ParticipantRecord[] {
    const params: Row = { roomSid, limit: page.limit, offset: page.offset };
    const where = whereOf(filter, ['room_sid = @roomSid'], params);
    const rows = this.stmt(
      `SELECT * FROM participants ${where} ORDER BY date_created, sid LIMIT @limit OFFSET @offset`,
    ).all(params) as Row[];
    return rows.map((row) => fromRow(PARTICIPANT_COLUMNS, row));
  }

  countParticipants(roomSid: string, filter: ParticipantFilter = {}): number {
    const params: Row = { roomSid };
    const where = whereOf(filter, ['room_sid = @roomSid'], params);
    return this.stmt(`SELECT COUNT(*) FROM participants ${where}`).pluck().get(params) as number;
  }

  // --- Tracks ---

  insertTrack(track: TrackRecord): void {
    this.stmt(insertSql('tracks', TRACK_COLUMNS)).run(toRow(TRACK_COLUMNS, track));
  }

  updateTrack(sid: TrackSid, patch: TrackPatch): TrackRecord | null {
    return this.update('tracks', TRACK_COLUMNS, ['sid', 'roomSid', 'participantSid', 'kind', 'dateCreated'], sid, patch);
  }

  getTrack(sid: string): TrackRecord | null {
    return this.getBySid('tracks', TRACK_COLUMNS, sid);
  }

  /** The participant's tracks not yet removed, oldest first. */
  listPublishedTracks(participantSid: string): TrackRecord[] {
    const rows = this.stmt(
      `SELECT * FROM tracks WHERE participant_sid = ? AND date_removed IS NULL ORDER BY date_created, sid`,
    ).all(participantSid) as Row[];
    return rows.map((row) => fromRow(TRACK_COLUMNS, row));
  }

  // --- Status-callback outbox ---

  /**
   * Queues a status callback. Numbering and queuing share one transaction, so the numbers of a
   * room's stored events have no gaps and follow their queue order, even across restarts.
   */
  enqueueCallback(callback: NewCallback): OutboxEntry {
    const now = toMs(callback.now ?? new Date());
    return this.db.transaction((): OutboxEntry => {
      const sequence = this.stmt(
        `UPDATE rooms SET next_sequence_number = next_sequence_number + 1 WHERE sid = ?
         RETURNING next_sequence_number - 1`,
      ).pluck().get(callback.roomSid) as number | undefined;
      if (sequence === undefined) throw new Error(`cannot queue a callback for unknown room ${callback.roomSid}`);
      const params = { ...callback.params, SequenceNumber: String(sequence) };
      const row = this.stmt(
        `INSERT INTO callback_outbox (room_sid, url, method, params, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
      ).get(callback.roomSid, callback.url, callback.method, JSON.stringify(params), now, now) as Row;
      return fromRow(OUTBOX_COLUMNS, row);
    })();
  }

  /**
   * What to send now: of each room only its oldest entry (a later event waits for the earlier one,
   * even while that one is backing off), and only once its time has come; oldest first.
   */
  dueCallbacks(now: Date, limit: number): OutboxEntry[] {
    const rows = this.stmt(`${OUTBOX_HEADS} WHERE o.next_attempt_at <= ? ORDER BY o.id LIMIT ?`).all(
      toMs(now),
      limit,
    ) as Row[];
    return rows.map((row) => fromRow(OUTBOX_COLUMNS, row));
  }

  /** When the sender should next look (the earliest head's time), or null when nothing waits. */
  nextCallbackDueAt(): Date | null {
    const ms = this.stmt(`SELECT MIN(o.next_attempt_at) FROM (${OUTBOX_HEADS}) o`).pluck().get() as number | null;
    return ms === null ? null : new Date(ms);
  }

  /** Delivered (or given up on): removed, which lets the room's next event through. */
  markCallbackDelivered(id: number): void {
    this.stmt('DELETE FROM callback_outbox WHERE id = ?').run(id);
  }

  markCallbackRetry(id: number, nextAttemptAt: Date, error: string): void {
    this.stmt(
      'UPDATE callback_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
    ).run(toMs(nextAttemptAt), error, id);
  }

  pendingCallbackCount(): number {
    return this.stmt('SELECT COUNT(*) FROM callback_outbox').pluck().get() as number;
  }

  // --- Crash recovery ---

  /** Records that the server is alive at `now`; called periodically while it runs. */
  touchHeartbeat(now: Date): void {
    this.stmt(
      'INSERT INTO heartbeat (id, alive_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET alive_at = excluded.alive_at',
    ).run(toMs(now));
  }

  lastHeartbeat(): Date | null {
    const ms = this.stmt('SELECT alive_at FROM heartbeat WHERE id = 1').pluck().get() as number | undefined;
    return ms === undefined ? null : new Date(ms);
  }

  /**
   * Closes the history a dead process left open, at startup before any room is created: rooms in
   * progress are completed, their participants disconnected and their tracks removed, all at the
   * last moment the process is known to have been alive. Returns the rooms completed, for the
   * caller to send room-ended callbacks.
   */
  recoverAfterRestart(now: Date): { rooms: RoomRecord[] } {
    const nowMs = toMs(now);
    return this.db.transaction(() => {
      const heartbeat = this.lastHeartbeat()?.getTime() ?? null;
      const open = this.stmt(`SELECT sid FROM rooms WHERE status = 'in-progress'`).pluck().all() as RoomSid[];
      for (const sid of open) {
        this.stmt(`UPDATE rooms SET status = 'completed', end_time = ?, date_updated = ? WHERE sid = ?`).run(
          this.deathTime(sid, heartbeat, nowMs),
          nowMs,
          sid,
        );
      }
      // Also closes anything a crash left half-ended (a room completed, its participants not yet):
      // a participant ends with its room, a track with its participant (or its room).
      this.stmt(
        `UPDATE participants SET status = 'disconnected', date_updated = @now,
           end_time = MAX(start_time, COALESCE((SELECT end_time FROM rooms r WHERE r.sid = room_sid), @now))
         WHERE status <> 'disconnected'`,
      ).run({ now: nowMs });
      this.stmt(
        `UPDATE tracks SET date_updated = @now,
           date_removed = MAX(date_created, COALESCE(
             (SELECT end_time FROM participants p WHERE p.sid = participant_sid),
             (SELECT end_time FROM rooms r WHERE r.sid = room_sid),
             @now))
         WHERE date_removed IS NULL`,
      ).run({ now: nowMs });
      return { rooms: open.map((sid) => this.getRoom(sid)!) };
    }).immediate();
  }

  /**
   * When a room left in progress ended: the last heartbeat, or the room's latest recorded activity
   * if later (a write proves the process was alive then, and a room created after the last beat
   * must not end before it began); never after `now`, never before the room was created.
   */
  private deathTime(sid: RoomSid, heartbeat: number | null, now: number): number {
    const { created, activity } = this.stmt(
      `SELECT r.date_created AS created, MAX(r.date_updated,
         COALESCE((SELECT MAX(MAX(date_updated, start_time, COALESCE(end_time, 0))) FROM participants WHERE room_sid = r.sid), 0),
         COALESCE((SELECT MAX(MAX(date_updated, COALESCE(date_removed, 0))) FROM tracks WHERE room_sid = r.sid), 0)
       ) AS activity
       FROM rooms r WHERE r.sid = ?`,
    ).get(sid) as { created: number; activity: number };
    return Math.max(created, Math.min(now, Math.max(heartbeat ?? 0, activity)));
  }

  // --- Helpers ---

  /** Prepared once per SQL text and kept: the same few statements run again and again. */
  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private getBySid<R>(table: string, columns: Columns<R>, sid: string): R | null {
    const row = this.stmt(`SELECT * FROM ${table} WHERE sid = ?`).get(sid) as Row | undefined;
    return row ? fromRow(columns, row) : null;
  }

  /** `immutable` repeats at run time what the patch types say (a slip should fail, not vanish). */
  private update<R>(
    table: string,
    columns: Columns<R>,
    immutable: readonly (keyof R & string)[],
    sid: string,
    patch: object,
  ): R | null {
    const assignments: string[] = [];
    const params: Row = { sid };
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const column = (columns as Record<string, readonly [string, ColumnKind]>)[field];
      if (!column || (immutable as readonly string[]).includes(field)) throw new Error(`${table}: unknown or immutable field ${field}`);
      assignments.push(`${column[0]} = @${column[0]}`);
      params[column[0]] = encode(value, column[1]);
    }
    if (assignments.length === 0) return this.getBySid(table, columns, sid);
    const row = this.stmt(`UPDATE ${table} SET ${assignments.join(', ')} WHERE sid = @sid RETURNING *`).get(params) as
      | Row
      | undefined;
    return row ? fromRow(columns, row) : null;
  }
}
