/**
 * Transceiver reuse with the unmodified official SDK in Chromium. Publishing after connect takes an
 * idle transceiver, including one the server created for a subscription (its section becomes
 * sendrecv: the server sends a subscription and receives a publication on one mid). Unpublish and
 * publish cycles reuse sections on both sides, so the SDP stays bounded while video keeps flowing.
 * Also: the publishers' sender reports reach subscribers (what Chrome needs for lip sync).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { closeBrowserStack, openTwilioPage, pageErrors, startBrowserStack, type PageServer } from './harness.js';
import { joinTwilioRoom, logOf, peerConnectionFacts, remoteStats, type JoinOptions } from './mediaPage.js';
import { waitFor, type TestServer } from '../support/server.js';

const ROOM = 'reuse';
const CYCLES = 20;
let srv: TestServer;
let pages: PageServer;
let browser: Browser;
let alice: Page;
let bob: Page;

const join = async (identity: string, options?: JoinOptions): Promise<Page> =>
  joinTwilioRoom(await openTwilioPage(browser, pages.url), await srv.token(identity, ROOM), srv.signalingUrl, ROOM, options);

/** Waits until `page` decodes `from`'s video at 640 wide and keeps decoding. */
async function assertVideoFlows(page: Page, from: string): Promise<void> {
  await waitFor(async () => (await remoteStats(page, from)).width === 640, `${from}'s video decoded at 640 wide`, 20_000);
  const first = await remoteStats(page, from);
  await waitFor(async () => (await remoteStats(page, from)).frames > first.frames + 15, `${from}'s frames keep decoding`, 10_000);
}

/** Runs in the page: publishes a fresh fake-camera track (or unpublishes and stops the current one). */
async function setCamera(page: Page, on: boolean): Promise<void> {
  await page.evaluate(async (on) => {
    const room = (window as unknown as { plazaRoom: { localParticipant: { videoTracks: Map<string, { track: { stop(): void } }>; publishTrack(t: unknown): Promise<unknown>; unpublishTrack(t: unknown): unknown } } }).plazaRoom;
    const lp = room.localParticipant;
    if (on) {
      const track = await window.Twilio.Video.createLocalVideoTrack({ width: 640, height: 480 } as never);
      await lp.publishTrack(track);
      return;
    }
    for (const pub of [...lp.videoTracks.values()]) {
      lp.unpublishTrack(pub.track);
      pub.track.stop();
    }
  }, on);
}

before(async () => {
  ({ srv, pages, browser } = await startBrowserStack());
  alice = await join('alice');
  bob = await join('bob', { audio: false, video: false });
  await waitFor(async () => (await logOf(bob)).subscribed.length === 2, "bob subscribed to alice's audio and video", 20_000);
  await assertVideoFlows(bob, 'alice');
});
after(async () => {
  await closeBrowserStack({ browser, pages, srv });
});

test('a participant that joined without a camera publishes one later', async () => {
  await setCamera(bob, true);
  await waitFor(async () => (await logOf(alice)).subscribed.some((s) => s.from === 'bob' && s.kind === 'video'), "alice subscribed to bob's video", 20_000);
  await assertVideoFlows(alice, 'bob');
  await assertVideoFlows(bob, 'alice');
});

test('a second video track (screen share) takes the transceiver of a subscription: both directions flow on one section', async () => {
  const before = await peerConnectionFacts(bob);
  await setCamera(bob, true);
  await waitFor(async () => (await logOf(alice)).subscribed.filter((s) => s.from === 'bob' && s.kind === 'video').length === 2, "alice subscribed to bob's second video", 20_000);
  const after = await peerConnectionFacts(bob);
  // The SDK took the idle transceiver the server created for alice's video (a server mid, s<n>).
  const second = after.sendingMids.find((m) => !before.sendingMids.some((b) => b.mid === m.mid));
  assert.match(String(second?.mid), /^s\d+$/, `bob's second video is sent on ${second?.mid}`);
  assert.equal(after.localSections, before.localSections, 'no new m-section');
  await assertVideoFlows(alice, 'bob'); // the newest element: the second track
  await assertVideoFlows(bob, 'alice');
});

test('sender reports reach subscribers for audio and video', async () => {
  await waitFor(async () => {
    const { senderReports } = await peerConnectionFacts(bob);
    return (senderReports.audio ?? 0) > 0 && (senderReports.video ?? 0) > 0;
  }, "bob's peer connection received SRs for alice's audio and video", 15_000);
});

test(`${CYCLES} unpublish/publish cycles keep the SDP bounded and video flowing`, async () => {
  const start = { alice: await peerConnectionFacts(alice), bob: await peerConnectionFacts(bob) };
  for (let i = 0; i < CYCLES; i++) {
    const subscribed = (await logOf(bob)).subscribed.length;
    await setCamera(alice, false);
    await setCamera(alice, true);
    await waitFor(async () => (await logOf(bob)).subscribed.length > subscribed, `cycle ${i}: bob subscribed to alice's new video`, 20_000);
  }
  await assertVideoFlows(bob, 'alice');
  const end = { alice: await peerConnectionFacts(alice), bob: await peerConnectionFacts(bob) };
  console.log(`m-sections after ${CYCLES} cycles: alice ${start.alice.localSections} -> ${end.alice.localSections}, bob ${start.bob.remoteSections} -> ${end.bob.remoteSections}`);
  // A freed section is reused once its idle state is negotiated, so at most one more per kind.
  assert.ok(end.alice.localSections <= start.alice.localSections + 1, `alice: ${start.alice.localSections} -> ${end.alice.localSections}`);
  assert.ok(end.bob.remoteSections <= start.bob.remoteSections + 1, `bob: ${start.bob.remoteSections} -> ${end.bob.remoteSections}`);
  assert.deepEqual(pageErrors(alice), []);
  assert.deepEqual(pageErrors(bob), []);
});
