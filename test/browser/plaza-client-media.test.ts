/**
 * @plaza/client's browser bundle and the unmodified official SDK in one room: each sees and hears
 * the other through the Plaza SFU (fake camera and microphone in Debian's Chromium).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { closeBrowserStack, openTwilioPage, pageErrors, startBrowserStack, type PageServer } from './harness.js';
import { waitFor, type TestServer } from '../support/server.js';

const ROOM = 'mixed';
const BUNDLE = path.resolve('packages/client/dist/plaza-client.browser.js');
let srv: TestServer;
let pages: PageServer;
let browser: Browser;

before(async () => {
  // The bundle is a build output (not committed): build it from source for this run.
  execFileSync(process.execPath, ['packages/client/scripts/bundle.mjs'], { stdio: 'inherit' });
  ({ srv, pages, browser } = await startBrowserStack({ '/plaza-client.js': { contentType: 'text/javascript; charset=utf-8', filePath: BUNDLE } }));
});
after(async () => {
  await closeBrowserStack({ browser, pages, srv });
});

/** Width and decoded frames of the first <video> element the page attached. */
const videoOf = (page: Page) =>
  page.evaluate(() => {
    const v = document.querySelector('video');
    return { width: v?.videoWidth ?? 0, frames: v?.getVideoPlaybackQuality().totalVideoFrames ?? 0, audio: document.querySelectorAll('audio').length };
  });

test('a @plaza/client browser participant and an official-SDK participant see and hear each other', async () => {
  const official = await openTwilioPage(browser, pages.url);
  await official.evaluate(
    async ({ token, wsServer, room }) => {
      const r = await window.Twilio.Video.connect(token, { wsServer, insights: false, name: room, audio: true, video: { width: 640, height: 480 } } as never);
      r.on('trackSubscribed', (t) => {
        if (t.kind === 'data') return;
        const el = (t as unknown as { attach(): HTMLMediaElement }).attach();
        el.muted = true;
        document.body.appendChild(el);
      });
    },
    { token: await srv.token('official', ROOM), wsServer: srv.signalingUrl, room: ROOM },
  );

  const ours = await browser.newPage();
  await ours.goto(pages.url);
  await ours.addScriptTag({ url: '/plaza-client.js' });
  await ours.evaluate(
    async ({ token, wsServer, room }) => {
      const Plaza = (window as unknown as { Plaza: typeof import('@plaza/client') }).Plaza;
      const tracks = await Plaza.createLocalTracks({ audio: true, video: { width: 640, height: 480 } });
      const r = await Plaza.connect(token, { wsServer, name: room, tracks });
      r.on('trackSubscribed', (t: { kind: string; attach?: () => HTMLMediaElement }) => {
        if (!t.attach) return;
        const el = t.attach();
        el.muted = true;
        document.body.appendChild(el);
      });
    },
    { token: await srv.token('plaza', ROOM), wsServer: srv.signalingUrl, room: ROOM },
  );

  for (const page of [official, ours]) {
    await waitFor(async () => (await videoOf(page)).width === 640, 'remote video decoded at 640 wide', 20_000);
    const first = await videoOf(page);
    await waitFor(async () => (await videoOf(page)).frames > first.frames + 20, 'frames keep decoding', 10_000);
    assert.equal((await videoOf(page)).audio, 1, 'one remote audio element');
  }
  assert.deepEqual(pageErrors(official), []);
});

test('a @plaza/client participant that starts data-only still receives video later', async () => {
  // Its first offer has only m=application: every media section comes later, in server offers.
  const viewer = await browser.newPage();
  await viewer.goto(pages.url);
  await viewer.addScriptTag({ url: '/plaza-client.js' });
  await viewer.evaluate(
    async ({ token, wsServer, room }) => {
      const Plaza = (window as unknown as { Plaza: typeof import('@plaza/client') }).Plaza;
      const r = await Plaza.connect(token, { wsServer, name: room });
      r.on('trackSubscribed', (t: { kind: string; attach?: () => HTMLMediaElement }) => {
        if (t.kind !== 'video' || !t.attach) return;
        const el = t.attach();
        el.muted = true;
        document.body.appendChild(el);
      });
    },
    { token: await srv.token('viewer', ROOM), wsServer: srv.signalingUrl, room: ROOM },
  );
  await waitFor(async () => (await videoOf(viewer)).width === 640, 'video decoded by the data-only viewer', 20_000);
});
