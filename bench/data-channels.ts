/**
 * DataChannel session numbers (room.dataChannel, the ACS-style API). Not a test: prints tables.
 *   npm run bench:data [-- --quick] [-- --in-process] [-- --kbps=N]
 *   (or: node --conditions=development --import tsx bench/data-channels.ts [--quick] [--in-process] [--kbps=N])
 * The server is a `plaza serve` child process (its CPU read from /proc, user+system); --in-process
 * runs it in this process instead (CPU is then this whole process's: server + clients). Every
 * participant is an @plaza/client Room in this process (real WebRTC, node-datachannel).
 *
 * 1. targeted vs broadcast: 1 sender + 16 receivers, durable 1 KiB messages as fast as backpressure
 *    allows (paced on sender.bufferedAmount), to one receiver, then to everyone. Non-recipients
 *    must get nothing.
 * 2. 16 MiB: one sendMessage() of 16 MiB (64 KiB fragments), to 1 and to 4 receivers; sha256 checked.
 * 3. resume: a durable stream to 1 receiver while every signaling WebSocket is cut
 *    (server.signaling.dropConnections(), so always an in-process server); the peer connection,
 *    and with it the session, should carry on: every message once, in order.
 * 4. the same with both participants' transports cut instead (the server closes their peer
 *    connections): each client replaces its peer connection (Plaza's ICE restart) and the session
 *    resumes by byte count: every message once, in order.
 * --kbps=N caps the 1 KiB streams of rows 1 and 3 with the sender's bitrateInKbps (default: no cap,
 * only bufferedAmount pacing). Any failed check is printed and makes the exit code 1.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  connect,
  waitForEvent,
  type DataChannelMessage,
  type DataChannelProgress,
  type DataChannelReceiver,
  type DataChannelSender,
  type Room,
} from '@plaza/client';
import { createAccessToken, loadOrCreateCredentials, PlazaServer } from '@plaza/server';
import { startPlazaChild } from './plaza-child.js';

const quick = process.argv.includes('--quick');
const inProcess = process.argv.includes('--in-process');
const SECONDS = quick ? 3 : 8;
/** bitrateInKbps for the 1 KiB streams (rows 1 and 3), or null: paced on bufferedAmount only. */
const STREAM_KBPS = ((): number | null => {
  const arg = process.argv.find((a) => a.startsWith('--kbps='));
  return arg ? Number(arg.slice('--kbps='.length)) : null;
})();
const FANOUT_RECEIVERS = 16;
const MESSAGE_BYTES = 1024;
const BIG_BYTES = 16 * 1024 * 1024;
const BIG_RUNS = 3;
/** Pacing: stop handing messages to the sender above this, resume at its bufferedAmountLow. */
const PACE_HIGH = 1024 * 1024;
const PACE_LOW = 512 * 1024;
/** Deadlines for things that should happen: a stall fails the check instead of hanging the bench. */
const DRAIN_TIMEOUT_MS = 30_000;
const BIG_TIMEOUT_MS = 120_000;
const CLK_TCK = 100;

const dataDir = mkdtempSync(path.join(tmpdir(), 'plaza-datachannel-bench-'));
const credentials = loadOrCreateCredentials(dataDir, {});
/** Failed checks; any makes the exit code 1. */
const failures: string[] = [];

// ---------------------------------------------------------------------------------------------
// Server

interface BenchServer {
  url: string;
  /** The `plaza serve` child, or null when the server runs in this process. */
  childPid: number | null;
  /** The in-process server (for dropConnections), or null for a child. */
  plaza: PlazaServer | null;
  stop(): Promise<void>;
}

async function startInProcess(): Promise<BenchServer> {
  const plaza = await PlazaServer.start({ port: 0, rtcPort: 0, host: '127.0.0.1', rtcBind: '127.0.0.1', dataDir, logLevel: 'warn' });
  return { url: plaza.signalingUrl, childPid: null, plaza, stop: () => plaza.close() };
}

async function startChild(): Promise<BenchServer> {
  const child = await startPlazaChild(dataDir);
  return { url: child.url, childPid: child.pid, plaza: null, stop: child.stop };
}

/** CPU seconds (user + system) of the server: the child's, or this whole process's. */
function serverCpuSeconds(server: BenchServer): number {
  if (server.childPid === null) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
  const fields = readFileSync(`/proc/${server.childPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

// ---------------------------------------------------------------------------------------------
// Participants

/** A receiving participant: forwards every session message and progress event to swappable handlers. */
interface Inbox {
  identity: string;
  room: Room;
  /** DataChannelReceivers created so far (one per remote session). */
  sessions: number;
  /** The latest session's receiver (closed if the session ended, e.g. the server dropped us). */
  receiver: DataChannelReceiver | null;
  /** When the latest session's receiver closed (performance.now()), or null. */
  closedAt: number | null;
  onMessage: (message: DataChannelMessage) => void;
  onProgress: (progress: DataChannelProgress) => void;
}

/** One sender's room and its receivers. */
interface Group {
  senderRoom: Room;
  inboxes: Inbox[];
}

async function join(url: string, roomName: string, identity: string): Promise<Room> {
  const token = await createAccessToken(credentials, { identity, room: roomName });
  return connect(token, { name: roomName, wsServer: url, tracks: [] });
}

async function joinInbox(url: string, roomName: string, identity: string): Promise<Inbox> {
  const room = await join(url, roomName, identity);
  const inbox: Inbox = { identity, room, sessions: 0, receiver: null, closedAt: null, onMessage: () => {}, onProgress: () => {} };
  // Listen before any session exists, so no message arrives without a listener (and gets buffered).
  room.dataChannel.on('dataChannelReceiverCreated', (receiver) => {
    inbox.sessions++;
    inbox.receiver = receiver;
    inbox.closedAt = null;
    receiver.on('close', () => {
      if (inbox.receiver === receiver) inbox.closedAt = performance.now(); // not an earlier session ending
    });
    receiver.on('message', (message) => inbox.onMessage(message));
    receiver.on('progress', (progress) => inbox.onProgress(progress));
  });
  return inbox;
}

/**
 * Polls `condition` until it holds (true), `abort` names a reason to stop (false), or the deadline
 * passes (false). Reasons and timeouts are recorded as failed checks.
 */
async function waitUntil(condition: () => boolean, what: string, abort: () => string | null = () => null, timeoutMs = DRAIN_TIMEOUT_MS): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    const reason = abort();
    if (reason !== null) {
      failures.push(`${what}: ${reason}`);
      return false;
    }
    if (performance.now() > deadline) {
      failures.push(`${what}: timed out after ${timeoutMs / 1000} s`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** Receivers whose session ended (the server drops a subscriber whose queue there overflows). */
function lostSessions(inboxes: Inbox[]): string | null {
  const lost = inboxes.filter((b) => b.receiver?.closed);
  return lost.length === 0 ? null : `the session closed at ${lost.map((b) => b.identity).join(', ')} (see the server's warnings above)`;
}

/** A room with `count` receivers (r0, r1, ...) and the sender, who sees them all. */
async function openRoom(url: string, roomName: string, count: number): Promise<Group> {
  const inboxes: Inbox[] = [];
  for (let i = 0; i < count; i++) inboxes.push(await joinInbox(url, roomName, `r${i}`));
  const senderRoom = await join(url, roomName, 'sender');
  // Recipients named by identity are resolved against the sender's view of the room: a receiver
  // it does not know yet would make sendMessage() skip the message.
  await waitUntil(() => senderRoom.participants.size === count, `${roomName}: the sender seeing all ${count} receivers`);
  return { senderRoom, inboxes };
}

/** A new durable session from the group's sender, once every receiver has subscribed to it. */
async function newSession(group: Group, bitrateInKbps: number | null = null): Promise<DataChannelSender> {
  const before = group.inboxes.map((b) => b.sessions);
  const sender = group.senderRoom.dataChannel.createSender({ reliability: 'durable', bitrateInKbps });
  sender.bufferedAmountLowThreshold = PACE_LOW;
  await waitUntil(() => group.inboxes.every((b, i) => b.sessions > before[i]!), `session ${sender.channelId}: every receiver subscribed`);
  return sender;
}

function leave(group: Group): void {
  for (const room of [group.senderRoom, ...group.inboxes.map((b) => b.room)]) room.disconnect();
}

// ---------------------------------------------------------------------------------------------
// Sending

interface StreamResult {
  sent: number;
  /** First sendMessage() to the last one's promise settling. */
  seconds: number;
  errors: number;
}

/**
 * Sends 1 KiB durable messages while `keepGoing()` says so, as fast as backpressure allows: above
 * PACE_HIGH buffered it waits for 'bufferedAmountLow' (PACE_LOW) instead of flooding the queue.
 * (The sender itself also holds messages while the server asks it to pause, or for its bitrate cap;
 * they stay in bufferedAmount, so this loop waits for those too.)
 */
async function stream(sender: DataChannelSender, label: string, keepGoing: () => boolean): Promise<StreamResult> {
  const payload = new Uint8Array(MESSAGE_BYTES); // sendMessage() copies it
  const started = performance.now();
  let sent = 0;
  let errors = 0;
  let last: Promise<void> = Promise.resolve();
  while (keepGoing()) {
    if (sender.bufferedAmount > PACE_HIGH) await waitForEvent(sender, 'bufferedAmountLow', DRAIN_TIMEOUT_MS);
    last = sender.sendMessage(payload).catch((error: unknown) => {
      if (errors++ === 0) console.error(`${label}: sendMessage failed: ${String(error)}`);
    });
    sent++;
  }
  await last; // durable: in order, so the last one settling means all did
  if (errors > 0) failures.push(`${label}: ${errors} of ${sent} sendMessage() calls rejected`);
  return { sent, seconds: (performance.now() - started) / 1000, errors };
}

// ---------------------------------------------------------------------------------------------
// 1. Targeted vs broadcast

interface FanoutRow {
  label: string;
  sentPerSecond: number;
  deliveredPerSecond: number;
  perReceiver: string;
  nonRecipients: string;
  cpuPercent: number;
  cpuMicrosPerMessage: number;
}

/** One fresh session per row, so a receiver the server dropped in one row does not skew the next. */
async function fanoutRow(server: BenchServer, group: Group, label: string, recipients: Inbox[]): Promise<FanoutRow> {
  const { inboxes } = group;
  const sender = await newSession(group, STREAM_KBPS);
  const counts = new Map<Inbox, number>(inboxes.map((b) => [b, 0]));
  let lastArrival = 0;
  for (const inbox of inboxes) {
    inbox.onMessage = () => {
      counts.set(inbox, (counts.get(inbox) ?? 0) + 1);
      lastArrival = performance.now();
    };
  }
  sender.setParticipants(recipients.length === inboxes.length ? [] : recipients.map((b) => b.identity));

  const cpu0 = serverCpuSeconds(server);
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  const { sent, seconds } = await stream(sender, label, () => performance.now() < end);
  await waitUntil(() => recipients.every((b) => counts.get(b) === sent), `${label}: every message at its recipients`, () => lostSessions(recipients));
  const wall = (performance.now() - t0) / 1000;
  const cpu = serverCpuSeconds(server) - cpu0;

  const deliveredSeconds = (lastArrival - t0) / 1000;
  const delivered = [...counts.values()].reduce((a, b) => a + b, 0);
  const got = recipients.map((b) => counts.get(b) ?? 0);
  const others = inboxes.filter((b) => !recipients.includes(b));
  const leaked = others.reduce((n, b) => n + (counts.get(b) ?? 0), 0);
  if (leaked > 0) failures.push(`${label}: non-recipients received ${leaked} messages`);
  if (got.some((n) => n !== sent)) failures.push(`${label}: recipients got ${Math.min(...got)}..${Math.max(...got)} of ${sent} messages`);
  const closedAfter = recipients.flatMap((b) => (b.closedAt === null ? [] : [((b.closedAt - t0) / 1000).toFixed(2)]));
  const perReceiver =
    (recipients.length === 1
      ? `${recipients[0]!.identity}: ${got[0]} of ${sent}`
      : `min ${Math.min(...got)} / max ${Math.max(...got)} of ${sent} (${recipients.length} receivers)`) +
    (closedAfter.length > 0 ? `; server closed ${closedAfter.length} session(s) at ${closedAfter.join(', ')} s` : '');
  for (const inbox of inboxes) inbox.onMessage = () => {};
  sender.close();
  return {
    label,
    sentPerSecond: sent / seconds,
    deliveredPerSecond: delivered / deliveredSeconds,
    perReceiver,
    nonRecipients: others.length === 0 ? 'n/a (none)' : `${leaked} from ${others.length} others ${leaked === 0 ? 'ok' : 'FAIL'}`,
    cpuPercent: (cpu / wall) * 100,
    cpuMicrosPerMessage: (cpu * 1e6) / delivered,
  };
}

async function targetedVsBroadcast(server: BenchServer): Promise<FanoutRow[]> {
  const group = await openRoom(server.url, 'dc-fanout', FANOUT_RECEIVERS);
  const rows = [
    await fanoutRow(server, group, 'targeted: 1 of 16', [group.inboxes[0]!]),
    await fanoutRow(server, group, 'broadcast: all 16', group.inboxes),
  ];
  leave(group);
  return rows;
}

// ---------------------------------------------------------------------------------------------
// 2. 16 MiB transfers

interface BigRun {
  /** sendMessage() to the last receiver's 'message' with the whole data. */
  receivedSeconds: number;
  /** sendMessage() to its promise resolving (the last fragment handed to the channel). */
  resolvedSeconds: number;
  hashOk: boolean;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * The next message `inbox` receives, or null (a failed check, with its last progress) if its
 * session closes or `timeoutMs` passes first.
 */
function nextMessage(inbox: Inbox, timeoutMs: number): Promise<{ data: Uint8Array; at: number } | null> {
  return new Promise((resolve) => {
    let progress: DataChannelProgress | null = null;
    inbox.onProgress = (p) => (progress = p);
    const done = (result: { data: Uint8Array; at: number } | null, failure?: string): void => {
      clearTimeout(timer);
      inbox.receiver?.off('close', onClose);
      inbox.onMessage = () => {};
      inbox.onProgress = () => {};
      if (failure !== undefined) {
        const where = progress ? `${progress.receivedBytes} of ${progress.totalBytes} bytes (message ${progress.sequenceNumber})` : 'no fragment';
        failures.push(`${inbox.identity}: ${failure}; last progress: ${where}`);
      }
      resolve(result);
    };
    const onClose = (): void => done(null, 'the session closed before the 16 MiB message arrived');
    const timer = setTimeout(() => done(null, `no 16 MiB message after ${timeoutMs / 1000} s`), timeoutMs);
    inbox.receiver?.on('close', onClose);
    inbox.onMessage = ({ data }) => done({ data, at: performance.now() });
  });
}

async function bigRun(sender: DataChannelSender, inboxes: Inbox[], label: string): Promise<BigRun> {
  const data = randomBytes(BIG_BYTES);
  const expected = sha256(data);
  const arrivals = inboxes.map((b) => nextMessage(b, BIG_TIMEOUT_MS));
  const t0 = performance.now();
  let resolvedAt = NaN;
  const sending = sender.sendMessage(data).then(
    () => void (resolvedAt = performance.now()),
    (error: unknown) => void failures.push(`${label}: sendMessage() rejected: ${String(error)}`),
  );
  const received = await Promise.all(arrivals);
  await sending;
  const hashOk = received.every((r) => r !== null && r.data.byteLength === BIG_BYTES && sha256(r.data) === expected);
  if (!hashOk) failures.push(`${label}: received data differs from what was sent (sha256 or length)`);
  const lastAt = Math.max(...received.map((r) => r?.at ?? NaN));
  return { receivedSeconds: (lastAt - t0) / 1000, resolvedSeconds: (resolvedAt - t0) / 1000, hashOk };
}

async function bigTransfers(url: string, receivers: number): Promise<BigRun[]> {
  const group = await openRoom(url, `dc-big-${receivers}`, receivers);
  const sender = await newSession(group);
  const runs: BigRun[] = [];
  for (let i = 0; i < BIG_RUNS; i++) runs.push(await bigRun(sender, group.inboxes, `16 MiB to ${receivers}, run ${i + 1}`));
  leave(group);
  return runs;
}

// ---------------------------------------------------------------------------------------------
// 3. Resume after a signaling cut

interface ResumeResult {
  sent: number;
  received: number;
  inOrderOnce: boolean;
  toReconnecting: number;
  toReconnected: number;
  receiverToReconnected: number;
  gapAroundCut: number;
  gapElsewhere: number;
  /** When the longest pause elsewhere ended, seconds from the cut (negative: before it). */
  gapElsewhereAt: number;
  messagesPerSecond: number;
  senderClosed: boolean;
  /** The server ended the receiver's subscription: the gaps then say nothing about the cut. */
  sessionLost: boolean;
}

interface Gap {
  ms: number;
  /** When the pause ended (the arrival after it), performance.now(). */
  endedAt: number;
}

/** The longest pause between consecutive arrivals overlapping [from, to], and the longest elsewhere. */
function longestGaps(arrivals: number[], from: number, to: number): { inside: Gap; outside: Gap } {
  const inside: Gap = { ms: 0, endedAt: NaN };
  const outside: Gap = { ms: 0, endedAt: NaN };
  for (let i = 1; i < arrivals.length; i++) {
    const gap = arrivals[i]! - arrivals[i - 1]!;
    const longest = arrivals[i]! >= from && arrivals[i - 1]! <= to ? inside : outside;
    if (gap > longest.ms) Object.assign(longest, { ms: gap, endedAt: arrivals[i]! });
  }
  return { inside, outside };
}

/** When `room` emits `event` (NaN, and a failed check, if it does not within the deadline). */
function eventTime(room: Room, event: 'reconnecting' | 'reconnected', what: string): Promise<number> {
  return waitForEvent(room, event, DRAIN_TIMEOUT_MS).then(
    () => performance.now(),
    () => {
      failures.push(`resume: ${what} did not emit "${event}" within ${DRAIN_TIMEOUT_MS / 1000} s`);
      return NaN;
    },
  );
}

/** What went wrong with a run of sequence numbers that should be 0, 1, ..., sent - 1. */
function describeSequences(sequences: number[], sent: number): string {
  const firstBad = sequences.findIndex((s, i) => s !== i);
  if (firstBad >= 0) return `${sequences.length} of ${sent} messages arrived; the one at index ${firstBad} has sequence ${sequences[firstBad]}`;
  return `${sequences.length} of ${sent} messages arrived, in order: the last ${sent - sequences.length} are missing`;
}

type Cut = 'signaling' | 'transport';

/** Cuts every signaling WebSocket, or both participants' peer connections (the server's side). */
function cutNow(plaza: PlazaServer, cut: Cut, roomName: string): void {
  if (cut === 'signaling') return plaza.signaling.dropConnections();
  for (const participant of plaza.rooms.get(roomName)?.participants.values() ?? []) participant.endpoint?.close();
}

async function resumeAfterCut(server: BenchServer, cut: Cut): Promise<ResumeResult> {
  const plaza = server.plaza as PlazaServer;
  const roomName = `dc-resume-${cut}`;
  const group = await openRoom(server.url, roomName, 1);
  const { senderRoom } = group;
  const inbox = group.inboxes[0]!;
  const sender = await newSession(group, STREAM_KBPS);
  const sequences: number[] = [];
  const arrivals: number[] = [];
  inbox.onMessage = ({ sequenceNumber }) => {
    sequences.push(sequenceNumber);
    arrivals.push(performance.now());
  };
  const reconnecting = eventTime(senderRoom, 'reconnecting', 'the sender room');
  const reconnected = eventTime(senderRoom, 'reconnected', 'the sender room');
  const receiverReconnected = eventTime(inbox.room, 'reconnected', 'the receiver room');
  let reconnectedYet = false;
  void reconnected.then(() => (reconnectedYet = true));

  // The cut comes a third of the way in; the stream goes on for SECONDS, and past the reconnection.
  const t0 = performance.now();
  const cutAfter = t0 + (SECONDS * 1000) / 3;
  const end = t0 + SECONDS * 1000;
  const giveUp = t0 + SECONDS * 1000 + DRAIN_TIMEOUT_MS;
  let cutAt = NaN;
  const { sent } = await stream(sender, 'resume', () => {
    const now = performance.now();
    if (Number.isNaN(cutAt) && now >= cutAfter) {
      cutAt = now;
      cutNow(plaza, cut, roomName); // the sender's and the receiver's
    }
    return (now < end || !reconnectedYet) && now < giveUp;
  });
  const [reconnectingAt, reconnectedAt, receiverReconnectedAt] = await Promise.all([reconnecting, reconnected, receiverReconnected]);
  await waitUntil(() => sequences.length >= sent, 'resume: every message at the receiver', () => lostSessions([inbox]));
  const duration = (performance.now() - t0) / 1000;

  const inOrderOnce = sequences.length === sent && sequences.every((s, i) => s === i);
  if (!inOrderOnce) failures.push(`resume: ${describeSequences(sequences, sent)}`);
  // Read before leaving, which closes both.
  const senderClosed = sender.closed;
  const sessionLost = inbox.receiver?.closed ?? true;
  if (sessionLost && inbox.closedAt !== null) failures.push(`resume: the receiver's session closed ${((inbox.closedAt - cutAt) / 1000).toFixed(2)} s after the cut`);
  if (senderClosed) failures.push(`resume: the sender closed (its session did not survive the ${cut} cut)`);
  const gaps = longestGaps(arrivals, cutAt - 500, reconnectedAt + 500);
  leave(group);
  return {
    sent,
    received: sequences.length,
    inOrderOnce,
    toReconnecting: reconnectingAt - cutAt,
    toReconnected: reconnectedAt - cutAt,
    receiverToReconnected: receiverReconnectedAt - cutAt,
    gapAroundCut: gaps.inside.ms,
    gapElsewhere: gaps.outside.ms,
    gapElsewhereAt: (gaps.outside.endedAt - cutAt) / 1000,
    messagesPerSecond: sent / duration,
    senderClosed,
    sessionLost,
  };
}

// ---------------------------------------------------------------------------------------------
// Output

/** The median of the finite values (runs that did not complete are left out). */
const median = (xs: number[]): number => {
  const done = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return done[Math.floor(done.length / 2)] ?? NaN;
};
const int = (n: number): string => Math.round(n).toLocaleString('en');
const mbps = (seconds: number): string => (Number.isFinite(seconds) ? (BIG_BYTES / seconds / 1e6).toFixed(1) : '-');
/** Seconds, or "never" for a transfer that did not complete. */
const secs = (seconds: number): string => (Number.isFinite(seconds) ? `${seconds.toFixed(3)} s` : 'never');

const pacing = (): string =>
  `paced under ${PACE_HIGH / 1024} KiB sender.bufferedAmount${STREAM_KBPS === null ? '' : `, bitrateInKbps ${STREAM_KBPS}`}`;

function printFanout(rows: FanoutRow[], where: string): void {
  console.log(`\n1. targeted vs broadcast: 1 sender + ${FANOUT_RECEIVERS} receivers, durable ${MESSAGE_BYTES} B messages, ${SECONDS} s each, ${pacing()}; CPU = ${where}\n`);
  console.log('| session | sent msg/s | delivered msg/s (sum) | delivered per receiver | non-recipients | server CPU | CPU per delivered msg |\n|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.label} | ${int(r.sentPerSecond)} | ${int(r.deliveredPerSecond)} | ${r.perReceiver} | ${r.nonRecipients} | ${r.cpuPercent.toFixed(1)} % | ${r.cpuMicrosPerMessage.toFixed(2)} µs |`);
  }
}

function printBig(results: { receivers: number; runs: BigRun[] }[]): void {
  console.log(`\n2. one durable sendMessage() of 16 MiB (${BIG_BYTES} random bytes, 64 KiB fragments), MB = 10^6 bytes\n`);
  console.log('| transfer | run | sendMessage() to message at (last) receiver | MB/s | sendMessage() promise resolved | sha256 |\n|---|---|---|---|---|---|');
  for (const { receivers, runs } of results) {
    const label = receivers === 1 ? '16 MiB, 1 -> 1' : `16 MiB, 1 -> ${receivers} (broadcast)`;
    runs.forEach((r, i) => {
      console.log(`| ${label} | ${i + 1} | ${secs(r.receivedSeconds)} | ${mbps(r.receivedSeconds)} | ${secs(r.resolvedSeconds)} | ${r.hashOk ? 'ok' : 'FAIL'} |`);
    });
    const m = median(runs.map((r) => r.receivedSeconds));
    const ok = runs.every((r) => r.hashOk);
    const completed = runs.filter((r) => Number.isFinite(r.receivedSeconds)).length;
    const of = completed === runs.length ? '' : ` (of ${completed} completed)`;
    console.log(`| ${label} | **median**${of} | **${secs(m)}** | **${mbps(m)}** | ${secs(median(runs.map((r) => r.resolvedSeconds)))} | ${ok ? 'ok' : 'FAIL'} |`);
  }
}

function printResume(r: ResumeResult, cut: Cut, note: string): void {
  const how =
    cut === 'signaling'
      ? 'every signaling WebSocket cut (server.signaling.dropConnections())'
      : "both participants' peer connections closed by the server (each client replaces its own)";
  console.log(`\n${cut === 'signaling' ? 3 : 4}. resume after a ${cut} cut (${note}): durable ${MESSAGE_BYTES} B stream 1 -> 1 for ${SECONDS} s, ${pacing()}, ${how} at ${(SECONDS / 3).toFixed(1)} s\n`);
  const ms = (x: number): string => `${x.toFixed(1)} ms`;
  const gap = (x: number): string => (r.sessionLost ? `${ms(x)} (not meaningful: the receiver's session was closed by the server)` : ms(x));
  const rows: [string, string][] = [
    ['cut -> sender room "reconnecting"', ms(r.toReconnecting)],
    ['cut -> sender room "reconnected"', ms(r.toReconnected)],
    ['cut -> receiver room "reconnected"', ms(r.receiverToReconnected)],
    ['longest gap between arrivals, cut - 0.5 s .. reconnected + 0.5 s', gap(r.gapAroundCut)],
    [`longest gap between arrivals elsewhere in the run (it ended ${r.gapElsewhereAt.toFixed(2)} s after the cut; negative: before)`, gap(r.gapElsewhere)],
    ['messages sent / received', `${int(r.sent)} / ${int(r.received)} (${int(r.messagesPerSecond)} msg/s)`],
    ['every sequence number once, in order', r.inOrderOnce ? 'ok' : 'FAIL'],
    ['sender still open after the cut', r.senderClosed ? 'FAIL (closed)' : 'ok'],
  ];
  console.log('| measure | result |\n|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
}

// ---------------------------------------------------------------------------------------------
// Main

const servers: BenchServer[] = [];
let exitCode = 1;
try {
  const main = inProcess ? await startInProcess() : await startChild();
  servers.push(main);
  const where = inProcess ? 'one core\'s % of this whole process (server + 17 clients)' : 'one core\'s % of the `plaza serve` process';
  const fanout = await targetedVsBroadcast(main);
  const big = [
    { receivers: 1, runs: await bigTransfers(main.url, 1) },
    { receivers: 4, runs: await bigTransfers(main.url, 4) },
  ];
  // dropConnections() needs the server object: a child process is stopped and replaced (one at a time, one data dir).
  let resumeServer = main;
  if (!main.plaza) {
    await main.stop();
    servers.pop();
    resumeServer = await startInProcess();
    servers.push(resumeServer);
  }
  const resume = await resumeAfterCut(resumeServer, 'signaling');
  const transportResume = await resumeAfterCut(resumeServer, 'transport');

  console.log(`\ncommand: node --conditions=development --import tsx bench/data-channels.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  console.log(`node ${process.version}, ${availableParallelism()} CPUs, server ${inProcess ? 'in this process (--in-process)' : 'a `plaza serve` child process'}`);
  printFanout(fanout, where);
  printBig(big);
  const note = inProcess ? 'in-process server' : "always an in-process server: a child's connections cannot be cut from here";
  printResume(resume, 'signaling', note);
  printResume(transportResume, 'transport', note);
  if (failures.length > 0) console.log(`\nFAILED checks:\n${failures.map((f) => `- ${f}`).join('\n')}`);
  exitCode = failures.length > 0 ? 1 : 0;
} catch (error) {
  console.error(error);
  if (failures.length > 0) console.error(`failed checks so far:\n${failures.map((f) => `- ${f}`).join('\n')}`);
} finally {
  for (const server of servers) await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(exitCode);
}
