/**
 * How long @plaza/client takes to join with a DataTrack: connect() -> the first message a
 * participant already in the room receives from it (so ICE, DTLS, SCTP and the subscription are
 * all in). Not part of `npm run bench`; it shows the join tail the closing notes discuss (a host
 * without IPv6 gets some 1 s joins).
 *   node --conditions=development --import tsx bench/client-joins.ts [joins=20]
 */
import { connect, LocalDataTrack, type RemoteDataTrack } from '@plaza/client';
import { startPlaza } from './suite/plaza.js';
import { quantile } from './suite/stats.js';

const joins = Number(process.argv[2] ?? 20);
const plaza = await startPlaza();
const times: number[] = [];
try {
  for (let i = 0; i < joins; i++) {
    const name = `client-join-${i}`;
    const watcher = await connect(await plaza.token('watcher', name), { name, wsServer: plaza.signalingUrl, tracks: [] });
    const firstMessage = new Promise<number>((resolve) => {
      watcher.on('trackSubscribed', (track: RemoteDataTrack) => {
        if (track.kind === 'data') track.once('message', () => resolve(performance.now()));
      });
    });
    const token = await plaza.token('joiner', name);
    const started = performance.now();
    const track = new LocalDataTrack();
    const joiner = await connect(token, { name, wsServer: plaza.signalingUrl, tracks: [track] });
    // Sent until one arrives: a DataTrack delivers only once published and subscribed.
    const sending = setInterval(() => track.send('hello'), 1);
    times.push((await firstMessage) - started);
    clearInterval(sending);
    joiner.disconnect();
    watcher.disconnect();
  }
} finally {
  await plaza.stop();
}
const sorted = [...times].sort((a, b) => a - b);
console.log(`joins (ms): ${times.map((t) => Math.round(t)).join(' ')}`);
console.log(`p50 ${quantile(sorted, 0.5).toFixed(1)} ms, p95 ${quantile(sorted, 0.95).toFixed(1)} ms, over 500 ms: ${times.filter((t) => t > 500).length} of ${times.length}`);
process.exit(0);
