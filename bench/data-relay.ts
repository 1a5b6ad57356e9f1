/**
 * DataTrack numbers for the spine (issue 2). Not a test: it prints a table.
 *   npm run bench            (or: node --conditions=development --import tsx bench/data-relay.ts)
 * The server runs as a child process (`plaza serve`) so its event loop does not share a core's
 * time slices with the 17 clients driven from this process.
 *
 * - join: connect() -> resolved, and -> subscribed to a publisher's DataTrack, p50/p95 over 20
 *   sequential Node joins
 * - latency: one-way, 100 B at 200 msg/s for 5 s, 1 publisher -> 1 and -> 16 subscribers
 *   (publisher and subscribers share this process's clock, so one-way is exact)
 * - throughput: highest rate of 1 KiB messages relayed 1 -> 1 with nothing lost (rate steps)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, LocalDataTrack, type Room } from '@plaza/client';
import { createAccessToken, loadOrCreateCredentials } from '@plaza/server';
import { startPlazaChild } from './plaza-child.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'plaza-bench-'));
const credentials = loadOrCreateCredentials(dataDir, {});
const quick = process.argv.includes('--quick');

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

function startServer(): Promise<{ url: string; stop(): Promise<void> }> {
  return startPlazaChild(dataDir);
}

const token = (identity: string, room: string) => createAccessToken(credentials, { identity, room });

async function join(url: string, room: string, identity: string, tracks: LocalDataTrack[] = []): Promise<Room> {
  return connect(await token(identity, room), { name: room, wsServer: url, tracks });
}

async function subscribedAll(subs: Room[], publisherIdentity: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!subs.every((r) => [...r.participants.values()].some((p) => p.identity === publisherIdentity && p.dataTracks.size > 0))) {
    if (Date.now() > deadline) throw new Error('subscriptions did not complete');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** connect() -> resolved, and connect() -> subscribed to the publisher already in the room. */
async function joinTimes(url: string, n: number): Promise<{ connected: number[]; subscribed: number[] }> {
  const host = await join(url, 'joins', 'host', [new LocalDataTrack()]);
  const connected: number[] = [];
  const subscribed: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const room = await join(url, 'joins', `j${i}`);
    connected.push(performance.now() - t0);
    await subscribedAll([room], 'host');
    subscribed.push(performance.now() - t0);
    await room.disconnect();
  }
  await host.disconnect();
  return { connected: connected.sort((a, b) => a - b), subscribed: subscribed.sort((a, b) => a - b) };
}

async function latency(url: string, fanout: number, seconds: number): Promise<{ p50: number; p99: number; lost: number }> {
  const roomName = `lat-${fanout}`;
  const track = new LocalDataTrack();
  const pub = await join(url, roomName, 'pub', [track]);
  const subs: Room[] = [];
  for (let i = 0; i < fanout; i++) subs.push(await join(url, roomName, `sub${i}`));
  await subscribedAll(subs, 'pub');
  const samples: number[] = [];
  for (const s of subs) {
    s.on('trackMessage', (data: ArrayBuffer) => samples.push(performance.now() - new DataView(data).getFloat64(0)));
  }
  const total = 200 * seconds;
  const payload = new Uint8Array(100);
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * 5;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    new DataView(payload.buffer).setFloat64(0, performance.now());
    track.send(payload);
  }
  const expected = total * fanout;
  const deadline = performance.now() + 5000;
  while (samples.length < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const r of [pub, ...subs]) await r.disconnect();
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), lost: expected - samples.length };
}

/** Sends `rate` msg/s of 1 KiB for `seconds`; true if every message arrived within 1 s after. */
async function sustained(track: LocalDataTrack, received: { n: number }, rate: number, seconds: number): Promise<boolean> {
  received.n = 0;
  const total = rate * seconds;
  const payload = new Uint8Array(1024);
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    for (; sent < due; sent++) track.send(payload);
    await new Promise((r) => setImmediate(r));
  }
  const deadline = performance.now() + 1000;
  while (received.n < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return received.n === total;
}

async function throughput(url: string): Promise<number> {
  const track = new LocalDataTrack();
  const pub = await join(url, 'tput', 'pub', [track]);
  const sub = await join(url, 'tput', 'sub');
  await subscribedAll([sub], 'pub');
  const received = { n: 0 };
  sub.on('trackMessage', () => received.n++);
  let best = 0;
  for (const rate of [2_000, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000, 50_000]) {
    const ok = await sustained(track, received, rate, quick ? 1 : 2);
    if (!ok) break;
    best = rate;
    await new Promise((r) => setTimeout(r, 300));
  }
  await pub.disconnect();
  await sub.disconnect();
  return best;
}

const server = await startServer();
try {
  const joins = await joinTimes(server.url, 20);
  const l1 = await latency(server.url, 1, quick ? 2 : 5);
  const l16 = await latency(server.url, 16, quick ? 2 : 5);
  const best = await throughput(server.url);
  const rows = [
    ['join: connect() to connected, 20 Node joins', `p50 ${fmt(quantile(joins.connected, 0.5))} ms, p95 ${fmt(quantile(joins.connected, 0.95))} ms`],
    ['join: connect() to subscribed to a DataTrack in the room', `p50 ${fmt(quantile(joins.subscribed, 0.5))} ms, p95 ${fmt(quantile(joins.subscribed, 0.95))} ms`],
    ['one-way latency 100 B @ 200 msg/s, 1 -> 1', `p50 ${fmt(l1.p50)} ms, p99 ${fmt(l1.p99)} ms, lost ${l1.lost}`],
    ['one-way latency 100 B @ 200 msg/s, 1 -> 16', `p50 ${fmt(l16.p50)} ms, p99 ${fmt(l16.p99)} ms, lost ${l16.lost}`],
    ['highest 1 KiB rate relayed 1 -> 1, nothing lost', `${best.toLocaleString('en')} msg/s (${((best * 1024) / 1e6).toFixed(1)} MB/s)`],
  ];
  console.log('\n| measure | result |\n|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
