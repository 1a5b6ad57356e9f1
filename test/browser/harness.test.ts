// Smoke test for the browser harness: Debian Chromium + playwright-core can
// load the official twilio-video bundle from our static server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, openTwilioPage, pageErrors, startPageServer, type PageServer } from './harness.js';

let browser: Browser | undefined;
let server: PageServer | undefined;

before(async () => {
  server = await startPageServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('twilio-video loads in headless Chromium', async () => {
  assert.ok(browser && server);
  const page = await openTwilioPage(browser, server.url);
  try {
    assert.equal(await page.title(), 'plaza-test');
    const info = await page.evaluate(() => ({
      connectType: typeof window.Twilio.Video.connect,
      version: window.Twilio.Video.version as unknown,
      isSupported: window.Twilio.Video.isSupported as unknown,
    }));
    assert.equal(info.connectType, 'function');
    assert.equal(typeof info.version, 'string');
    assert.equal(info.isSupported, true, 'twilio-video should consider this Chromium supported');
    assert.deepEqual(pageErrors(page), []);
  } finally {
    await page.context().close();
  }
});

// Guards the launch flags later tests rely on: fake camera/mic + auto-granted permission.
test('fake media devices are available to twilio-video', async () => {
  assert.ok(browser && server);
  const page = await openTwilioPage(browser, server.url);
  try {
    const kinds = await page.evaluate(async () => {
      const tracks = await window.Twilio.Video.createLocalTracks({ audio: true, video: true });
      for (const t of tracks) if (t.kind !== 'data') t.stop(); // release the fake devices
      return tracks.map((t) => t.kind).sort();
    });
    assert.deepEqual(kinds, ['audio', 'video']);
    assert.deepEqual(pageErrors(page), []);
  } finally {
    await page.context().close();
  }
});
