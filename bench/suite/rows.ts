/**
 * The measures, each written once against PeerDriver so every server gets the same client code
 * (BENCHMARKS.md "Method"). The sender's performance.now() travels in the first 8 bytes of each
 * message; every client lives in this process, so receive time - send time is the one-way latency.
 */
import type { FanoutRoom, PeerDriver } from './driver.js';
import { quantile, withMachineLoad, type MachineLoad } from './stats.js';

const stamp = (buffer: Uint8Array): void => new DataView(buffer.buffer, buffer.byteOffset, 8).setFloat64(0, performance.now());
const sentAt = (data: Uint8Array): number => new DataView(data.buffer, data.byteOffset, 8).getFloat64(0);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface LatencyResult {
  p50: number;
  p99: number;
  delivered: number;
  expected: number;
}

/** One-way latency of `rate` msg/s of `size` bytes for `seconds`, 1 -> every subscriber of `room`. */
export async function measureLatency(room: FanoutRoom, subscribers: number, rate: number, size: number, seconds: number): Promise<LatencyResult> {
  const samples: number[] = [];
  room.onMessage((_, data) => samples.push(performance.now() - sentAt(data)));
  const total = Math.round(rate * seconds);
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const payload = new Uint8Array(size);
    stamp(payload);
    room.send(payload);
  }
  const expected = total * subscribers;
  await until(() => samples.length >= expected, 2000);
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), delivered: samples.length, expected };
}

export interface RateStep {
  rate: number;
  passed: boolean;
  /** What the sender managed to offer, msg/s. */
  achieved: number;
  p99: number;
  delivered: number;
  expected: number;
}

/**
 * Offers `rate` msg/s of 1 KiB for `seconds`. Passes (BENCHMARKS.md) when every message reached every
 * subscriber within 1 s of the last send, p99 <= 100 ms, and the sender achieved >= 97 % of the rate.
 */
export async function offerRate(room: FanoutRoom, subscribers: number, rate: number, seconds: number): Promise<RateStep> {
  const samples: number[] = [];
  let counting = true;
  room.onMessage((_, data) => {
    if (counting) samples.push(performance.now() - sentAt(data));
  });
  const total = Math.round(rate * seconds);
  const started = performance.now();
  let sent = 0;
  let failed = false;
  while (sent < total && !failed) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    try {
      for (; sent < due; sent++) {
        const payload = new Uint8Array(1024);
        stamp(payload);
        room.send(payload);
      }
    } catch {
      failed = true; // the client's send queue is full: this rate is not sustained
    }
    await nextTurn();
  }
  const sendSeconds = (performance.now() - started) / 1000;
  const expected = total * subscribers;
  await until(() => samples.length >= expected, 1000);
  counting = false;
  samples.sort((a, b) => a - b);
  const achieved = sent / sendSeconds;
  const p99 = quantile(samples, 0.99);
  const passed = !failed && samples.length >= expected && p99 <= 100 && achieved >= 0.97 * rate;
  return { rate, passed, achieved, p99, delivered: samples.length, expected };
}

/** The highest rate that passed, and how loaded the machine was at the lowest rate that failed. */
export interface MaxRate {
  rate: number;
  /** The lowest failing step (what stopped the search): null if none failed. */
  failed: { rate: number; load: MachineLoad } | null;
}

/**
 * The highest rate that passes: doubling from 500 msg/s, then bisecting between the last pass and
 * the first failure. Each step gets a fresh room so an overloaded step cannot slow the next one.
 * The machine's load is kept for the lowest failing step: whether the two cores were saturated there.
 */
export async function maxSustainedRate(driver: PeerDriver, subscribers: number, seconds: number, bisections: number): Promise<MaxRate> {
  const loads = new Map<number, MachineLoad>();
  const step = async (rate: number): Promise<boolean> => {
    const room = await driver.fanout(subscribers);
    try {
      const { result, load } = await withMachineLoad(() => offerRate(room, subscribers, rate, seconds));
      loads.set(rate, load);
      return result.passed;
    } finally {
      await room.close();
    }
  };
  let good = 0;
  let bad = 500;
  while (await step(bad)) {
    good = bad;
    bad *= 2;
    if (bad > 256_000) return { rate: good, failed: null }; // the harness, not the server, is the limit by then
  }
  for (let i = 0; i < bisections && bad - good > good * 0.05; i++) {
    const mid = Math.round((good + bad) / 2);
    if (await step(mid)) good = mid;
    else bad = mid;
  }
  return { rate: good, failed: { rate: bad, load: loads.get(bad)! } };
}

/** p50/p95 of `count` joins. */
export async function measureJoins(driver: PeerDriver, count: number): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await driver.joinOnce());
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

/** Polls `done` (a count reaching its target) for at most `ms`. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!done() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}
