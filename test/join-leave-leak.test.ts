/**
 * Joining and leaving 200 times must leave nothing behind: no participants, sessions, native peer
 * connections, relay legs, timers, sockets or listeners beyond what one idle room holds.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, LocalDataTrack, type Room } from '@plaza/client';
import { PlazaServer } from '@plaza/server';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

const ROOM = 'churn';
const CYCLES = 200;

let srv: TestServer;
let host: Room;
before(async () => {
  srv = await startTestServer();
  host = await connect(await srv.token('host', ROOM), { name: ROOM, wsServer: srv.signalingUrl, tracks: [new LocalDataTrack({ name: 'board' })] });
});
after(async () => {
  await host.disconnect();
  await srv.close();
  // Now and then (about 1 run in 3) some native node-datachannel handle outlives the 200 closed
  // clients and keeps this process alive, though every count above is back to baseline. Release
  // libdatachannel explicitly until the holder is found (noted on issue 2/3).
  PlazaServer.cleanupNative();
});

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

function listenerTotal(emitter: { eventNames(): Array<string | symbol>; listenerCount(e: string | symbol): number }): number {
  return emitter.eventNames().reduce((n, e) => n + emitter.listenerCount(e), 0);
}

test(`${CYCLES} joins and leaves leave nothing behind`, async () => {
  const serverRoom = srv.server.rooms.get(ROOM);
  assert.ok(serverRoom);
  const hostParticipant = [...serverRoom.participants.values()][0];
  assert.ok(hostParticipant);
  const baseline = { stats: srv.server.stats(), resources: resources(), roomListeners: listenerTotal(serverRoom), hostListeners: listenerTotal(hostParticipant), clientListeners: listenerTotal(host) };

  for (let i = 0; i < CYCLES; i++) {
    const guest = await connect(await srv.token(`guest${i}`, ROOM), {
      name: ROOM,
      wsServer: srv.signalingUrl,
      tracks: i % 2 === 0 ? [new LocalDataTrack()] : [],
    });
    // Each guest really takes part: it subscribes to the host's track before leaving.
    await waitFor(() => [...guest.participants.values()].some((p) => p.dataTracks.size === 1), `guest ${i} subscribed`);
    await guest.disconnect();
  }

  await waitFor(() => srv.server.stats().participants === 1 && host.participants.size === 0, 'the room to settle');
  const stats = srv.server.stats();
  assert.deepEqual(stats, baseline.stats, 'server objects back to baseline');
  assert.equal(stats.peerConnections, 1);
  assert.equal(stats.relayLegs, 0);
  assert.equal(listenerTotal(serverRoom), baseline.roomListeners);
  assert.equal(listenerTotal(hostParticipant), baseline.hostListeners);
  assert.equal(listenerTotal(host), baseline.clientListeners);
  // Timers and sockets of this process (server and clients): allow a couple in flight, never growth with CYCLES.
  await waitFor(() => {
    const now = resources();
    return Object.keys(now).every((k) => (now[k] ?? 0) <= (baseline.resources[k] ?? 0) + 2);
  }, `process resources back to baseline: ${JSON.stringify(baseline.resources)} vs ${JSON.stringify(resources())}`);
});
