/**
 * Scale (Plaza only): how many data-only participants one Plaza process holds in one room, each
 * publishing a DataTrack and sending 1 message a second to the room (so N × (N - 1) deliveries a
 * second), before the one-way latency's p99 passes 100 ms or a message goes missing.
 *
 * The room grows step by step (participants join the same room; nobody leaves between steps). At
 * each size every participant first has to be subscribed to every other one; then all send for
 * `seconds`, spread evenly over each second. Every client lives in this process: on two cores the
 * harness may be what gives out first, which is why its CPU is reported beside the server's.
 */
import { connect, LocalDataTrack, type Room } from '@plaza/client';
import type { PlazaProcess } from './plaza.js';
import { cpuSeconds, quantile } from './stats.js';

export interface ScaleStep {
  participants: number;
  passed: boolean;
  p50: number;
  p99: number;
  delivered: number;
  expected: number;
  serverCpuPercent: number;
  clientCpuPercent: number;
  /** Why it failed, if it did. */
  failure?: string;
}

const MESSAGE_BYTES = 100;
const P99_LIMIT_MS = 100;
/** Time for a step's joins and subscriptions (N - 1 each) to complete. */
const SETTLE_TIMEOUT_MS = 90_000;

interface Member {
  room: Room;
  track: LocalDataTrack;
}

export async function plazaScale(plaza: PlazaProcess, sizes: readonly number[], seconds: number, log: (line: string) => void): Promise<ScaleStep[]> {
  const roomName = `scale-${Date.now()}`;
  const members: Member[] = [];
  const steps: ScaleStep[] = [];
  let samples: number[] = [];
  let counting = false;
  try {
    for (const size of sizes) {
      while (members.length < size) {
        const track = new LocalDataTrack();
        const room = await connect(await plaza.token(`p${members.length}`, roomName), { name: roomName, wsServer: plaza.signalingUrl, tracks: [track] });
        room.on('trackMessage', (data) => {
          if (counting) samples.push(performance.now() - new DataView(data as ArrayBuffer).getFloat64(0));
        });
        members.push({ room, track });
      }
      const settled = await settle(members);
      if (!settled) {
        steps.push({ participants: size, passed: false, p50: NaN, p99: NaN, delivered: 0, expected: 0, serverCpuPercent: NaN, clientCpuPercent: NaN, failure: 'subscriptions did not complete' });
        break;
      }
      samples = [];
      counting = true;
      const cpu0 = cpuSeconds(plaza.pid);
      const client0 = process.cpuUsage();
      const t0 = performance.now();
      await sendForAWhile(members, seconds);
      const sendSeconds = (performance.now() - t0) / 1000;
      const serverCpuPercent = ((cpuSeconds(plaza.pid) - cpu0) / sendSeconds) * 100;
      const client = process.cpuUsage(client0);
      const clientCpuPercent = ((client.user + client.system) / 1e6 / sendSeconds) * 100;
      const expected = size * (size - 1) * seconds;
      const deadline = performance.now() + 1000;
      while (samples.length < expected && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      counting = false;
      const sorted = [...samples].sort((a, b) => a - b);
      const p99 = quantile(sorted, 0.99);
      const step: ScaleStep = { participants: size, passed: samples.length >= expected && p99 <= P99_LIMIT_MS, p50: quantile(sorted, 0.5), p99, delivered: samples.length, expected, serverCpuPercent, clientCpuPercent };
      if (!step.passed) step.failure = samples.length < expected ? `${expected - samples.length} of ${expected} messages missing` : `p99 ${p99.toFixed(1)} ms`;
      steps.push(step);
      log(`scale | ${size} participants: p50 ${step.p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ${samples.length}/${expected}, server CPU ${serverCpuPercent.toFixed(0)} %, clients ${clientCpuPercent.toFixed(0)} %${step.failure ? ` — ${step.failure}` : ''}`);
      if (!step.passed) break;
    }
  } finally {
    for (const { room } of members) room.disconnect();
  }
  return steps;
}

/** Every member subscribed to every other member's track (false if not within the timeout). */
async function settle(members: Member[]): Promise<boolean> {
  const others = members.length - 1;
  const deadline = performance.now() + SETTLE_TIMEOUT_MS;
  const subscribedCount = (room: Room): number => [...room.participants.values()].filter((p) => [...p.dataTracks.values()].some((t) => t.isSubscribed)).length;
  while (performance.now() < deadline) {
    if (members.every(({ room }) => subscribedCount(room) >= others)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** Each member sends one stamped message a second, members spread evenly over the second. */
async function sendForAWhile(members: Member[], seconds: number): Promise<void> {
  const started = performance.now();
  const total = members.length * seconds;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / members.length;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const payload = new Uint8Array(MESSAGE_BYTES);
    new DataView(payload.buffer).setFloat64(0, performance.now());
    members[i % members.length]!.track.send(payload);
  }
}
