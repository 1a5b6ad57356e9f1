/**
 * Room lifecycle with real Room and Participant objects (no peer connections: participants that
 * publish nothing): the timeouts REST rooms are created with, MaxParticipants and
 * MaxParticipantDuration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { newSid } from '@plaza/protocol';
import { pino } from 'pino';
import type { CloseReason } from './CloseReason.js';
import { Participant } from './Participant.js';
import { Room, type RoomSettings } from './Room.js';
import { defaultRoomSettings } from './RoomRegistry.js';

const log = pino({ level: 'silent' });

/** Room timers are unref'd (they must not keep a server alive): hold the loop open while waiting. */
async function next(emitter: Room, event: 'ended' | 'participantLeft'): Promise<unknown[]> {
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    return await once(emitter, event);
  } finally {
    clearInterval(keepAlive);
  }
}

function room(settings: Partial<RoomSettings>): Room {
  return new Room('lifecycle', { sid: newSid('RM'), settings: { ...defaultRoomSettings(60_000), ...settings }, relayQueueLimitBytes: 1 << 20, log });
}

test('a room nobody joins ends after UnusedRoomTimeout', async () => {
  const r = room({ unusedRoomTimeoutMs: 30, emptyRoomTimeoutMs: 60_000 });
  const [reason] = (await next(r, 'ended')) as [CloseReason];
  assert.equal(reason, 'unused-room-timeout');
  assert.equal(r.status, 'completed');
  assert.ok(r.endedAt);
});

test('a room whose participants all left ends after EmptyRoomTimeout, not before someone joined', async () => {
  const r = room({ unusedRoomTimeoutMs: 60_000, emptyRoomTimeoutMs: 30 });
  const alice = new Participant('alice', log);
  r.join(alice);
  r.leave(alice, 'participant-left');
  const [reason] = (await next(r, 'ended')) as [CloseReason];
  assert.equal(reason, 'empty-room-timeout');
});

test('MaxParticipants: one too many gets 53105; the same identity rejoining still fits', () => {
  const r = room({ maxParticipants: 2 });
  r.join(new Participant('a', log));
  r.join(new Participant('b', log));
  assert.throws(() => r.join(new Participant('c', log)), (err: { code?: number }) => err.code === 53105);
  r.join(new Participant('b', log)); // replaces the older b (duplicate identity)
  assert.equal(r.participants.size, 2);
  r.end('room-ended');
});

test('MaxParticipantDuration: a participant is removed when its time is up', async () => {
  const r = room({ maxParticipantDurationS: 0.03 });
  const alice = new Participant('alice', log);
  r.join(alice);
  const [left, reason] = (await next(r, 'participantLeft')) as [Participant, CloseReason];
  assert.equal(left, alice);
  assert.equal(reason, 'max-participant-duration');
  r.end('room-ended');
});
