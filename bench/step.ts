/**
 * One max-rate step against one server, with CPU per thread of the server and of this (client)
 * process, and the whole machine's load: shows whether the two cores are the ceiling at a given
 * rate, and which threads use them. (A step whose subscriber the relay dropped as too slow shows
 * low averages: read the machine's load with the delivered count.)
 *   node --conditions=development --import tsx bench/step.ts <plaza|videoroom|textroom> <subscribers> <rate> [seconds=3]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { startJanus, textRoomDriver, videoRoomDriver } from './peers/janus.js';
import type { PeerDriver } from './suite/driver.js';
import { startPlaza } from './suite/plaza.js';
import { plazaRawDriver } from './suite/plaza-raw.js';
import { offerRate } from './suite/rows.js';
import { withMachineLoad } from './suite/stats.js';

const [which = 'plaza', n = '1', rate = '10000', seconds = '3'] = process.argv.slice(2);

/** CPU ticks per thread of `pid`: name -> ticks (threads of one name summed). */
function threadTicks(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + Number(f[11]) + Number(f[12]));
    } catch {
      // the thread ended
    }
  }
  return out;
}
const diff = (a: Map<string, number>, b: Map<string, number>, s: number): string =>
  [...b].map(([k, v]) => [k, (v - (a.get(k) ?? 0)) / s] as const).filter(([, v]) => v >= 1).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v.toFixed(0)}%`).join(', ');

let driver: PeerDriver;
let pid: number;
let stop: () => Promise<void>;
if (which === 'plaza') {
  const plaza = await startPlaza();
  driver = plazaRawDriver(plaza);
  pid = plaza.pid;
  stop = plaza.stop;
} else {
  const janus = await startJanus();
  driver = which === 'textroom' ? textRoomDriver(janus.wsUrl) : videoRoomDriver(janus.wsUrl);
  pid = janus.pid;
  stop = janus.stop;
}
try {
  const room = await driver.fanout(Number(n));
  const s0 = threadTicks(pid);
  const c0 = threadTicks(process.pid);
  const t0 = performance.now();
  const { result: step, load } = await withMachineLoad(() => offerRate(room, Number(n), Number(rate), Number(seconds)));
  const secs = (performance.now() - t0) / 1000;
  const s1 = threadTicks(pid);
  const c1 = threadTicks(process.pid);
  console.log(`${which} 1 -> ${n} at ${rate}: ${step.passed ? 'passed' : 'failed'}, achieved ${Math.round(step.achieved)}, delivered ${step.delivered}/${step.expected}, p99 ${step.p99.toFixed(1)} ms`);
  console.log(`  server threads: ${diff(s0, s1, secs)}`);
  console.log(`  client threads: ${diff(c0, c1, secs)}`);
  console.log(`  machine: ${load.busyPercent.toFixed(0)} % of all cores busy; some thread waited for a core ${load.pressurePercent.toFixed(0)} % of the time`);
  await room.close();
} finally {
  await stop();
}
process.exit(0);
