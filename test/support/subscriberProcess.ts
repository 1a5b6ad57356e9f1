/**
 * A @plaza/client subscriber in its own process, so a test can SIGSTOP it: a stopped process
 * stops acknowledging SCTP data, which is what a congested or stalled subscriber looks like to
 * the server. Reports on stdout, one JSON object per line.
 *   argv: signalingUrl token room
 */
import { connect } from '@plaza/client';

const [signalingUrl, token, name] = process.argv.slice(2) as [string, string, string];
const say = (event: object): void => void process.stdout.write(JSON.stringify(event) + '\n');

const room = await connect(token, { name, wsServer: signalingUrl, tracks: [] });
let received = 0;
room.on('trackSubscribed', (track: { kind: string }) => {
  if (track.kind === 'data') say({ event: 'subscribed' });
});
room.on('trackUnsubscribed', () => say({ event: 'unsubscribed', received }));
room.on('trackSubscriptionFailed', (error: { code: number }) => say({ event: 'subscriptionFailed', code: error.code, received }));
room.on('trackMessage', () => {
  received++;
});
say({ event: 'connected' });
process.stdin.on('data', () => say({ event: 'count', received }));
process.stdin.on('end', () => void room.disconnect());
