/**
 * The benchmark suite (issue 6): Plaza side by side with the Janus WebRTC Server, same clients,
 * same run, interleaved, repeated; medians and ranges into bench/results/latest.{md,json,svg}.
 *   npm run bench [-- --quick] [-- --no-janus]
 * Method and peer setup: ../shared/design/BENCHMARKS.md, except where Janus runs: on this host's own
 * IPv4 address rather than in a network namespace (bench/suite/address.ts).
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startJanus, textRoomDriver, videoRoomDriver, videoRoomMediaDriver } from './peers/janus.js';
import type { PeerDriver, ServerProcess } from './suite/driver.js';
import { measureMedia, type MediaDriver } from './suite/media.js';
import { plazaMediaDriver, startPlaza } from './suite/plaza.js';
import { CLIENTS_ONLY, clientsOnlyDriver } from './suite/direct.js';
import { plazaRawDriver } from './suite/plaza-raw.js';
import { plazaScale } from './suite/scale.js';
import { writeReport, type Report, type Row } from './suite/report.js';
import { maxSustainedRate, measureJoins, measureLatency, type MaxRate } from './suite/rows.js';
import { fmt, summarize, withCpu } from './suite/stats.js';

const quick = process.argv.includes('--quick');
const withJanus = !process.argv.includes('--no-janus');
const REPETITIONS = quick ? 1 : 3;
const LATENCY_SECONDS = quick ? 2 : 5;
const LATENCY_FANOUTS = quick ? [1, 16, 64] : [1, 4, 16, 64];
const RATE_FANOUTS = quick ? [1, 16] : [1, 4, 16];
const RATE_STEP_SECONDS = quick ? 1 : 2;
const BISECTIONS = quick ? 1 : 3;
const JOINS = quick ? 10 : 20;
const MEDIA_FANOUTS = quick ? [1, 10] : [1, 10, 50];
const MEDIA_SECONDS = quick ? 2 : 5;
const SCALE_SIZES = quick ? [25, 50, 100] : [25, 50, 75, 100, 125, 150, 175, 200, 250, 300];
const SCALE_SECONDS = quick ? 2 : 5;

/** The bench clients connected directly (direct.ts): 1 -> 1 only, no server, no ratio. */
const clientsOnly = clientsOnlyDriver();

interface Contender {
  driver: PeerDriver;
  server: ServerProcess;
}

const plaza = await startPlaza();
// Data rows: the same raw node-datachannel client for every server (plaza-raw.ts).
const contenders: Contender[] = [{ driver: plazaRawDriver(plaza), server: plaza }];
const media: Array<{ driver: MediaDriver; server: ServerProcess }> = [{ driver: plazaMediaDriver(plaza), server: plaza }];
const janus = withJanus ? await startJanus() : null;
if (janus) {
  const server: ServerProcess = { name: 'Janus', pid: janus.pid, stop: janus.stop };
  contenders.push({ driver: videoRoomDriver(janus.wsUrl), server }, { driver: textRoomDriver(janus.wsUrl), server });
  media.push({ driver: videoRoomMediaDriver(janus.wsUrl), server });
}

/** measure -> server -> one value per repetition */
const runs = new Map<string, { row: Omit<Row, 'results'>; values: Map<string, number[]> }>();
function record(row: Omit<Row, 'results'>, server: string, value: number): void {
  const entry = runs.get(row.measure) ?? { row, values: new Map<string, number[]>() };
  runs.set(row.measure, entry);
  entry.values.set(server, [...(entry.values.get(server) ?? []), value]);
  console.log(`${row.measure} | ${server}: ${fmt(value)} ${row.unit}`);
}

try {
  for (let rep = 1; rep <= REPETITIONS; rep++) {
    console.log(`\n# repetition ${rep} of ${REPETITIONS}`);
    // Interleaved: every server runs each measure before the next measure starts.
    for (const { driver } of contenders) {
      const joins = await measureJoins(driver, JOINS);
      record({ measure: `join p50 (${JOINS} joins)`, unit: 'ms', better: 'lower' }, driver.name, joins.p50);
      record({ measure: `join p95 (${JOINS} joins)`, unit: 'ms', better: 'lower' }, driver.name, joins.p95);
    }
    const directJoins = await measureJoins(clientsOnly, JOINS);
    record({ measure: `join p50 (${JOINS} joins)`, unit: 'ms', better: 'lower' }, CLIENTS_ONLY, directJoins.p50);
    record({ measure: `join p95 (${JOINS} joins)`, unit: 'ms', better: 'lower' }, CLIENTS_ONLY, directJoins.p95);
    for (const n of LATENCY_FANOUTS) {
      for (const { driver, server } of contenders) {
        const room = await driver.fanout(n);
        const { result, cpuPercent } = await withCpu(server.pid, () => measureLatency(room, n, 200, 100, LATENCY_SECONDS));
        await room.close();
        const name = `1 -> ${n}`;
        record({ measure: `latency p50, 200 msg/s × 100 B, ${name}`, unit: 'ms', better: 'lower', fanout: n, series: 'latency-p50' }, driver.name, result.p50);
        record({ measure: `latency p99, 200 msg/s × 100 B, ${name}`, unit: 'ms', better: 'lower', fanout: n, series: 'latency-p99' }, driver.name, result.p99);
        record({ measure: `server CPU at 200 msg/s, ${name}`, unit: '%', better: 'lower' }, driver.name, cpuPercent);
        if (result.delivered < result.expected) console.log(`  ${driver.name} lost ${result.expected - result.delivered} of ${result.expected}`);
      }
      if (n === 1) {
        const room = await clientsOnly.fanout(1);
        const result = await measureLatency(room, 1, 200, 100, LATENCY_SECONDS);
        await room.close();
        record({ measure: 'latency p50, 200 msg/s × 100 B, 1 -> 1', unit: 'ms', better: 'lower', fanout: 1, series: 'latency-p50' }, CLIENTS_ONLY, result.p50);
        record({ measure: 'latency p99, 200 msg/s × 100 B, 1 -> 1', unit: 'ms', better: 'lower', fanout: 1, series: 'latency-p99' }, CLIENTS_ONLY, result.p99);
      }
    }
    for (const n of RATE_FANOUTS) {
      const rateRows = (name: string, max: MaxRate): void => {
        record({ measure: `max sustained 1 KiB rate, 1 -> ${n}`, unit: 'msg/s', better: 'higher', fanout: n, series: 'max-rate' }, name, max.rate);
        if (!max.failed) return;
        // Whether the two cores were saturated where the search stopped (the server, or the machine?).
        record({ measure: `whole machine's CPU busy at the lowest failing rate, 1 -> ${n}`, unit: '% of all cores', better: 'lower' }, name, max.failed.load.busyPercent);
        record({ measure: `CPU pressure at the lowest failing rate (time some thread waited for a core), 1 -> ${n}`, unit: '%', better: 'lower' }, name, max.failed.load.pressurePercent);
      };
      for (const { driver, server } of contenders) {
        const { result, cpuPercent, clientCpuPercent } = await withCpu(server.pid, () => maxSustainedRate(driver, n, RATE_STEP_SECONDS, BISECTIONS));
        rateRows(driver.name, result);
        record({ measure: `server CPU while stepping rates, 1 -> ${n}`, unit: '%', better: 'lower' }, driver.name, cpuPercent);
        record({ measure: `bench clients' CPU while stepping rates, 1 -> ${n}`, unit: '%', better: 'lower' }, driver.name, clientCpuPercent);
      }
      if (n === 1) {
        const { result, clientCpuPercent } = await withCpu(process.pid, () => maxSustainedRate(clientsOnly, 1, RATE_STEP_SECONDS, BISECTIONS));
        rateRows(CLIENTS_ONLY, result);
        record({ measure: "bench clients' CPU while stepping rates, 1 -> 1", unit: '%', better: 'lower' }, CLIENTS_ONLY, clientCpuPercent);
      }
    }
    for (const n of MEDIA_FANOUTS) {
      for (const { driver, server } of media) {
        const result = await measureMedia(driver, n, MEDIA_SECONDS, server.pid);
        record({ measure: `media: server CPU per forwarded stream, 1 Mbps VP8-sized RTP, 1 -> ${n}`, unit: '%', better: 'lower' }, driver.name, result.cpuPerStream);
        record({ measure: `media: packets delivered, 1 -> ${n}`, unit: '%', better: 'higher' }, driver.name, result.deliveredPercent);
        record({ measure: `media: one-way latency p99, 1 -> ${n}`, unit: 'ms', better: 'lower' }, driver.name, result.p99);
      }
    }
    // Plaza only: one room, everyone publishing and sending 1 msg/s to everyone.
    const steps = await plazaScale(plaza, SCALE_SIZES, SCALE_SECONDS, console.log);
    const held = Math.max(0, ...steps.filter((s) => s.passed).map((s) => s.participants));
    record({ measure: `scale: data participants in one room, each sending 1 msg/s to all (largest step of ${SCALE_SIZES.join('/')} with p99 ≤ 100 ms, none lost)`, unit: 'participants', better: 'higher' }, 'Plaza', held);
  }
} finally {
  for (const server of new Set(contenders.map((c) => c.server))) await server.stop();
}

const report: Report = {
  command: `npm run bench${quick ? ' -- --quick' : ''}${withJanus ? '' : ' -- --no-janus'}`,
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, Linux ${os.release()}`,
  date: new Date().toISOString().slice(0, 10),
  servers: contenders.map((c) => c.driver.name),
  references: [CLIENTS_ONLY],
  notes: [
    `${CLIENTS_ONLY}: the same clients connected to each other directly, 1 -> 1. They do the same work per message as through a server, on the same two cores, so its max rate is the most any server can show here and its latency the floor.`,
  ],
  rows: [...runs.values()].map(({ row, values }) => ({ ...row, results: Object.fromEntries([...values].map(([server, v]) => [server, summarize(v)])) })),
};
const files = writeReport(report, path.join(path.dirname(fileURLToPath(import.meta.url)), 'results'));
console.log(`\nwrote ${files.join(', ')}`);

process.exit(0);
