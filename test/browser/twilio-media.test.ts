/**
 * Audio and video through the Plaza SFU between unmodified official-SDK participants in Chromium
 * with fake devices: frames decoded at 640x480 and at a real bitrate, audio packets flowing,
 * mute propagated, a publisher leaving removes its tracks.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { closeBrowserStack, openTwilioPage, pageErrors, startBrowserStack, type PageServer } from './harness.js';
import { joinTwilioRoom, logOf, remoteStats } from './mediaPage.js';
import { waitFor, type TestServer } from '../support/server.js';

const ROOM = 'av';
let srv: TestServer;
let pages: PageServer;
let browser: Browser;

before(async () => {
  ({ srv, pages, browser } = await startBrowserStack());
});
after(async () => {
  await closeBrowserStack({ browser, pages, srv });
});

let alice: Page;
let bob: Page;
const joinWithMedia = async (identity: string): Promise<Page> =>
  joinTwilioRoom(await openTwilioPage(browser, pages.url), await srv.token(identity, ROOM), srv.signalingUrl, ROOM);

test('two official-SDK participants see and hear each other at 640x480', async () => {
  alice = await joinWithMedia('alice');
  bob = await joinWithMedia('bob');
  for (const [page, other] of [[alice, 'bob'], [bob, 'alice']] as const) {
    await waitFor(async () => (await logOf(page)).subscribed.length === 2, `${other}'s audio and video subscribed`, 20_000);
    await waitFor(async () => (await remoteStats(page, other)).width === 640, `${other}'s video decoded at 640 wide`, 20_000);
    const first = await remoteStats(page, other);
    await waitFor(async () => (await remoteStats(page, other)).frames > first.frames + 30, 'frames keep decoding', 10_000);
    const second = await remoteStats(page, other);
    assert.equal(second.height, 480);
    assert.ok(second.audioPackets > first.audioPackets, 'audio packets keep arriving');
  }
});

test('video arrives at a real bitrate (>= 300 kbps), not the collapsed ~30 kbps', async () => {
  const a = await remoteStats(bob, 'alice');
  await waitFor(async () => (await remoteStats(bob, 'alice')).at - a.at > 3000, '3 s', 5000);
  const b = await remoteStats(bob, 'alice');
  const kbps = ((b.videoBytes - a.videoBytes) * 8) / (b.at - a.at);
  console.log(`video bitrate alice -> bob: ${kbps.toFixed(0)} kbps`);
  assert.ok(kbps >= 300, `video bitrate ${kbps.toFixed(0)} kbps`);
});

test('a late subscriber gets a keyframe and renders its first frame quickly', async () => {
  const carol = await joinWithMedia('carol');
  await waitFor(async () => (await logOf(carol)).subscribed.filter((s) => s.from === 'alice').length === 2, 'carol subscribed to alice', 20_000);
  // From the moment the video track was subscribed to its first decoded frame.
  const firstFrameMs = await carol.evaluate(async () => {
    const video = document.querySelector<HTMLVideoElement>('video[data-from="alice"]');
    if (!video) throw new Error('no video element');
    const subscribedAt = Number(video.dataset.subscribedAt);
    await new Promise<void>((resolve) => {
      if (video.getVideoPlaybackQuality().totalVideoFrames > 0) resolve();
      else video.requestVideoFrameCallback(() => resolve());
    });
    return Number(video.dataset.firstFrameAt ?? performance.now()) - subscribedAt;
  });
  console.log(`late subscriber first frame after ${firstFrameMs.toFixed(0)} ms`);
  assert.ok(firstFrameMs <= 1500, `first frame after ${firstFrameMs.toFixed(0)} ms`);
  assert.equal((await remoteStats(carol, 'alice')).width, 640);
  await carol.evaluate(() => (window as unknown as { plazaRoom: { disconnect(): void } }).plazaRoom.disconnect());
});

test('mute and unmute reach the other side', async () => {
  await alice.evaluate(() => {
    const room = (window as unknown as { plazaRoom: { localParticipant: { videoTracks: Map<string, { track: { disable(): void } }> } } }).plazaRoom;
    room.localParticipant.videoTracks.forEach((p) => p.track.disable());
  });
  await waitFor(async () => (await logOf(bob)).events.includes('disabled:alice:video'), 'trackDisabled');
  await alice.evaluate(() => {
    const room = (window as unknown as { plazaRoom: { localParticipant: { videoTracks: Map<string, { track: { enable(): void } }> } } }).plazaRoom;
    room.localParticipant.videoTracks.forEach((p) => p.track.enable());
  });
  await waitFor(async () => (await logOf(bob)).events.includes('enabled:alice:video'), 'trackEnabled');
});

test('a publisher leaving removes its tracks on subscribers', async () => {
  await alice.evaluate(() => (window as unknown as { plazaRoom: { disconnect(): void } }).plazaRoom.disconnect());
  await waitFor(async () => (await logOf(bob)).events.includes('left:alice'), 'alice left');
  const events = (await logOf(bob)).events;
  assert.ok(events.includes('unsubscribed:alice:video') && events.includes('unsubscribed:alice:audio'), events.join(','));
  assert.deepEqual(pageErrors(bob), []);
});
