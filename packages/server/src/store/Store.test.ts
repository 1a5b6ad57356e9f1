import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { newSid, type AccountSid, type RoomSid } from '@plaza/protocol';
import { Store, type ParticipantRecord, type RoomRecord, type TrackRecord } from './Store.js';
import { MIGRATIONS } from './migrations.js';

const account: AccountSid = newSid('AC');
const T0 = Date.parse('2024-05-01T12:00:00.123Z');
const at = (offsetMs: number): Date => new Date(T0 + offsetMs);

/** A fresh data dir (removed after the test) and a Store on it. */
function setup(t: TestContext): { dir: string; store: Store } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plaza-store-'));
  const opened: Store[] = [];
  const open = (): Store => {
    const store = Store.open(dir);
    opened.push(store);
    return store;
  };
  t.after(() => {
    for (const s of opened) {
      try {
        s.close();
      } catch {
        // already closed by the test
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, store: open() };
}

function room(overrides: Partial<RoomRecord> = {}): RoomRecord {
  return {
    sid: newSid('RM'),
    accountSid: account,
    uniqueName: 'demo',
    status: 'in-progress',
    type: 'group',
    dateCreated: at(0),
    dateUpdated: at(0),
    endTime: null,
    maxParticipants: 50,
    maxParticipantDuration: 14_400,
    statusCallback: 'https://example.com/cb',
    statusCallbackMethod: 'POST',
    emptyRoomTimeout: 5,
    unusedRoomTimeout: 5,
    recordParticipantsOnConnect: false,
    videoCodecs: ['VP8', 'H264'],
    mediaRegion: null,
    audioOnly: false,
    largeRoom: false,
    ...overrides,
  };
}

function participant(roomSid: RoomSid, overrides: Partial<ParticipantRecord> = {}): ParticipantRecord {
  return {
    sid: newSid('PA'),
    roomSid,
    accountSid: account,
    identity: 'alice',
    status: 'connected',
    startTime: at(1_000),
    endTime: null,
    dateCreated: at(1_000),
    dateUpdated: at(1_000),
    ...overrides,
  };
}

function track(p: ParticipantRecord, overrides: Partial<TrackRecord> = {}): TrackRecord {
  return {
    sid: newSid('MT'),
    roomSid: p.roomSid,
    participantSid: p.sid,
    name: 'mic',
    kind: 'audio',
    enabled: true,
    dateCreated: at(2_000),
    dateUpdated: at(2_000),
    dateRemoved: null,
    ...overrides,
  };
}

test('open creates plaza.db in WAL mode with foreign keys and the schema version', (t) => {
  const { dir, store } = setup(t);
  assert.ok(existsSync(path.join(dir, 'plaza.db')));
  assert.equal(store.pragma('journal_mode'), 'wal');
  assert.equal(store.pragma('foreign_keys'), 1);
  assert.equal(store.pragma('synchronous'), 1); // NORMAL
  assert.ok((store.pragma('busy_timeout') as number) > 0);
  assert.equal(store.pragma('user_version'), MIGRATIONS.length);
});

test('open creates a missing data dir (mkdir -p)', (t) => {
  const { dir } = setup(t);
  const nested = path.join(dir, 'a', 'b');
  const store = Store.open(nested);
  store.close();
  assert.ok(existsSync(path.join(nested, 'plaza.db')));
});

test('migrations are idempotent: reopening keeps the data and the version', (t) => {
  const { dir, store } = setup(t);
  const r = room();
  store.insertRoom(r);
  store.close();
  const again = Store.open(dir);
  assert.equal(again.pragma('user_version'), MIGRATIONS.length);
  assert.deepEqual(again.getRoom(r.sid), r);
  again.close();
  const third = Store.open(dir);
  assert.deepEqual(third.getRoom(r.sid), r);
  third.close();
});

test('a database from a newer Plaza is refused', (t) => {
  const { dir, store } = setup(t);
  store.close();
  const raw = new Database(path.join(dir, 'plaza.db'));
  raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  raw.close();
  assert.throws(() => Store.open(dir), /newer than this server knows/);
});

test('a room round-trips every field, and updates apply only what they name', (t) => {
  const { store } = setup(t);
  const r = room({
    uniqueName: 'all-fields',
    type: 'group-small',
    maxParticipants: 7,
    maxParticipantDuration: 600,
    statusCallback: null,
    statusCallbackMethod: 'GET',
    emptyRoomTimeout: 2,
    unusedRoomTimeout: 3,
    recordParticipantsOnConnect: true,
    videoCodecs: [],
    mediaRegion: 'de1',
    audioOnly: true,
    largeRoom: true,
  });
  store.insertRoom(r);
  const got = store.getRoom(r.sid);
  assert.deepEqual(got, r);
  assert.ok(got!.dateCreated instanceof Date);
  assert.equal(got!.dateCreated.getTime(), T0); // exact to the ms

  const updated = store.updateRoom(r.sid, { status: 'completed', endTime: at(5_001), dateUpdated: at(5_001), videoCodecs: ['VP8'] });
  const expected: RoomRecord = { ...r, status: 'completed', endTime: at(5_001), dateUpdated: at(5_001), videoCodecs: ['VP8'] };
  assert.deepEqual(updated, expected);
  assert.deepEqual(store.getRoom(r.sid), expected);
  // Undefined fields are ignored; an empty patch changes nothing.
  assert.deepEqual(store.updateRoom(r.sid, { mediaRegion: undefined }), expected);
  // Nullable fields can be set back to null.
  assert.equal(store.updateRoom(r.sid, { endTime: null })!.endTime, null);
});

test('unknown SIDs give null; bad values and immutable fields are refused', (t) => {
  const { store } = setup(t);
  assert.equal(store.getRoom(newSid('RM')), null);
  assert.equal(store.getRoom('not-a-sid'), null);
  assert.equal(store.updateRoom(newSid('RM'), { status: 'completed' }), null);
  assert.equal(store.getParticipant(newSid('PA')), null);
  assert.equal(store.getTrack(newSid('MT')), null);
  const r = room();
  store.insertRoom(r);
  assert.throws(() => store.insertRoom(room({ sid: r.sid, uniqueName: 'other' })), /UNIQUE|PRIMARY/);
  assert.throws(() => store.updateRoom(r.sid, { status: 'paused' as never }), /CHECK/);
  assert.throws(() => store.updateRoom(r.sid, { dateUpdated: new Date(NaN) }), /invalid Date/);
  assert.throws(() => store.updateRoom(r.sid, { accountSid: account } as never), /immutable/);
  assert.throws(() => store.updateRoom(r.sid, { bogus: 1 } as never), /unknown/);
  // A participant of a room that does not exist breaks the foreign key.
  assert.throws(() => store.insertParticipant(participant(newSid('RM'))), /FOREIGN KEY/);
});

test('a UniqueName names at most one room in progress; ended rooms may share it', (t) => {
  const { store } = setup(t);
  const first = room();
  store.insertRoom(first);
  assert.throws(() => store.insertRoom(room({ dateCreated: at(1) })), /UNIQUE/);
  store.updateRoom(first.sid, { status: 'completed', endTime: at(10) });
  store.insertRoom(room({ dateCreated: at(20) }));
  assert.equal(store.countRooms({ uniqueName: 'demo' }), 2);
});

test('findRoomByUniqueName prefers the room in progress, else the most recent', (t) => {
  const { store } = setup(t);
  const old = room({ status: 'completed', dateCreated: at(0), endTime: at(1) });
  const live = room({ dateCreated: at(100) });
  const newerEnded = room({ status: 'completed', dateCreated: at(200), endTime: at(300) });
  for (const r of [old, live, newerEnded]) store.insertRoom(r);
  store.insertRoom(room({ uniqueName: 'elsewhere' }));
  assert.equal(store.findRoomByUniqueName('demo')?.sid, live.sid);
  store.updateRoom(live.sid, { status: 'completed', endTime: at(150) });
  assert.equal(store.findRoomByUniqueName('demo')?.sid, newerEnded.sid);
  assert.equal(store.findRoomByUniqueName('nobody'), null);
});

test('listRooms filters, pages newest first, and countRooms counts the same set', (t) => {
  const { store } = setup(t);
  const rooms: RoomRecord[] = [];
  for (let i = 0; i < 10; i++) {
    const r = room({
      uniqueName: i === 8 ? 'even-live' : i % 2 === 0 ? 'even' : `odd-${i}`,
      status: i < 8 ? 'completed' : 'in-progress',
      dateCreated: at(i * 1_000),
      endTime: i < 8 ? at(i * 1_000 + 500) : null,
    });
    rooms.push(r);
    store.insertRoom(r);
  }
  const sids = (list: RoomRecord[]) => list.map((r) => r.sid);
  const newestFirst = [...rooms].reverse();

  assert.deepEqual(sids(store.listRooms({}, { limit: 100, offset: 0 })), sids(newestFirst));
  assert.equal(store.countRooms(), 10);
  // Pages are consecutive slices.
  assert.deepEqual(sids(store.listRooms({}, { limit: 3, offset: 0 })), sids(newestFirst.slice(0, 3)));
  assert.deepEqual(sids(store.listRooms({}, { limit: 3, offset: 3 })), sids(newestFirst.slice(3, 6)));
  assert.deepEqual(sids(store.listRooms({}, { limit: 3, offset: 9 })), sids(newestFirst.slice(9)));
  assert.deepEqual(store.listRooms({}, { limit: 3, offset: 10 }), []);

  assert.equal(store.countRooms({ status: 'in-progress' }), 2);
  assert.deepEqual(sids(store.listRooms({ status: 'in-progress' }, { limit: 10, offset: 0 })), [rooms[9]!.sid, rooms[8]!.sid]);
  assert.equal(store.countRooms({ status: 'completed' }), 8);
  assert.equal(store.countRooms({ status: 'failed' }), 0);

  assert.deepEqual(sids(store.listRooms({ uniqueName: 'even' }, { limit: 10, offset: 0 })), sids([6, 4, 2, 0].map((i) => rooms[i]!)));
  assert.equal(store.countRooms({ uniqueName: 'even' }), 4);

  // createdAfter is inclusive, createdBefore exclusive (Twilio's "on or after" / "before").
  const window = { createdAfter: at(3_000), createdBefore: at(6_000) };
  assert.deepEqual(sids(store.listRooms(window, { limit: 10, offset: 0 })), sids([5, 4, 3].map((i) => rooms[i]!)));
  assert.equal(store.countRooms(window), 3);
  assert.equal(store.countRooms({ ...window, uniqueName: 'even', status: 'completed' }), 1);
});

test('rooms created in the same millisecond list in a stable order (by SID)', (t) => {
  const { store } = setup(t);
  const same = Array.from({ length: 5 }, (_, i) => room({ uniqueName: `r${i}`, dateCreated: at(0) }));
  for (const r of same) store.insertRoom(r);
  const expected = same.map((r) => r.sid).sort().reverse();
  const paged = [0, 2, 4].flatMap((offset) => store.listRooms({}, { limit: 2, offset }).map((r) => r.sid));
  assert.deepEqual(paged, expected);
});

test('a participant round-trips every field; updates, filters, pages oldest first', (t) => {
  const { store } = setup(t);
  const r = room();
  const other = room({ uniqueName: 'other' });
  store.insertRoom(r);
  store.insertRoom(other);
  const people = ['alice', 'bob', 'carol', 'alice'].map((identity, i) =>
    participant(r.sid, { identity, dateCreated: at(i * 1_000), startTime: at(i * 1_000 + 1), dateUpdated: at(i * 1_000 + 2) }),
  );
  for (const p of people) store.insertParticipant(p);
  store.insertParticipant(participant(other.sid));

  assert.deepEqual(store.getParticipant(people[1]!.sid), people[1]);
  const left = store.updateParticipant(people[0]!.sid, { status: 'disconnected', endTime: at(5_000), dateUpdated: at(5_000) });
  assert.deepEqual(left, { ...people[0], status: 'disconnected', endTime: at(5_000), dateUpdated: at(5_000) });
  store.updateParticipant(people[2]!.sid, { status: 'reconnecting' });

  const sids = (list: ParticipantRecord[]) => list.map((p) => p.sid);
  assert.deepEqual(sids(store.listParticipants(r.sid, {}, { limit: 10, offset: 0 })), sids(people));
  assert.deepEqual(sids(store.listParticipants(r.sid, {}, { limit: 2, offset: 2 })), sids(people.slice(2)));
  assert.equal(store.countParticipants(r.sid), 4);
  assert.equal(store.countParticipants(other.sid), 1);
  assert.deepEqual(sids(store.listParticipants(r.sid, { status: 'connected' }, { limit: 10, offset: 0 })), sids([people[1]!, people[3]!]));
  assert.equal(store.countParticipants(r.sid, { status: 'reconnecting' }), 1);
  assert.deepEqual(sids(store.listParticipants(r.sid, { identity: 'alice' }, { limit: 10, offset: 0 })), sids([people[0]!, people[3]!]));
  assert.equal(store.countParticipants(r.sid, { identity: 'alice', status: 'disconnected' }), 1);
  const window = { createdAfter: at(1_000), createdBefore: at(3_000) };
  assert.deepEqual(sids(store.listParticipants(r.sid, window, { limit: 10, offset: 0 })), sids(people.slice(1, 3)));
  assert.equal(store.countParticipants(r.sid, window), 2);
});

test('findParticipantByIdentity prefers the one present, else the most recent', (t) => {
  const { store } = setup(t);
  const r = room();
  store.insertRoom(r);
  const first = participant(r.sid, { dateCreated: at(0) });
  const second = participant(r.sid, { dateCreated: at(1_000), status: 'disconnected', endTime: at(2_000) });
  store.insertParticipant(first);
  store.insertParticipant(second);
  store.insertParticipant(participant(r.sid, { identity: 'bob', dateCreated: at(3_000) }));
  // The older connection is still present: it wins over the newer, disconnected one.
  assert.equal(store.findParticipantByIdentity(r.sid, 'alice')?.sid, first.sid);
  store.updateParticipant(first.sid, { status: 'reconnecting' });
  assert.equal(store.findParticipantByIdentity(r.sid, 'alice')?.sid, first.sid);
  store.updateParticipant(first.sid, { status: 'disconnected', endTime: at(500) });
  assert.equal(store.findParticipantByIdentity(r.sid, 'alice')?.sid, second.sid);
  assert.equal(store.findParticipantByIdentity(r.sid, 'nobody'), null);
  assert.equal(store.findParticipantByIdentity(newSid('RM'), 'alice'), null);
});

test('a track round-trips every field; published tracks exclude removed ones, oldest first', (t) => {
  const { store } = setup(t);
  const r = room();
  store.insertRoom(r);
  const p = participant(r.sid);
  const q = participant(r.sid, { identity: 'bob' });
  store.insertParticipant(p);
  store.insertParticipant(q);
  const video = track(p, { name: 'cam', kind: 'video', enabled: false, dateCreated: at(3_000), dateUpdated: at(3_000) });
  const mic = track(p, { dateCreated: at(2_000) });
  const data = track(p, { name: 'chat', kind: 'data', dateCreated: at(4_000) });
  for (const tr of [video, mic, data, track(q)]) store.insertTrack(tr);

  assert.deepEqual(store.getTrack(video.sid), video);
  assert.deepEqual(
    store.listPublishedTracks(p.sid).map((tr) => tr.name),
    ['mic', 'cam', 'chat'],
  );
  assert.deepEqual(store.updateTrack(video.sid, { enabled: true, dateUpdated: at(5_000) }), { ...video, enabled: true, dateUpdated: at(5_000) });
  store.updateTrack(mic.sid, { dateRemoved: at(6_000), dateUpdated: at(6_000) });
  assert.deepEqual(
    store.listPublishedTracks(p.sid).map((tr) => tr.sid),
    [video.sid, data.sid],
  );
  assert.equal(store.getTrack(mic.sid)?.dateRemoved?.getTime(), at(6_000).getTime());
  assert.deepEqual(store.listPublishedTracks(newSid('PA')), []);
  assert.throws(() => store.updateTrack(mic.sid, { kind: 'video' } as never), /immutable/);
});

test('callback sequence numbers start at 0 and count per room independently', (t) => {
  const { store } = setup(t);
  const a = room({ uniqueName: 'a' });
  const b = room({ uniqueName: 'b' });
  store.insertRoom(a);
  store.insertRoom(b);
  const enqueue = (roomSid: RoomSid, event: string) =>
    store.enqueueCallback({ roomSid, url: 'https://example.com/cb', method: 'POST', params: { StatusCallbackEvent: event, SequenceNumber: 'x' }, now: at(0) });

  const a0 = enqueue(a.sid, 'room-created');
  const b0 = enqueue(b.sid, 'room-created');
  const a1 = enqueue(a.sid, 'participant-connected');
  const a2 = enqueue(a.sid, 'participant-disconnected');
  const b1 = enqueue(b.sid, 'room-ended');
  assert.deepEqual([a0, a1, a2].map((e) => e.params.SequenceNumber), ['0', '1', '2']);
  assert.deepEqual([b0, b1].map((e) => e.params.SequenceNumber), ['0', '1']);
  assert.deepEqual(a1, {
    id: a1.id,
    roomSid: a.sid,
    url: 'https://example.com/cb',
    method: 'POST',
    params: { StatusCallbackEvent: 'participant-connected', SequenceNumber: '1' },
    attempts: 0,
    nextAttemptAt: at(0),
    createdAt: at(0),
    lastError: null,
  });
  assert.ok(a0.id < b0.id && b0.id < a1.id);
  // Delivery does not reuse numbers: the counter lives on the room, not in the queue.
  for (const e of [a0, a1, a2]) store.markCallbackDelivered(e.id);
  assert.equal(enqueue(a.sid, 'room-ended').params.SequenceNumber, '3');
  assert.throws(() => enqueue(newSid('RM'), 'room-created'), /unknown room/);
  assert.equal(store.pendingCallbackCount(), 3);
});

test('dueCallbacks gives only each room\'s head, once due, oldest first; retry bumps attempts', (t) => {
  const { store } = setup(t);
  const a = room({ uniqueName: 'a' });
  const b = room({ uniqueName: 'b' });
  const c = room({ uniqueName: 'c' });
  for (const r of [a, b, c]) store.insertRoom(r);
  const enqueue = (roomSid: RoomSid, offset: number) =>
    store.enqueueCallback({ roomSid, url: 'https://example.com/cb', method: 'GET', params: {}, now: at(offset) });

  assert.equal(store.nextCallbackDueAt(), null);
  assert.deepEqual(store.dueCallbacks(at(0), 10), []);
  const a0 = enqueue(a.sid, 0);
  const a1 = enqueue(a.sid, 10);
  const b0 = enqueue(b.sid, 20);
  const c0 = enqueue(c.sid, 5_000); // not due yet at 1 s
  const ids = (list: { id: number }[]) => list.map((e) => e.id);

  assert.deepEqual(ids(store.dueCallbacks(at(1_000), 10)), [a0.id, b0.id]);
  assert.deepEqual(ids(store.dueCallbacks(at(1_000), 1)), [a0.id]);
  assert.deepEqual(ids(store.dueCallbacks(at(5_000), 10)), [a0.id, b0.id, c0.id]);
  assert.equal(store.nextCallbackDueAt()?.getTime(), at(0).getTime());

  // a0 fails: it backs off, and a1 waits behind it even though a1 itself is due.
  store.markCallbackRetry(a0.id, at(2_000), 'HTTP 503');
  assert.deepEqual(ids(store.dueCallbacks(at(1_000), 10)), [b0.id]);
  assert.equal(store.nextCallbackDueAt()?.getTime(), at(20).getTime());
  const retried = store.dueCallbacks(at(2_000), 10)[0]!;
  assert.equal(retried.id, a0.id);
  assert.equal(retried.attempts, 1);
  assert.equal(retried.lastError, 'HTTP 503');
  assert.equal(retried.nextAttemptAt.getTime(), at(2_000).getTime());
  store.markCallbackRetry(a0.id, at(3_000), 'timeout');
  assert.equal(store.dueCallbacks(at(3_000), 10)[0]!.attempts, 2);

  // Delivered: gone, and the room's next event becomes its head.
  store.markCallbackDelivered(a0.id);
  store.markCallbackDelivered(b0.id);
  assert.deepEqual(ids(store.dueCallbacks(at(1_000), 10)), [a1.id]);
  assert.equal(store.pendingCallbackCount(), 2);
  store.markCallbackDelivered(a1.id);
  assert.equal(store.nextCallbackDueAt()?.getTime(), at(5_000).getTime());
  store.markCallbackDelivered(c0.id);
  assert.equal(store.pendingCallbackCount(), 0);
  assert.equal(store.nextCallbackDueAt(), null);
});

test('queued callbacks and their numbering survive close and reopen', (t) => {
  const { dir, store } = setup(t);
  const r = room();
  store.insertRoom(r);
  const first = store.enqueueCallback({ roomSid: r.sid, url: 'https://example.com/cb', method: 'POST', params: { A: '1' }, now: at(0) });
  store.enqueueCallback({ roomSid: r.sid, url: 'https://example.com/cb', method: 'POST', params: { A: '2' }, now: at(1) });
  store.markCallbackRetry(first.id, at(100), 'ECONNREFUSED');
  store.close();

  const again = Store.open(dir);
  t.after(() => again.close());
  assert.equal(again.pendingCallbackCount(), 2);
  const [head] = again.dueCallbacks(at(100), 10);
  assert.deepEqual(head, { ...first, attempts: 1, nextAttemptAt: at(100), lastError: 'ECONNREFUSED' });
  assert.equal(again.enqueueCallback({ roomSid: r.sid, url: 'u', method: 'POST', params: {} }).params.SequenceNumber, '2');
});

test('recoverAfterRestart completes rooms in progress at the last heartbeat and disconnects everyone', (t) => {
  const { dir, store } = setup(t);
  const live = room({ uniqueName: 'live', dateCreated: at(0) });
  const ended = room({ uniqueName: 'ended', status: 'completed', dateCreated: at(0), endTime: at(500), dateUpdated: at(500) });
  store.insertRoom(live);
  store.insertRoom(ended);
  const present = participant(live.sid, { identity: 'alice' });
  const flaky = participant(live.sid, { identity: 'bob', status: 'reconnecting' });
  const gone = participant(live.sid, { identity: 'carol', status: 'disconnected', endTime: at(1_500), dateUpdated: at(1_500) });
  for (const p of [present, flaky, gone]) store.insertParticipant(p);
  const mic = track(present);
  const removed = track(present, { name: 'cam', kind: 'video', dateRemoved: at(2_500), dateUpdated: at(2_500) });
  store.insertTrack(mic);
  store.insertTrack(removed);
  store.touchHeartbeat(at(9_000));
  store.touchHeartbeat(at(10_000));
  store.close(); // the process "dies"

  const next = Store.open(dir);
  t.after(() => next.close());
  assert.equal(next.lastHeartbeat()?.getTime(), at(10_000).getTime());
  const restart = at(60_000);
  const { rooms } = next.recoverAfterRestart(restart);
  assert.deepEqual(rooms.map((r) => r.sid), [live.sid]);
  assert.deepEqual(rooms[0], { ...live, status: 'completed', endTime: at(10_000), dateUpdated: restart });
  assert.deepEqual(next.getRoom(ended.sid), ended); // untouched

  for (const p of [present, flaky]) {
    assert.deepEqual(next.getParticipant(p.sid), { ...p, status: 'disconnected', endTime: at(10_000), dateUpdated: restart });
  }
  assert.deepEqual(next.getParticipant(gone.sid), gone); // already left: untouched
  assert.deepEqual(next.getTrack(mic.sid), { ...mic, dateRemoved: at(10_000), dateUpdated: restart });
  assert.deepEqual(next.getTrack(removed.sid), removed);
  assert.deepEqual(next.listPublishedTracks(present.sid), []);

  // Nothing left to recover the second time.
  assert.deepEqual(next.recoverAfterRestart(at(70_000)).rooms, []);
});

test('recoverAfterRestart without a heartbeat ends rooms at their last recorded activity', (t) => {
  const { store } = setup(t);
  const busy = room({ uniqueName: 'busy', dateCreated: at(0), dateUpdated: at(100) });
  const empty = room({ uniqueName: 'empty', dateCreated: at(7_000), dateUpdated: at(7_000) });
  store.insertRoom(busy);
  store.insertRoom(empty);
  const p = participant(busy.sid, { startTime: at(1_000), dateUpdated: at(4_000) });
  store.insertParticipant(p);
  store.insertTrack(track(p, { dateCreated: at(4_500), dateUpdated: at(5_000) }));

  const { rooms } = store.recoverAfterRestart(at(60_000));
  const byName = new Map(rooms.map((r) => [r.uniqueName, r]));
  assert.equal(byName.get('busy')?.endTime?.getTime(), at(5_000).getTime());
  assert.equal(byName.get('empty')?.endTime?.getTime(), at(7_000).getTime()); // never before it was created
  assert.equal(store.getParticipant(p.sid)?.endTime?.getTime(), at(5_000).getTime());
});

test('a room created after the last heartbeat does not end before its own activity', (t) => {
  const { store } = setup(t);
  store.touchHeartbeat(at(1_000));
  const late = room({ dateCreated: at(3_000), dateUpdated: at(3_000) });
  store.insertRoom(late);
  const p = participant(late.sid, { startTime: at(4_000), dateCreated: at(4_000), dateUpdated: at(4_000) });
  store.insertParticipant(p);
  const [recovered] = store.recoverAfterRestart(at(60_000)).rooms;
  assert.equal(recovered?.endTime?.getTime(), at(4_000).getTime());
  assert.ok(store.getParticipant(p.sid)!.endTime!.getTime() >= p.startTime.getTime());
});

test('recoverAfterRestart also closes what a crash left half-ended', (t) => {
  const { store } = setup(t);
  // The room was marked completed, but the process died before its participants were.
  const r = room({ status: 'completed', endTime: at(8_000), dateUpdated: at(8_000) });
  store.insertRoom(r);
  const p = participant(r.sid);
  store.insertParticipant(p);
  const tr = track(p);
  store.insertTrack(tr);
  const { rooms } = store.recoverAfterRestart(at(60_000));
  assert.deepEqual(rooms, []);
  assert.equal(store.getParticipant(p.sid)?.status, 'disconnected');
  assert.equal(store.getParticipant(p.sid)?.endTime?.getTime(), at(8_000).getTime());
  assert.equal(store.getTrack(tr.sid)?.dateRemoved?.getTime(), at(8_000).getTime());
});

test('two Stores on one file (another process) see each other\'s writes', (t) => {
  const { dir, store } = setup(t);
  const other = Store.open(dir);
  t.after(() => other.close());
  const r = room();
  store.insertRoom(r);
  assert.deepEqual(other.getRoom(r.sid), r);
  other.enqueueCallback({ roomSid: r.sid, url: 'u', method: 'POST', params: {} });
  assert.equal(store.enqueueCallback({ roomSid: r.sid, url: 'u', method: 'POST', params: {} }).params.SequenceNumber, '1');
});

