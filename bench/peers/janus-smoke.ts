/**
 * Smoke test of the Janus peer (not a benchmark: one short run, no repetitions).
 *   node --conditions=development --import tsx bench/peers/janus-smoke.ts
 * Starts Janus, then for each data path:
 * 5 joins (p50), a room of 1 publisher + 4 subscribers, 200 messages of 100 B at ~200 msg/s with
 * the send time (performance.now(), Float64) in the first 8 bytes, one-way latency p50/p99 and the
 * delivered count. Exit code 1 if anything fails or a message is missing.
 */
import { performance } from 'node:perf_hooks';
import { startJanus, textRoomDriver, videoRoomDriver, type PeerDriver } from './janus.js';

const JOINS = 5;
const SUBSCRIBERS = 4;
const MESSAGES = 200;
const MESSAGE_BYTES = 100;
const RATE = 200;
/** After the last send, how long missing messages may still arrive. */
const DRAIN_TIMEOUT_MS = 2_000;

const janus = await startJanus();
let ok = true;
try {
  for (const driver of [videoRoomDriver(janus.wsUrl), textRoomDriver(janus.wsUrl)]) {
    ok = (await smoke(driver)) && ok;
  }
} catch (error) {
  console.error(error);
  ok = false;
} finally {
  await janus.stop();
}
process.exitCode = ok ? 0 : 1;

async function smoke(driver: PeerDriver): Promise<boolean> {
  const joins: number[] = [];
  for (let i = 0; i < JOINS; i++) joins.push(await driver.joinOnce());

  const room = await driver.fanout(SUBSCRIBERS);
  const latencies: number[] = [];
  const expected = MESSAGES * SUBSCRIBERS;
  let allDelivered = () => {};
  const delivered = new Promise<void>((resolve) => (allDelivered = resolve));
  room.onMessage((_subscriber, data) => {
    const sentAt = new DataView(data.buffer, data.byteOffset, data.byteLength).getFloat64(0);
    latencies.push(performance.now() - sentAt);
    if (latencies.length === expected) allDelivered();
  });

  // Paced against the clock (each send at start + i / RATE), so timer lateness doesn't add up.
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const message = new Uint8Array(MESSAGE_BYTES);
    new DataView(message.buffer).setFloat64(0, performance.now());
    room.send(message);
  }
  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([delivered, new Promise((resolve) => (drainTimer = setTimeout(resolve, DRAIN_TIMEOUT_MS)))]);
  clearTimeout(drainTimer);
  await room.close();

  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `${driver.name}: join p50 ${percentile(joins, 50).toFixed(1)} ms (${joins.map((j) => j.toFixed(0)).join(', ')}); ` +
      `N=${SUBSCRIBERS}, ${MESSAGES} x ${MESSAGE_BYTES} B at ${RATE} msg/s: latency p50 ${percentile(sorted, 50).toFixed(2)} ms, ` +
      `p99 ${percentile(sorted, 99).toFixed(2)} ms, delivered ${latencies.length}/${expected}`,
  );
  return latencies.length === expected;
}

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
