/**
 * A @plaza/client subscriber in its own process, so a test can SIGSTOP it (a stopped process stops
 * acknowledging SCTP data: what a congested or stalled subscriber looks like to the server) and so
 * its reading never competes with the server for the test process's event loop.
 * Expects binary messages that start with a big-endian u32 sequence number; counts them and the
 * ones out of order. Reports on stdout, one JSON object per line; a line on stdin asks for a count.
 *   argv: signalingUrl token room
 */
import { connect } from '@plaza/client';

const [signalingUrl, token, name] = process.argv.slice(2) as [string, string, string];
const say = (event: object): void => void process.stdout.write(JSON.stringify(event) + '\n');

const room = await connect(token, { name, wsServer: signalingUrl, tracks: [] });
let received = 0;
let outOfOrder = 0;
room.on('trackSubscribed', (track: { kind: string }) => {
  if (track.kind === 'data') say({ event: 'subscribed' });
});
room.on('trackUnsubscribed', () => say({ event: 'unsubscribed', received }));
room.on('trackSubscriptionFailed', (error: { code: number }) => say({ event: 'subscriptionFailed', code: error.code, received }));
room.on('trackMessage', (data: ArrayBuffer | string) => {
  if (typeof data === 'string' || new DataView(data).getUint32(0) !== received) outOfOrder++;
  received++;
});
say({ event: 'connected' });
process.stdin.on('data', () => say({ event: 'count', received, outOfOrder }));
process.stdin.on('end', () => {
  room.once('disconnected', () => process.exit(0));
  room.disconnect();
});
