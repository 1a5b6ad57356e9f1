/**
 * The dispatcher against a real HTTP receiver on 127.0.0.1 (signatures checked by
 * `twilio.validateRequest`, as a customer's server would) and an in-memory outbox with the
 * documented per-room FIFO semantics. Conditions are polled with a deadline, never slept for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import twilio from 'twilio';
import { CallbackDispatcher, defaultBackoff, USER_AGENT, type CallbackDispatcherOptions, type CallbackOutbox, type OutboxEntry } from './CallbackDispatcher.js';

const TOKEN = 'test-auth-token';
const silent = pino({ level: 'silent' });

// ---------------------------------------------------------------------------------------------
// In-memory outbox: per room, only the oldest undelivered entry is handed out, once due.

class MemoryOutbox implements CallbackOutbox {
  private readonly rows: OutboxEntry[] = [];
  private readonly deliveredIds = new Set<number>();
  readonly retries: Array<{ id: number; error: string }> = [];
  dueCalls = 0;
  private nextId = 1;

  enqueue(roomSid: string, url: string, params: Record<string, string>, options: Partial<OutboxEntry> = {}): OutboxEntry {
    const now = new Date();
    const row: OutboxEntry = {
      id: this.nextId++,
      roomSid,
      url,
      method: 'POST',
      params,
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
      lastError: null,
      ...options,
    };
    this.rows.push(row);
    return row;
  }

  dueCallbacks(now: Date, limit: number): OutboxEntry[] {
    this.dueCalls++;
    return this.heads()
      .filter((row) => row.nextAttemptAt.getTime() <= now.getTime())
      .slice(0, limit)
      .map((row) => ({ ...row, params: { ...row.params } }));
  }

  nextCallbackDueAt(): Date | null {
    const times = this.heads().map((row) => row.nextAttemptAt.getTime());
    return times.length === 0 ? null : new Date(Math.min(...times));
  }

  markCallbackDelivered(id: number): void {
    this.deliveredIds.add(id);
  }

  markCallbackRetry(id: number, nextAttemptAt: Date, error: string): void {
    const row = this.rows.find((r) => r.id === id)!;
    row.attempts++;
    row.nextAttemptAt = nextAttemptAt;
    row.lastError = error;
    this.retries.push({ id, error });
  }

  get pending(): number {
    return this.rows.length - this.deliveredIds.size;
  }

  row(id: number): OutboxEntry {
    return this.rows.find((r) => r.id === id)!;
  }

  private heads(): OutboxEntry[] {
    const rooms = new Set<string>();
    const heads: OutboxEntry[] = [];
    for (const row of this.rows) {
      if (this.deliveredIds.has(row.id) || rooms.has(row.roomSid)) continue;
      rooms.add(row.roomSid);
      heads.push(row);
    }
    return heads;
  }
}

// ---------------------------------------------------------------------------------------------
// Receiver: a customer's callback endpoint.

interface Hit {
  method: string;
  /** As the receiver reconstructs it: `http://` + Host + request target. */
  url: string;
  query: Record<string, string>;
  body: string;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  signatureValid: boolean;
  room: string;
  seq: number;
  status: number | 'hang';
}

type Reply = number | 'hang';

class Receiver {
  readonly hits: Hit[] = [];
  readonly hanging: Array<{ hit: Hit; res: ServerResponse }> = [];
  /** Decides each response; default 200. */
  reply: (hit: Hit) => Reply = () => 200;
  /** Receiver think time before answering. */
  latencyMs = 0;
  maxOpen = 0;
  maxOpenPerRoom = 0;
  port = 0;
  private open = 0;
  private readonly openPerRoom = new Map<string, number>();
  private readonly server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => this.handle(req.method ?? '', `http://${req.headers.host}${req.url}`, req.headers, body, res));
  });

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answers the hanging requests. */
  release(status = 200): void {
    for (const { hit, res } of this.hanging.splice(0)) {
      hit.status = status;
      res.writeHead(status).end();
    }
  }

  /** The sequence numbers the room's requests carried, in arrival order. */
  seqs(room: string): number[] {
    return this.hits.filter((h) => h.room === room).map((h) => h.seq);
  }

  private handle(method: string, url: string, headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    const query = Object.fromEntries(new URL(url).searchParams);
    const params = method === 'POST' ? Object.fromEntries(new URLSearchParams(body)) : {};
    const fields = method === 'POST' ? params : query;
    const signature = String(headers['x-twilio-signature'] ?? '');
    const hit: Hit = {
      method,
      url,
      query,
      body,
      params,
      headers,
      signatureValid: twilio.validateRequest(TOKEN, signature, url, params),
      room: fields.RoomSid ?? '',
      seq: Number(fields.SequenceNumber),
      status: 200,
    };
    this.hits.push(hit);
    this.track(hit.room, res);
    hit.status = this.reply(hit);
    if (hit.status === 'hang') {
      this.hanging.push({ hit, res });
      return;
    }
    const status = hit.status;
    const answer = () => res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    if (this.latencyMs > 0) setTimeout(answer, this.latencyMs);
    else answer();
  }

  private track(room: string, res: ServerResponse): void {
    this.open++;
    this.openPerRoom.set(room, (this.openPerRoom.get(room) ?? 0) + 1);
    this.maxOpen = Math.max(this.maxOpen, this.open);
    this.maxOpenPerRoom = Math.max(this.maxOpenPerRoom, this.openPerRoom.get(room)!);
    res.on('close', () => {
      this.open--;
      this.openPerRoom.set(room, this.openPerRoom.get(room)! - 1);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

function event(room: string, seq: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AccountSid: 'AC' + '0'.repeat(32),
    RoomName: 'daily standup',
    RoomSid: room,
    RoomStatus: 'in-progress',
    RoomType: 'group',
    StatusCallbackEvent: 'participant-connected',
    ParticipantIdentity: 'zoë 🎉',
    SequenceNumber: String(seq),
    Timestamp: new Date().toISOString(),
    ...extra,
  };
}

const ROOM_A = 'RM' + 'a'.repeat(32);
const ROOM_B = 'RM' + 'b'.repeat(32);
const ROOM_C = 'RM' + 'c'.repeat(32);

function dispatcher(outbox: CallbackOutbox, options: Partial<CallbackDispatcherOptions> = {}): CallbackDispatcher {
  return new CallbackDispatcher({ outbox, authToken: TOKEN, log: silent, backoff: () => 20, ...options });
}

/** Each event of the room arrived in order; any event repeated only after a failed attempt. */
function assertRoomOrder(receiver: Receiver, room: string, count: number): void {
  const hits = receiver.hits.filter((h) => h.room === room);
  const seqs = hits.map((h) => h.seq);
  assert.deepEqual([...new Set(seqs)], Array.from({ length: count }, (_, i) => i + 1), `room ${room} got ${seqs}`);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `room ${room} out of order: ${seqs}`);
  for (let i = 0; i + 1 < hits.length; i++) {
    if (hits[i]!.seq !== hits[i + 1]!.seq) assert.equal(hits[i]!.status, 200, `seq ${hits[i]!.seq} moved on after a failure`);
  }
}

function refTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

function captureLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

// ---------------------------------------------------------------------------------------------

test('POSTs form bodies signed so that twilio.validateRequest accepts them', async () => {
  const receiver = new Receiver();
  await receiver.listen();
  const outbox = new MemoryOutbox();
  const url = receiver.url('/callbacks/video?tenant=acme&label=%C3%A9t%C3%A9');
  for (let seq = 1; seq <= 3; seq++) {
    outbox.enqueue(ROOM_A, url, event(ROOM_A, seq));
    outbox.enqueue(ROOM_B, url, event(ROOM_B, seq, { StatusCallbackEvent: 'track-added', TrackName: 'cam+mic & more=yes' }));
  }
  const d = dispatcher(outbox);
  d.start();
  try {
    await waitFor(() => outbox.pending === 0, 'all delivered');
    assert.equal(d.stats.delivered, 6);
    assert.equal(d.stats.failedAttempts, 0);
    assert.equal(receiver.hits.length, 6);
    for (const hit of receiver.hits) {
      assert.equal(hit.method, 'POST');
      assert.ok(hit.signatureValid, `signature rejected for ${hit.url}`);
      assert.equal(hit.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(hit.headers['user-agent'], USER_AGENT);
      assert.equal(hit.url, url);
      assert.equal(hit.query.label, 'été');
      assert.equal(hit.params.ParticipantIdentity, 'zoë 🎉');
    }
    assert.equal(receiver.hits.find((h) => h.room === ROOM_B)!.params.TrackName, 'cam+mic & more=yes');
    assertRoomOrder(receiver, ROOM_A, 3);
    assertRoomOrder(receiver, ROOM_B, 3);
    // A forged request would not pass: the receiver's check is real.
    assert.ok(!twilio.validateRequest('other-token', String(receiver.hits[0]!.headers['x-twilio-signature']), url, receiver.hits[0]!.params));
  } finally {
    await d.stop();
    await receiver.close();
  }
});

test('a failed first attempt holds the room’s later events back: per-room order holds', async () => {
  const receiver = new Receiver();
  await receiver.listen();
  receiver.latencyMs = 5;
  let failedOnce = false;
  receiver.reply = (hit) => {
    if (hit.room === ROOM_A && hit.seq === 1 && !failedOnce) {
      failedOnce = true;
      return 500;
    }
    return 200;
  };
  const outbox = new MemoryOutbox();
  const first = outbox.enqueue(ROOM_A, receiver.url('/cb'), event(ROOM_A, 1));
  for (let seq = 2; seq <= 4; seq++) outbox.enqueue(ROOM_A, receiver.url('/cb'), event(ROOM_A, seq));
  const d = dispatcher(outbox);
  d.start();
  try {
    await waitFor(() => outbox.pending === 0, 'all delivered');
    assert.deepEqual(receiver.seqs(ROOM_A), [1, 1, 2, 3, 4]);
    assert.equal(receiver.hits[0]!.status, 500);
    assertRoomOrder(receiver, ROOM_A, 4);
    assert.equal(receiver.maxOpenPerRoom, 1);
    assert.deepEqual(outbox.retries, [{ id: first.id, error: 'HTTP 500' }]);
    assert.equal(outbox.row(first.id).attempts, 1);
    assert.equal(d.stats.failedAttempts, 1);
    assert.equal(d.stats.delivered, 4);
  } finally {
    await d.stop();
    await receiver.close();
  }
});

test('a stuck room does not hold up the others', async () => {
  const receiver = new Receiver();
  await receiver.listen();
  receiver.reply = (hit) => (hit.room === ROOM_A ? 'hang' : 200);
  const outbox = new MemoryOutbox();
  for (let seq = 1; seq <= 3; seq++) {
    outbox.enqueue(ROOM_A, receiver.url('/a'), event(ROOM_A, seq));
    outbox.enqueue(ROOM_B, receiver.url('/b'), event(ROOM_B, seq));
  }
  const d = dispatcher(outbox, { concurrency: 2 });
  d.start();
  try {
    await waitFor(() => d.stats.delivered === 3, 'room B delivered');
    assert.deepEqual(receiver.seqs(ROOM_B), [1, 2, 3]);
    assert.deepEqual(receiver.seqs(ROOM_A), [1], 'room A waits on its first event');
    assert.equal(d.stats.inFlight, 1);
    receiver.reply = () => 200;
    receiver.release();
    await waitFor(() => outbox.pending === 0, 'room A delivered');
    assertRoomOrder(receiver, ROOM_A, 3);
    assertRoomOrder(receiver, ROOM_B, 3);
  } finally {
    await d.stop();
    await receiver.close();
  }
});

test('a room that keeps failing does not hold up the others', async () => {
  const receiver = new Receiver();
  await receiver.listen();
  receiver.reply = (hit) => (hit.room === ROOM_A ? 503 : 200);
  const outbox = new MemoryOutbox();
  for (let seq = 1; seq <= 3; seq++) {
    outbox.enqueue(ROOM_A, receiver.url('/a'), event(ROOM_A, seq));
    outbox.enqueue(ROOM_B, receiver.url('/b'), event(ROOM_B, seq));
  }
  const d = dispatcher(outbox, { concurrency: 1 });
  d.start();
  try {
    await waitFor(() => receiver.seqs(ROOM_B).length === 3 && receiver.seqs(ROOM_A).length >= 3, 'B done while A retries');
    assert.ok(receiver.seqs(ROOM_A).every((seq) => seq === 1), 'A never got past its first event');
    assertRoomOrder(receiver, ROOM_B, 3);
    receiver.reply = () => 200;
    await waitFor(() => outbox.pending === 0, 'A delivered once the receiver recovers');
    assertRoomOrder(receiver, ROOM_A, 3);
  } finally {
    await d.stop();
    await receiver.close();
  }
});

test('a receiver that is down for a while then comes up gets everything, in order', async () => {
  // Reserve a port, then free it: connections are refused until the receiver listens there.
  const probe = new Receiver();
  await probe.listen();
  const port = probe.port;
  await probe.close();
  const url = `http://127.0.0.1:${port}/cb`;
  const outbox = new MemoryOutbox();
  for (let seq = 1; seq <= 3; seq++) {
    for (const room of [ROOM_A, ROOM_B, ROOM_C]) outbox.enqueue(room, url, event(room, seq));
  }
  const d = dispatcher(outbox);
  d.start();
  const receiver = new Receiver();
  try {
    await waitFor(() => d.stats.failedAttempts >= 6, 'refused attempts');
    assert.equal(d.stats.delivered, 0);
    assert.ok(outbox.retries.every((r) => r.error.includes('ECONNREFUSED')), JSON.stringify(outbox.retries[0]));
    await receiver.listen(port);
    await waitFor(() => outbox.pending === 0, 'all delivered once up');
    for (const room of [ROOM_A, ROOM_B, ROOM_C]) {
      assert.deepEqual(receiver.seqs(room), [1, 2, 3]);
    }
    assert.ok(receiver.hits.every((h) => h.signatureValid));
    assert.equal(d.stats.delivered, 9);
  } finally {
    await d.stop();
    await receiver.close();
  }
});

test('a timed-out request is retried', async () => {
  const receiver = new Receiver();
  await receiver.listen();
  receiver.reply = (hit) => (receiver.hits.filter((h) => h.seq === hit.seq).length === 1 && hit.seq === 1 ? 'hang' : 200);
  const outbox = new MemoryOutbox();
  const first = outbox.enqueue(ROOM_A, receiver.url('/cb'), event(ROOM_A, 1));
  outbox.enqueue(ROOM_A, receiver.url('/cb'), event(ROOM_A, 2));
  const d = dispatcher(outbox, { timeoutMs: 150 });
  d.start();
  try {
    await waitFor(() => outbox.pending === 0, 'delivered after the timeout');
    assert.deepEqual(receiver.seqs(ROOM_A), [1, 1, 2]);
    assert.deepEqual(outbox.retries, [{ id: first.id, error: 'timeout' }]);
  } finally {
    await d.stop();
    await receiver.close();
  }
});

test('GET callbacks carry the params in the query, signed over the full URL', async () => {
  const receiver = new Receiver();
  await receiver.listen();
  const outbox = new MemoryOutbox();
  const url = receiver.url('/cb?tenant=acme#ignored');
  outbox.enqueue(ROOM_A, url, event(ROOM_A, 1, { TrackName: 'a b+c&d' }), { method: 'GET' });
  outbox.enqueue(ROOM_A, receiver.url('/bare'), event(ROOM_A, 2), { method: 'GET' });
  const d = dispatcher(outbox);
  d.start();
  try {
    await waitFor(() => outbox.pending === 0, 'delivered');
    const [withQuery, bare] = receiver.hits;
    assert.equal(withQuery!.method, 'GET');
    assert.equal(withQuery!.body, '');
    assert.equal(withQuery!.headers['content-type'], undefined);
    assert.deepEqual(withQuery!.query, { tenant: 'acme', ...event(ROOM_A, 1, { TrackName: 'a b+c&d', Timestamp: withQuery!.query.Timestamp! }) });
    assert.ok(withQuery!.url.startsWith(receiver.url('/cb?tenant=acme&')));
    assert.ok(withQuery!.signatureValid, 'validateRequest(token, sig, fullUrl, {})');
    assert.equal(bare!.query.SequenceNumber, '2');
    assert.ok(bare!.url.startsWith(receiver.url('/bare?AccountSid=')));
    assert.ok(bare!.signatureValid);
  } finally {
    await d.stop();
    await receiver.close();
  }
});

test('only 2xx counts as delivered: redirects and client errors are retried', async () => {
  const receiver = new Receiver();
  await receiver.listen();
  const replies = [302, 404, 204];
  receiver.reply = () => replies.shift() ?? 200;
  const outbox = new MemoryOutbox();
  const entry = outbox.enqueue(ROOM_A, receiver.url('/cb'), event(ROOM_A, 1));
  const d = dispatcher(outbox);
  d.start();
  try {
    await waitFor(() => outbox.pending === 0, 'delivered');
    assert.deepEqual(outbox.retries.map((r) => r.error), ['HTTP 302', 'HTTP 404']);
    assert.equal(outbox.row(entry.id).attempts, 2);
    assert.equal(receiver.hits.length, 3);
  } finally {
    await d.stop();
    await receiver.close();
  }
});

test('at most `concurrency` rooms in flight, one request per room', async () => {
  const receiver = new Receiver();
  await receiver.listen();
  receiver.latencyMs = 20;
  const outbox = new MemoryOutbox();
  const rooms = Array.from({ length: 5 }, (_, i) => `RM${String(i).repeat(32)}`);
  for (let seq = 1; seq <= 2; seq++) for (const room of rooms) outbox.enqueue(room, receiver.url('/cb'), event(room, seq));
  const d = dispatcher(outbox, { concurrency: 2 });
  d.start();
  try {
    await waitFor(() => outbox.pending === 0, 'delivered');
    assert.equal(receiver.maxOpen, 2);
    assert.equal(receiver.maxOpenPerRoom, 1);
    for (const room of rooms) assert.deepEqual(receiver.seqs(room), [1, 2]);
  } finally {
    await d.stop();
    await receiver.close();
  }
});

test('gives up after maxAttempts, or after 24 h, or at once for an unusable URL; the room moves on', async () => {
  const receiver = new Receiver();
  await receiver.listen();
  receiver.reply = (hit) => (hit.seq === 1 ? 500 : 200);
  const { log, lines } = captureLog();

  const outbox = new MemoryOutbox();
  outbox.enqueue(ROOM_A, receiver.url('/cb'), event(ROOM_A, 1));
  outbox.enqueue(ROOM_A, receiver.url('/cb'), event(ROOM_A, 2));
  const old = new Date(Date.now() - 25 * 60 * 60 * 1000);
  outbox.enqueue(ROOM_B, receiver.url('/cb'), event(ROOM_B, 1), { createdAt: old });
  outbox.enqueue(ROOM_B, receiver.url('/cb'), event(ROOM_B, 2));
  outbox.enqueue(ROOM_C, 'ftp://example.com/cb', event(ROOM_C, 1));
  outbox.enqueue(ROOM_C, 'not a url', event(ROOM_C, 2));
  outbox.enqueue(ROOM_C, receiver.url('/cb'), event(ROOM_C, 3));
  const withLimit = dispatcher(outbox, { maxAttempts: 3, log });
  withLimit.start();
  try {
    await waitFor(() => outbox.pending === 0, 'all settled');
    assert.deepEqual(receiver.seqs(ROOM_A), [1, 1, 1, 2], 'three attempts, then the next event');
    assert.deepEqual(receiver.seqs(ROOM_B), [1, 2], 'the 24 h limit holds whatever maxAttempts says');
    assert.deepEqual(receiver.seqs(ROOM_C), [3]);
    assert.equal(withLimit.stats.abandoned, 4);
  } finally {
    await withLimit.stop();
  }

  // Without maxAttempts too: B's 25 h old entry is given up after one failure.
  const aged = new MemoryOutbox();
  aged.enqueue(ROOM_B, receiver.url('/cb'), event(ROOM_B, 1), { createdAt: old });
  aged.enqueue(ROOM_B, receiver.url('/cb'), event(ROOM_B, 2));
  const before = receiver.hits.length;
  const noLimit = dispatcher(aged, { log });
  noLimit.start();
  try {
    await waitFor(() => aged.pending === 0, 'aged settled');
    assert.deepEqual(receiver.hits.slice(before).map((h) => h.seq), [1, 2]);
    assert.equal(noLimit.stats.abandoned, 1);
    assert.equal(aged.retries.length, 0);
  } finally {
    await noLimit.stop();
    await receiver.close();
  }
  const givenUp = lines.filter((l) => l.msg === 'callback given up');
  assert.ok(givenUp.every((l) => l.level === 40), 'logged as warnings');
  assert.ok(givenUp.some((l) => l.reason === 'unsupported scheme ftp:'));
  assert.ok(givenUp.some((l) => l.reason === 'invalid URL'));
});

test('wake() never runs a pass on the caller’s stack; an idle dispatcher wakes up for new entries', async () => {
  const receiver = new Receiver();
  await receiver.listen();
  const outbox = new MemoryOutbox();
  const d = dispatcher(outbox);
  const baseline = refTimers();
  d.start();
  try {
    await waitFor(() => outbox.dueCalls >= 1, 'first pass');
    assert.equal(refTimers(), baseline, 'an empty outbox leaves no timer');
    outbox.enqueue(ROOM_A, receiver.url('/cb'), event(ROOM_A, 1));
    const calls = outbox.dueCalls;
    d.wake();
    d.wake();
    assert.equal(outbox.dueCalls, calls, 'wake() only schedules');
    await waitFor(() => outbox.pending === 0, 'delivered after wake');
    assert.equal(receiver.hits.length, 1);
  } finally {
    await d.stop();
    await receiver.close();
  }
});

test('outbox errors are logged, never thrown, and the dispatcher recovers', async () => {
  const receiver = new Receiver();
  await receiver.listen();
  const { log, lines } = captureLog();
  const outbox = new MemoryOutbox();
  outbox.enqueue(ROOM_A, receiver.url('/cb'), event(ROOM_A, 1));
  let dueFailures = 1;
  let markFailures = 1;
  const flaky: CallbackOutbox = {
    dueCallbacks: (now, limit) => {
      if (dueFailures-- > 0) throw new Error('SQLITE_BUSY');
      return outbox.dueCallbacks(now, limit);
    },
    nextCallbackDueAt: () => outbox.nextCallbackDueAt(),
    markCallbackDelivered: (id) => {
      if (markFailures-- > 0) throw new Error('SQLITE_BUSY');
      outbox.markCallbackDelivered(id);
    },
    markCallbackRetry: (id, at, error) => outbox.markCallbackRetry(id, at, error),
  };
  const d = dispatcher(flaky, { log });
  d.start();
  try {
    await waitFor(() => outbox.pending === 0, 'delivered despite the errors');
    // The mark failed once, so the entry went out again: at least once.
    assert.deepEqual(receiver.seqs(ROOM_A), [1, 1]);
    assert.equal(lines.filter((l) => l.msg === 'callback outbox failed' && l.level === 50).length, 2);
  } finally {
    await d.stop();
    await receiver.close();
  }
});

test('stop() waits for requests in flight and leaves no timer behind', async () => {
  const receiver = new Receiver();
  await receiver.listen();
  receiver.reply = (hit) => (hit.room === ROOM_A ? 'hang' : 500);
  const outbox = new MemoryOutbox();
  const hanging = outbox.enqueue(ROOM_A, receiver.url('/cb'), event(ROOM_A, 1));
  outbox.enqueue(ROOM_B, receiver.url('/cb'), event(ROOM_B, 1));
  const baseline = refTimers();
  const d = dispatcher(outbox, { timeoutMs: 2000, backoff: () => 60_000 });
  d.start();
  try {
    await waitFor(() => outbox.retries.length === 1 && receiver.hits.length === 2, 'B failed, A hanging');
    assert.ok(refTimers() > baseline, 'a timer for B’s retry');
    assert.equal(d.stats.inFlight, 1);
  } finally {
    await d.stop();
  }
  // A's request was waited for: it timed out and was recorded before stop() resolved.
  assert.equal(d.stats.inFlight, 0);
  assert.equal(outbox.row(hanging.id).lastError, 'timeout');
  assert.equal(refTimers(), baseline, 'no timer left behind');
  d.wake();
  assert.equal(refTimers(), baseline, 'a stopped dispatcher ignores wake()');
  await receiver.close();
});

test('defaultBackoff doubles from 1 s, caps at 5 min, with ±20 % jitter', () => {
  for (let i = 0; i < 50; i++) {
    const first = defaultBackoff(1);
    assert.ok(first >= 800 && first <= 1200, String(first));
    const third = defaultBackoff(3);
    assert.ok(third >= 3200 && third <= 4800, String(third));
    const capped = defaultBackoff(40);
    assert.ok(capped >= 240_000 && capped <= 360_000, String(capped));
  }
});
