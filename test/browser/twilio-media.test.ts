/**
 * Audio and video through the Plaza SFU between unmodified official-SDK participants in Chromium
 * with fake devices: frames decoded at 640x480 and at a real bitrate, audio packets flowing,
 * mute propagated, a publisher leaving removes its tracks.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openTwilioPage, pageErrors, startPageServer, type PageServer } from './harness.js';
import { startTestServer, waitFor, type TestServer } from '../support/server.js';

const ROOM = 'av';
let srv: TestServer;
let pages: PageServer;
let browser: Browser;

interface MediaLog {
  subscribed: Array<{ from: string; kind: string }>;
  events: string[];
}

async function joinWithMedia(identity: string): Promise<Page> {
  const page = await openTwilioPage(browser, pages.url);
  const token = await srv.token(identity, ROOM);
  await page.evaluate(
    async ({ token, wsServer, room }) => {
      const Video = window.Twilio.Video;
      const log: MediaLog = { subscribed: [], events: [] };
      const r = await Video.connect(token, { wsServer, insights: false, name: room, audio: true, video: { width: 640, height: 480 } } as never);
      // (No named inner functions: tsx's esbuild would wrap them in a __name helper the page lacks.)
      r.on('trackSubscribed', (t, _pub, p) => {
        if (t.kind === 'data') return;
        log.subscribed.push({ from: p.identity, kind: t.kind });
        const el = (t as unknown as { attach(): HTMLMediaElement }).attach();
        el.dataset.from = p.identity;
        el.dataset.kind = t.kind;
        el.muted = true;
        el.dataset.subscribedAt = String(performance.now());
        if (el instanceof HTMLVideoElement) {
          el.requestVideoFrameCallback(() => (el.dataset.firstFrameAt = String(performance.now())));
          // A resubscription replaces the previous element of the same publisher.
          document.querySelector(`video[data-from="${p.identity}"]`)?.remove();
        }
        document.body.appendChild(el);
      });
      r.on('trackDisabled', (t, p) => log.events.push(`disabled:${p.identity}:${t.kind}`));
      r.on('trackEnabled', (t, p) => log.events.push(`enabled:${p.identity}:${t.kind}`));
      r.on('trackUnsubscribed', (t, _pub, p) => log.events.push(`unsubscribed:${p.identity}:${t.kind}`));
      r.on('participantDisconnected', (p) => log.events.push(`left:${p.identity}`));
      Object.assign(window, { plazaLog: log, plazaRoom: r });
    },
    { token, wsServer: srv.signalingUrl, room: ROOM },
  );
  return page;
}

const logOf = (page: Page): Promise<MediaLog> => page.evaluate(() => (window as unknown as { plazaLog: MediaLog }).plazaLog);

/** Decoded video frames, size, and received bytes/packets for the remote tracks of `from`. */
async function remoteStats(page: Page, from: string) {
  return page.evaluate(async (from) => {
    const video = document.querySelector<HTMLVideoElement>(`video[data-from="${from}"]`);
    const room = (window as unknown as { plazaRoom: { getStats(): Promise<Array<{ remoteVideoTrackStats: Array<{ bytesReceived: number }>; remoteAudioTrackStats: Array<{ packetsReceived: number }> }>> } }).plazaRoom;
    const [report] = await room.getStats();
    return {
      width: video?.videoWidth ?? 0,
      height: video?.videoHeight ?? 0,
      frames: video?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
      videoBytes: report?.remoteVideoTrackStats.reduce((n, s) => n + (s.bytesReceived ?? 0), 0) ?? 0,
      audioPackets: report?.remoteAudioTrackStats.reduce((n, s) => n + (s.packetsReceived ?? 0), 0) ?? 0,
      at: performance.now(),
    };
  }, from);
}

before(async () => {
  srv = await startTestServer();
  pages = await startPageServer();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await pages?.close();
  await srv?.close();
});

let alice: Page;
let bob: Page;

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
