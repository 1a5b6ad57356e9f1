/**
 * The schema of plaza.db, as an ordered list of steps. `PRAGMA user_version` records how many have
 * been applied, so opening a database runs only the steps it has not seen. Steps are append-only:
 * a released step is never edited (databases in the field already ran it); change the schema by
 * adding a step.
 *
 * Conventions: dates are INTEGER milliseconds since the epoch (exact round trip of a JS Date),
 * booleans INTEGER 0/1, string lists and parameter maps JSON TEXT. Tables are STRICT so a value
 * of the wrong type is an error instead of being stored as whatever SQLite makes of it.
 */
import type Database from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: rooms, participants, tracks, the status-callback outbox, the liveness heartbeat.
  `
  CREATE TABLE rooms (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL,
    unique_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('in-progress', 'completed', 'failed')),
    type TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL,
    end_time INTEGER,
    max_participants INTEGER NOT NULL,
    max_participant_duration INTEGER NOT NULL,
    status_callback TEXT,
    status_callback_method TEXT NOT NULL CHECK (status_callback_method IN ('GET', 'POST')),
    empty_room_timeout INTEGER NOT NULL,
    unused_room_timeout INTEGER NOT NULL,
    record_participants_on_connect INTEGER NOT NULL CHECK (record_participants_on_connect IN (0, 1)),
    video_codecs TEXT NOT NULL,
    media_region TEXT,
    audio_only INTEGER NOT NULL CHECK (audio_only IN (0, 1)),
    large_room INTEGER NOT NULL CHECK (large_room IN (0, 1)),
    -- The SequenceNumber the room's next status callback carries (Twilio starts at 0).
    next_sequence_number INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  -- A UniqueName names at most one room in progress (53113); ended rooms may share it.
  CREATE UNIQUE INDEX rooms_in_progress_unique_name ON rooms (unique_name) WHERE status = 'in-progress';
  CREATE INDEX rooms_by_date ON rooms (date_created, sid);
  CREATE INDEX rooms_by_status ON rooms (status, date_created);
  CREATE INDEX rooms_by_unique_name ON rooms (unique_name, date_created);

  CREATE TABLE participants (
    sid TEXT PRIMARY KEY,
    room_sid TEXT NOT NULL REFERENCES rooms (sid) ON DELETE CASCADE,
    account_sid TEXT NOT NULL,
    identity TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('connected', 'disconnected', 'reconnecting')),
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX participants_by_room ON participants (room_sid, date_created, sid);
  CREATE INDEX participants_by_identity ON participants (room_sid, identity);
  -- Recovery looks for the participants still marked present; normally there are few.
  CREATE INDEX participants_present ON participants (room_sid) WHERE status <> 'disconnected';

  CREATE TABLE tracks (
    sid TEXT PRIMARY KEY,
    room_sid TEXT NOT NULL REFERENCES rooms (sid) ON DELETE CASCADE,
    participant_sid TEXT NOT NULL REFERENCES participants (sid) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('audio', 'video', 'data')),
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL,
    date_removed INTEGER
  ) STRICT;
  CREATE INDEX tracks_by_participant ON tracks (participant_sid, date_created, sid);
  CREATE INDEX tracks_published ON tracks (room_sid) WHERE date_removed IS NULL;

  -- AUTOINCREMENT: ids are never reused, so they order a room's events even after the newest
  -- row was delivered and deleted, and a stale id held by a sender can never hit a newer entry.
  CREATE TABLE callback_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_sid TEXT NOT NULL REFERENCES rooms (sid) ON DELETE CASCADE,
    url TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('GET', 'POST')),
    params TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_error TEXT
  ) STRICT;
  CREATE INDEX callback_outbox_by_room ON callback_outbox (room_sid, id);

  -- One row: when the server last said it was alive (the end time of rooms it left behind).
  CREATE TABLE heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    alive_at INTEGER NOT NULL
  ) STRICT;
  `,
];

/**
 * Brings the schema up to date. Each step runs in its own IMMEDIATE transaction together with the
 * user_version bump, so a crash mid-step leaves the database at the previous version, and two
 * processes opening the same file at once do not both run a step.
 */
export function migrate(db: Database.Database, migrations: readonly string[] = MIGRATIONS): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  if (version() > migrations.length) {
    throw new Error(
      `plaza.db has schema version ${version()}, newer than this server knows (${migrations.length}); upgrade Plaza`,
    );
  }
  for (let step = version(); step < migrations.length; step++) {
    db.transaction(() => {
      if (version() !== step) return; // another process applied it while we waited for the lock
      db.exec(migrations[step]!);
      db.pragma(`user_version = ${step + 1}`);
    }).immediate();
  }
}
