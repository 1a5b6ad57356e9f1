/**
 * Where Plaza's server spends its time relaying one DataTrack 1 -> 1 at a high rate (issue 6's
 * "profile the hot path"). Not part of `npm run bench`.
 *   node --conditions=development --import tsx bench/profile.ts [rate=20000] [seconds=4] [subscribers=1]
 * Runs `plaza serve` under --cpu-prof, offers `rate` 1 KiB msg/s through the same raw client as the
 * suite, then prints the functions with the most self time (the .cpuprofile it read is kept for
 * chrome://inspect or speedscope: its path is printed).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { plazaRawDriver } from './suite/plaza-raw.js';
import { startPlaza } from './suite/plaza.js';
import { offerRate } from './suite/rows.js';

const rate = Number(process.argv[2] ?? 20_000);
const seconds = Number(process.argv[3] ?? 4);
const subscribers = Number(process.argv[4] ?? 1);
const dir = mkdtempSync(path.join(tmpdir(), 'plaza-profile-'));
const plaza = await startPlaza(['--cpu-prof', '--cpu-prof-dir', dir]);
try {
  const room = await plazaRawDriver(plaza).fanout(subscribers);
  const step = await offerRate(room, subscribers, rate, seconds);
  console.log(`1 -> ${subscribers}: offered ${rate} msg/s for ${seconds} s: achieved ${Math.round(step.achieved)}, delivered ${step.delivered}/${step.expected}, p99 ${step.p99.toFixed(1)} ms, ${step.passed ? 'passed' : 'failed'}`);
  await room.close();
} finally {
  await plaza.stop();
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile written in ${dir}`);
const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const frame = byId.get(id)!.callFrame;
  const where = frame.url ? `${frame.url.replace(/^.*\/(packages|node_modules)\//, '$1/')}:${frame.lineNumber + 1}` : '';
  const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + dt);
});
const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
console.log(`\nprofile ${path.join(dir, file)}: ${(total / 1e6).toFixed(2)} s sampled, ${(((total - idle) / total) * 100).toFixed(0)} % busy\n`);
console.log('| self time | share of busy | function |\n|---|---|---|');
for (const [name, us] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`| ${(us / 1000).toFixed(0)} ms | ${((us / (total - idle)) * 100).toFixed(1)} % | \`${name}\` |`);
}
process.exit(0);
