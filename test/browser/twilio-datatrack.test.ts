/**
 * The proof with the official SDK: unmodified twilio-video in Debian's Chromium and @plaza/client
 * in Node share one Plaza room and exchange DataTrack messages in every direction.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { connect, LocalDataTrack, type Room } from '@plaza/client';
import { closeBrowserStack, openTwilioPage, pageErrors, startBrowserStack, type PageServer } from './harness.js';
import { waitFor, type TestServer } from '../support/server.js';

const ROOM = 'interop';

/** What a browser participant recorded, read back with page.evaluate. */
interface PageLog {
  messages: Array<{ from: string; kind: 'string' | 'binary'; value: string }>;
  subscribed: Array<{ from: string; ordered: boolean; maxRetransmits: number | null; maxPacketLifeTime: number | null }>;
  left: string[];
  connection: string[];
}

let srv: TestServer;
let pages: PageServer;
let browser: Browser;
const joined: Page[] = [];
let carol: Room;
let carolTrack: LocalDataTrack;
const carolGot: PageLog['messages'] = [];

async function joinInBrowser(identity: string, trackOptions: object | null = {}): Promise<Page> {
  const page = await openTwilioPage(browser, pages.url);
  const token = await srv.token(identity, ROOM);
  await page.evaluate(
    async ({ token, wsServer, room, trackOptions }) => {
      const Video = window.Twilio.Video;
      const log: PageLog = { messages: [], subscribed: [], left: [], connection: [] };
      const track = trackOptions ? new Video.LocalDataTrack(trackOptions) : null;
      const r = await Video.connect(token, { wsServer, insights: false, name: room, tracks: track ? [track] : [] } as never);
      r.on('trackSubscribed', (t, _pub, p) => {
        if (t.kind !== 'data') return;
        log.subscribed.push({ from: p.identity, ordered: t.ordered, maxRetransmits: t.maxRetransmits, maxPacketLifeTime: t.maxPacketLifeTime });
        t.on('message', (data: string | ArrayBuffer) =>
          log.messages.push(
            typeof data === 'string'
              ? { from: p.identity, kind: 'string', value: data }
              : { from: p.identity, kind: 'binary', value: Array.from(new Uint8Array(data)).join(',') },
          ),
        );
      });
      r.on('participantDisconnected', (p) => log.left.push(p.identity));
      r.on('reconnecting', () => log.connection.push('reconnecting'));
      r.on('reconnected', () => log.connection.push('reconnected'));
      r.on('disconnected', (_room, error) => log.connection.push(`disconnected:${error?.code ?? ''}`));
      Object.assign(window, { plazaLog: log, plazaTrack: track, plazaRoom: r });
    },
    { token, wsServer: srv.signalingUrl, room: ROOM, trackOptions },
  );
  joined.push(page);
  return page;
}

const logOf = (page: Page): Promise<PageLog> => page.evaluate(() => (window as unknown as { plazaLog: PageLog }).plazaLog);
const sendFrom = (page: Page, text: string, bytes: number[]): Promise<void> =>
  page.evaluate(
    ({ text, bytes }) => {
      const track = (window as unknown as { plazaTrack: { send(d: string | Uint8Array): void } }).plazaTrack;
      track.send(text);
      track.send(new Uint8Array(bytes));
    },
    { text, bytes },
  );

before(async () => {
  ({ srv, pages, browser } = await startBrowserStack());
});

after(async () => {
  await carol?.disconnect();
  await closeBrowserStack({ browser, pages, srv });
});

test('two official-SDK browsers and a @plaza/client Node participant exchange DataTrack messages', async () => {
  const alice = await joinInBrowser('alice');
  const bob = await joinInBrowser('bob');
  carolTrack = new LocalDataTrack({ ordered: false, maxRetransmits: 2 });
  carol = await connect(await srv.token('carol', ROOM), { name: ROOM, tracks: [carolTrack], wsServer: srv.signalingUrl });
  carol.on('trackMessage', (data: string | ArrayBuffer, _track: unknown, participant: { identity: string }) => {
    carolGot.push(
      typeof data === 'string'
        ? { from: participant.identity, kind: 'string', value: data }
        : { from: participant.identity, kind: 'binary', value: Array.from(new Uint8Array(data)).join(',') },
    );
  });

  // Everyone is subscribed to the other two before anyone sends.
  for (const page of [alice, bob]) {
    await waitFor(async () => (await logOf(page)).subscribed.length === 2, 'browser subscriptions');
  }
  await waitFor(() => [...carol.participants.values()].every((p) => p.dataTracks.size === 1) && carol.participants.size === 2, 'carol subscriptions');

  await sendFrom(alice, 'from alice', [1, 2, 3]);
  await sendFrom(bob, 'from bob', [4, 5]);
  carolTrack.send('from carol');
  carolTrack.send(new Uint8Array([6]));

  const expectFrom = (who: string, text: string, bytes: string): PageLog['messages'] => [
    { from: who, kind: 'string', value: text },
    { from: who, kind: 'binary', value: bytes },
  ];
  const sorted = (m: PageLog['messages']) => [...m].sort((a, b) => (a.from + a.kind).localeCompare(b.from + b.kind));
  const aliceWants = sorted([...expectFrom('bob', 'from bob', '4,5'), ...expectFrom('carol', 'from carol', '6')]);
  const bobWants = sorted([...expectFrom('alice', 'from alice', '1,2,3'), ...expectFrom('carol', 'from carol', '6')]);
  const carolWants = sorted([...expectFrom('alice', 'from alice', '1,2,3'), ...expectFrom('bob', 'from bob', '4,5')]);
  await waitFor(async () => (await logOf(alice)).messages.length >= 4, 'alice messages');
  await waitFor(async () => (await logOf(bob)).messages.length >= 4, 'bob messages');
  await waitFor(() => carolGot.length >= 4, 'carol messages');
  assert.deepEqual(sorted((await logOf(alice)).messages), aliceWants);
  assert.deepEqual(sorted((await logOf(bob)).messages), bobWants);
  assert.deepEqual(sorted(carolGot), carolWants);

  // The unordered, maxRetransmits=2 track shows those values on the official SDK's side.
  const carolSeenByAlice = (await logOf(alice)).subscribed.find((s) => s.from === 'carol');
  assert.deepEqual(carolSeenByAlice, { from: 'carol', ordered: false, maxRetransmits: 2, maxPacketLifeTime: null });
  const bobSeenByAlice = (await logOf(alice)).subscribed.find((s) => s.from === 'bob');
  assert.deepEqual(bobSeenByAlice, { from: 'bob', ordered: true, maxRetransmits: null, maxPacketLifeTime: null });
});

test('a late joiner gets only what is sent after it subscribed', async () => {
  const [alice] = joined as [Page];
  const dave = await joinInBrowser('dave');
  await waitFor(async () => (await logOf(dave)).subscribed.length === 3, 'dave subscriptions');
  await sendFrom(alice, 'after dave', [9]);
  await waitFor(async () => (await logOf(dave)).messages.length >= 2, 'dave messages');
  assert.deepEqual((await logOf(dave)).messages, [
    { from: 'alice', kind: 'string', value: 'after dave' },
    { from: 'alice', kind: 'binary', value: '9' },
  ]);
  // Nothing so far made the SDK log an error (the reconnection test below does, on purpose).
  for (const page of joined) assert.deepEqual(pageErrors(page), []);
});

test('an official-SDK participant that publishes nothing still receives DataTracks', async () => {
  // Its first offer has no m=application: the server must add one without renegotiating SCTP
  // the way that deadlocks libdatachannel (PeerEndpoint, withHiddenDataSection).
  const viewer = await joinInBrowser('viewer', null);
  await waitFor(async () => (await logOf(viewer)).subscribed.length === 4, 'viewer subscriptions');
  carolTrack.send('to the viewer');
  await waitFor(async () => (await logOf(viewer)).messages.length >= 1, 'viewer message');
  assert.deepEqual((await logOf(viewer)).messages, [{ from: 'carol', kind: 'string', value: 'to the viewer' }]);
  assert.deepEqual(pageErrors(viewer), []);
  await viewer.evaluate(() => (window as unknown as { plazaRoom: { disconnect(): void } }).plazaRoom.disconnect());
  joined.pop();
});

test('a dropped signaling connection resumes with sync, and data keeps flowing', async () => {
  const [alice, bob] = joined as [Page, Page];
  srv.server.signaling.dropConnections();
  for (const page of [alice, bob]) {
    await waitFor(async () => (await logOf(page)).connection.includes('reconnected'), 'reconnected', 20_000);
    assert.deepEqual((await logOf(page)).connection, ['reconnecting', 'reconnected']);
  }
  await waitFor(() => carol.state === 'connected', 'carol reconnected', 20_000);
  const before = (await logOf(bob)).messages.length;
  await sendFrom(alice, 'after reconnect', [7]);
  await waitFor(async () => (await logOf(bob)).messages.length >= before + 2, 'bob gets the message after reconnect');
  assert.deepEqual((await logOf(bob)).messages.slice(before, before + 1), [{ from: 'alice', kind: 'string', value: 'after reconnect' }]);
  assert.equal((await logOf(bob)).left.includes('alice'), false);
});

test('a disconnect fires participantDisconnected for everyone else', async () => {
  const [alice, bob, dave] = joined as [Page, Page, Page];
  const carolSaw: string[] = [];
  carol.on('participantDisconnected', (p: { identity: string }) => carolSaw.push(p.identity));
  await alice.evaluate(() => (window as unknown as { plazaRoom: { disconnect(): void } }).plazaRoom.disconnect());
  await waitFor(async () => (await logOf(bob)).left.includes('alice'), 'bob sees alice leave');
  await waitFor(async () => (await logOf(dave)).left.includes('alice'), 'dave sees alice leave');
  await waitFor(() => carolSaw.includes('alice'), 'carol sees alice leave');
});
