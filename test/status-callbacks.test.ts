/**
 * Status callbacks as a Twilio app receives them: a real local HTTP receiver, signatures checked
 * with Twilio's own helper library, per-room sequence numbers in order, and nothing lost when the
 * receiver is down and the server is killed and restarted in between.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import twilio from 'twilio';
import { connect, LocalDataTrack, LocalVideoTrack, RtpMediaStreamTrack, type Room } from '@plaza/client';
import { createAccessToken, PlazaServer, type Credentials } from '@plaza/server';
import { startTestServer, waitFor } from './support/server.js';

interface Received {
  method: string;
  url: string;
  params: Record<string, string>;
  signatureValid: boolean;
}

/** A callback receiver; `failing` makes it answer 503 (the app is down). */
async function startReceiver(authToken: () => string) {
  const received: Received[] = [];
  const state = { failing: false };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (state.failing) {
        res.writeHead(503).end();
        return;
      }
      const url = `http://${req.headers.host}${req.url}`;
      const params = req.method === 'GET' ? Object.fromEntries(new URL(url).searchParams) : Object.fromEntries(new URLSearchParams(body));
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      const signatureValid = twilio.validateRequest(authToken(), signature, url, req.method === 'GET' ? {} : params);
      received.push({ method: req.method ?? '', url, params, signatureValid });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/plaza/callbacks?app=demo`;
  return { received, state, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  PlazaServer.cleanupNative(); // media tracks from Node (see README): let the process exit
});

test('every room event arrives in order, signed so that Twilio validateRequest accepts it', async () => {
  const srv = await startTestServer();
  cleanups.push(() => srv.close());
  const receiver = await startReceiver(() => srv.server.credentials.authToken);
  cleanups.push(receiver.close);
  const c = srv.server.credentials;
  const auth = 'Basic ' + Buffer.from(`${c.apiKeySid}:${c.apiKeySecret}`).toString('base64');
  const create = await fetch(`${srv.server.addresses.httpUrl}/v1/Rooms`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ UniqueName: 'cb', StatusCallback: receiver.url }).toString(),
  });
  const roomSid = ((await create.json()) as { sid: string }).sid;
  const track = new LocalDataTrack({ name: 'notes' });
  const alice: Room = await connect(await srv.token('alice', 'cb'), { name: 'cb', wsServer: srv.signalingUrl, tracks: [track] });
  await waitFor(() => receiver.received.some((r) => r.params.StatusCallbackEvent === 'track-added'), 'track-added');
  alice.localParticipant.unpublishTrack(track);
  await waitFor(() => receiver.received.some((r) => r.params.StatusCallbackEvent === 'track-removed'), 'track-removed');
  alice.disconnect();
  await fetch(`${srv.server.addresses.httpUrl}/v1/Rooms/${roomSid}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Status=completed',
  });
  await waitFor(() => receiver.received.some((r) => r.params.StatusCallbackEvent === 'room-ended'), 'room-ended');
  const events = receiver.received.map((r) => r.params.StatusCallbackEvent);
  assert.deepEqual(events, ['room-created', 'participant-connected', 'track-added', 'track-removed', 'participant-disconnected', 'room-ended']);
  assert.deepEqual(receiver.received.map((r) => Number(r.params.SequenceNumber)), [0, 1, 2, 3, 4, 5]);
  for (const r of receiver.received) {
    assert.ok(r.signatureValid, `signature of ${r.params.StatusCallbackEvent}`);
    assert.equal(r.method, 'POST');
    assert.equal(r.params.RoomSid, roomSid);
    assert.equal(r.params.RoomName, 'cb');
    assert.equal(r.params.AccountSid, c.accountSid);
    assert.equal(r.params.RoomType, 'group');
    assert.ok(!Number.isNaN(Date.parse(r.params.Timestamp!)));
  }
  const byEvent = Object.fromEntries(receiver.received.map((r) => [r.params.StatusCallbackEvent, r.params]));
  assert.equal(byEvent['participant-connected']!.ParticipantIdentity, 'alice');
  assert.equal(byEvent['participant-connected']!.ParticipantSid, alice.localParticipant.sid);
  assert.deepEqual([byEvent['track-added']!.TrackKind, byEvent['track-added']!.TrackName], ['data', 'notes']);
  assert.match(byEvent['participant-disconnected']!.ParticipantDuration!, /^\d+$/);
  assert.equal(byEvent['room-ended']!.RoomStatus, 'completed');
  assert.match(byEvent['room-ended']!.RoomDuration!, /^\d+$/);
});

test('muting a video track sends track-disabled, unmuting track-enabled', async () => {
  const srv = await startTestServer();
  cleanups.push(() => srv.close());
  const receiver = await startReceiver(() => srv.server.credentials.authToken);
  cleanups.push(receiver.close);
  const c = srv.server.credentials;
  await fetch(`${srv.server.addresses.httpUrl}/v1/Rooms`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(`${c.apiKeySid}:${c.apiKeySecret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ UniqueName: 'cb-mute', StatusCallback: receiver.url, StatusCallbackMethod: 'GET' }).toString(),
  });
  const camera = new LocalVideoTrack(new RtpMediaStreamTrack('video'), { name: 'cam' });
  const bot: Room = await connect(await srv.token('bot', 'cb-mute'), { name: 'cb-mute', wsServer: srv.signalingUrl, tracks: [] });
  cleanups.push(() => void bot.disconnect());
  await bot.localParticipant.publishTrack(camera);
  await waitFor(() => receiver.received.some((r) => r.params.StatusCallbackEvent === 'track-added'), 'track-added');
  camera.disable();
  await waitFor(() => receiver.received.some((r) => r.params.StatusCallbackEvent === 'track-disabled'), 'track-disabled');
  camera.enable();
  await waitFor(() => receiver.received.some((r) => r.params.StatusCallbackEvent === 'track-enabled'), 'track-enabled');
  const toggles = receiver.received.filter((r) => /^track-(dis|en)abled$/.test(r.params.StatusCallbackEvent ?? ''));
  assert.deepEqual(toggles.map((r) => [r.params.StatusCallbackEvent, r.params.TrackName, r.params.TrackKind]), [
    ['track-disabled', 'cam', 'video'],
    ['track-enabled', 'cam', 'video'],
  ]);
  assert.ok(receiver.received.every((r) => r.method === 'GET' && r.signatureValid), 'GET callbacks, signed over the full URL');
});

const CLI = path.resolve('packages/server/src/cli.ts');

function serve(dataDir: string) {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', CLI, 'serve', '--port', '0', '--rtc-port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const signalingUrl = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /signaling (ws:\/\/\S+)/.exec(stderr);
      if (match?.[1]) resolve(match[1].replace(/,$/, ''));
    });
    child.once('exit', (code) => reject(new Error(`plaza serve exited (${code}): ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, signalingUrl, exited };
}

test('callbacks queued while the receiver is down survive a killed server and arrive in order after restart', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'plaza-outbox-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = serve(dataDir);
  cleanups.push(() => void first.child.kill('SIGKILL'));
  const signalingUrl = await first.signalingUrl;
  const credentials = JSON.parse(readFileSync(path.join(dataDir, 'credentials.json'), 'utf8')) as Credentials;
  const receiver = await startReceiver(() => credentials.authToken);
  cleanups.push(receiver.close);
  receiver.state.failing = true;
  const http = signalingUrl.replace('ws://', 'http://').replace('/signaling', '');
  const auth = 'Basic ' + Buffer.from(`${credentials.apiKeySid}:${credentials.apiKeySecret}`).toString('base64');
  const created = await fetch(`${http}/v1/Rooms`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ UniqueName: 'crash', StatusCallback: receiver.url }).toString(),
  });
  const roomSid = ((await created.json()) as { sid: string }).sid;
  const bob = await connect(await createAccessToken(credentials, { identity: 'bob', room: 'crash' }), { name: 'crash', wsServer: signalingUrl, tracks: [] });
  cleanups.push(() => void bob.disconnect());
  // Killed while its deliveries are failing and being retried.
  const killedAt = Date.now();
  first.child.kill('SIGKILL');
  await first.exited;

  const second = serve(dataDir);
  cleanups.push(() => void second.child.kill('SIGKILL'));
  const http2 = (await second.signalingUrl).replace('ws://', 'http://').replace('/signaling', '');
  receiver.state.failing = false;
  await waitFor(() => receiver.received.some((r) => r.params.StatusCallbackEvent === 'room-ended'), 'room-ended after restart', 30_000);
  assert.deepEqual(receiver.received.map((r) => r.params.StatusCallbackEvent), ['room-created', 'participant-connected', 'room-ended']);
  assert.deepEqual(receiver.received.map((r) => Number(r.params.SequenceNumber)), [0, 1, 2]);
  assert.ok(receiver.received.every((r) => r.signatureValid));
  const room = (await (await fetch(`${http2}/v1/Rooms/${roomSid}`, { headers: { authorization: auth } })).json()) as { status: string; end_time: string };
  assert.equal(room.status, 'completed');
  const endTime = Date.parse(room.end_time);
  assert.ok(endTime <= killedAt + 1000 && endTime >= killedAt - 6000, `end time ${room.end_time} is when the dead process was last alive (killed at ${new Date(killedAt).toISOString()})`);
  const people = (await (await fetch(`${http2}/v1/Rooms/${roomSid}/Participants`, { headers: { authorization: auth } })).json()) as { participants: Array<{ status: string }> };
  assert.deepEqual(people.participants.map((p) => p.status), ['disconnected']);
});
