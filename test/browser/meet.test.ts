/**
 * Plaza Meet (apps/meet) as `plaza serve` serves it, in Debian's Chromium with fake camera and
 * microphone: a desktop page and a phone-sized page join one room with the keyboard, see each
 * other's video and mute state, draw on the shared whiteboard with the mouse, chat, send a 5 MiB
 * file; a third page joins late with its devices denied; everyone leaves. No page logs an error.
 * Screenshots of the pages go to test-results/meet/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { exitAfterReport } from '../support/exit.js';
import { launchChromium, pageErrors } from './harness.js';
import { buildMeet, drawStroke, joinByKeyboard, openMeet, screenshot, unlabeledControls } from './meetPage.js';
import { startTestServer, type TestServer } from '../support/server.js';

const ROOM = 'demo-browser-test';
const PHONE = { width: 390, height: 844 };
let srv: TestServer;
let browser: Browser;
let alice: Page; // desktop
let bob: Page; // phone-sized
let carol: Page; // late, devices denied
const pages = (): Page[] => [alice, bob, carol].filter(Boolean);

before(async () => {
  buildMeet();
  srv = await startTestServer(); // the demo is on by default
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await srv?.close();
  exitAfterReport(); // not node-datachannel's cleanup(): the server had media tracks (see exit.ts)
});

const tilesOf = (page: Page) => page.evaluate(() => window.__plazaMeet.tiles());

/** Waits until `page` shows exactly `identities` (its own first) in its grid, those in `video` with decoded video. */
async function waitForGrid(page: Page, identities: string[], video: string[] = identities): Promise<void> {
  await page.waitForFunction(
    ({ identities, video }) => {
      const tiles = window.__plazaMeet.tiles();
      // Ours first, then the others (in whatever order the room lists them).
      return (
        tiles.map((t, i) => (i === 0 ? t.identity : '')).join() === identities.map((id, i) => (i === 0 ? id : '')).join() &&
        tiles.map((t) => t.identity).sort().join() === [...identities].sort().join() &&
        tiles.every((t) => !video.includes(t.identity) || (t.videoWidth > 0 && t.videoHeight > 0))
      );
    },
    { identities, video },
    { timeout: 30_000 },
  );
}

test('two pages join one room with the keyboard and see each other on video', async () => {
  const url = srv.server.addresses.httpUrl + '/';
  alice = await openMeet(browser, url, 'alice', { viewport: { width: 1280, height: 800 } });
  bob = await openMeet(browser, url, 'bob', { viewport: PHONE, isMobile: true, hasTouch: true });
  assert.deepEqual(await unlabeledControls(alice), [], 'every control of the join form has a label');
  await joinByKeyboard(alice, 'alice', ROOM);
  await joinByKeyboard(bob, 'bob', ROOM);

  await waitForGrid(alice, ['alice', 'bob']);
  await waitForGrid(bob, ['bob', 'alice']);
  const seenByBob = (await tilesOf(bob)).find((t) => t.identity === 'alice')!;
  assert.ok(seenByBob.videoWidth > 0 && seenByBob.videoHeight > 0, "alice's video is decoded on bob's page");
  assert.deepEqual([seenByBob.camera, seenByBob.microphone], ['on', 'on']);
  assert.equal(await alice.getByTestId('room-name').textContent(), ROOM);
  assert.deepEqual(await unlabeledControls(alice), [], 'every control of the call screen has a label');
  assert.equal(await alice.getByRole('tab', { name: 'People (2)' }).count(), 1);
});

test('muting and stopping the camera show on the other page', async () => {
  await alice.getByRole('button', { name: 'Mute', exact: true }).click();
  await alice.getByRole('button', { name: 'Stop video' }).click();
  const aliceOnBob = bob.locator('[data-testid="tile"][data-identity="alice"]');
  await bob.waitForFunction(() => {
    const tile = document.querySelector<HTMLElement>('[data-testid="tile"][data-identity="alice"]');
    return tile?.dataset.microphone === 'off' && tile.dataset.camera === 'off';
  });
  assert.equal(await aliceOnBob.getByText('microphone off').count(), 1, 'the muted state is said in words too');
  await alice.getByRole('button', { name: 'Unmute' }).click();
  await alice.getByRole('button', { name: 'Start video' }).click();
  await bob.waitForFunction(() => {
    const tile = document.querySelector<HTMLElement>('[data-testid="tile"][data-identity="alice"]');
    return tile?.dataset.microphone === 'on' && tile.dataset.camera === 'on' && (tile.querySelector('video')?.videoWidth ?? 0) > 0;
  });
});

test("a stroke drawn with the mouse appears in the other page's stroke model and on its canvas", async () => {
  await alice.getByRole('radio', { name: 'Blue' }).check();
  await drawStroke(alice, [0.1, 0.2], [0.6, 0.7]);
  const [drawn] = await alice.evaluate(() => window.__plazaMeet.strokes());
  assert.ok(drawn && drawn.points.length >= 10, 'the pointer moves became points');
  await bob.waitForFunction((n) => window.__plazaMeet.strokes()[0]?.points.length === n, drawn.points.length, { timeout: 10_000 });
  const [received] = await bob.evaluate(() => window.__plazaMeet.strokes());
  assert.deepEqual(received, { ...drawn, color: '#1c64f2', width: 4, author: 'alice' }, 'the same stroke, point for point');
  assert.ok(Math.abs(drawn.points[0]![0] - 0.1) < 0.01 && Math.abs(drawn.points.at(-1)![1] - 0.7) < 0.01, 'coordinates are fractions of the board');
  // Bob's canvas shows it: some pixels are blue.
  await bob.waitForFunction(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="whiteboard"]')!;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    for (let i = 0; i < data.length; i += 4) if (data[i + 2]! > 200 && data[i]! < 80 && data[i + 3]! > 0) return true;
    return false;
  });
  // A finger draws on the phone-sized page too.
  const board = await bob.getByTestId('whiteboard').boundingBox();
  await bob.touchscreen.tap(board!.x + board!.width / 2, board!.y + board!.height / 2);
  await alice.waitForFunction(() => window.__plazaMeet.strokes().some((s) => s.author === 'bob'));

  await bob.getByRole('button', { name: 'Clear' }).click();
  await alice.waitForFunction(() => window.__plazaMeet.strokes().length === 0);
});

test('a chat message arrives', async () => {
  await alice.getByRole('textbox', { name: 'Message' }).fill('Hello from Alice, ça va ?');
  await alice.keyboard.press('Enter');
  await bob.waitForFunction(() => window.__plazaMeet.chat().length === 1);
  assert.deepEqual(await bob.evaluate(() => window.__plazaMeet.chat()), [{ from: 'alice', text: 'Hello from Alice, ça va ?', self: false }]);
  assert.equal(await bob.getByTestId('chat-message').filter({ hasText: 'Hello from Alice' }).count(), 1, 'shown in the chat log');
  assert.deepEqual(await alice.evaluate(() => window.__plazaMeet.chat()), [{ from: 'alice', text: 'Hello from Alice, ça va ?', self: true }]);
});

test('a 5 MiB file sent to bob arrives whole (SHA-256 checked on his page) with progress', async () => {
  const bytes = randomBytes(5 * 1024 * 1024);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // The progress both pages show, as it changes (each render of the status text).
  for (const [page, selector] of [[alice, 'outgoing-file'], [bob, 'incoming-file']] as const) {
    await page.evaluate((selector) => {
      const seen: string[] = [];
      new MutationObserver(() => {
        for (const el of document.querySelectorAll(`[data-testid="${selector}"] .file-status`)) seen.push(el.textContent ?? '');
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
      Object.assign(window, { progressSeen: seen });
    }, selector);
  }
  await alice.getByRole('tab', { name: 'Files' }).click();
  await alice.getByLabel(/^File \(/).setInputFiles({ name: 'random.bin', mimeType: 'application/octet-stream', buffer: bytes });
  await alice.getByRole('checkbox', { name: 'bob' }).check();
  await alice.getByRole('button', { name: 'Send file' }).click();

  await bob.waitForFunction(() => window.__plazaMeet.receivedFiles()[0]?.status === 'complete', null, { timeout: 60_000 });
  const [received] = await bob.evaluate(() => window.__plazaMeet.receivedFiles());
  assert.deepEqual(received, { name: 'random.bin', size: bytes.length, from: 'alice', status: 'complete', sha256, receivedBytes: bytes.length });
  await alice.waitForFunction(() => window.__plazaMeet.sentFiles()[0]?.status === 'sent', null, { timeout: 30_000 });
  const [sent] = await alice.evaluate(() => window.__plazaMeet.sentFiles());
  assert.deepEqual(sent, { name: 'random.bin', size: bytes.length, status: 'sent', sentBytes: bytes.length, receivedBy: ['bob'], error: null });
  const progressOf = (page: Page) => page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
  assert.ok((await progressOf(bob)).some((text) => /^[1-9]\d?% received/.test(text)), 'bob saw the file arrive bit by bit');
  assert.ok((await progressOf(alice)).some((text) => /^[1-9]\d?% sent/.test(text)), 'alice saw it go out bit by bit');
  await bob.getByRole('tab', { name: 'Files' }).click();
  const download = bob.getByRole('link', { name: 'Download random.bin' });
  assert.equal(await download.getAttribute('download'), 'random.bin');
  assert.match((await download.getAttribute('href')) ?? '', /^blob:/);
});

test('a late joiner without camera and microphone joins with a notice, and gets the board and the chat so far', async () => {
  await drawStroke(alice, [0.3, 0.3], [0.4, 0.5], 4);
  const [stroke] = await alice.evaluate(() => window.__plazaMeet.strokes());
  carol = await openMeet(browser, srv.server.addresses.httpUrl + '/', 'carol', { viewport: { width: 1024, height: 768 }, denyDevices: true });
  await joinByKeyboard(carol, 'carol', ROOM);
  await carol.getByTestId('media-notice').waitFor();
  assert.equal(await carol.getByTestId('media-notice').textContent(), 'Joined without camera and microphone: permission was denied.');
  assert.equal(await carol.getByRole('button', { name: 'No mic' }).isDisabled(), true);
  await waitForGrid(carol, ['carol', 'alice', 'bob'], ['alice', 'bob']);
  await waitForGrid(alice, ['alice', 'bob', 'carol'], ['alice', 'bob']);
  assert.equal((await tilesOf(alice)).find((t) => t.identity === 'carol')?.camera, 'off');

  // Alice sent her strokes again when carol arrived; the server replayed the retained chat.
  await carol.waitForFunction((n) => window.__plazaMeet.strokes()[0]?.points.length === n, stroke!.points.length, { timeout: 10_000 });
  await carol.waitForFunction(() => window.__plazaMeet.chat().length === 1, null, { timeout: 10_000 });
  assert.deepEqual(await carol.evaluate(() => window.__plazaMeet.chat()), [{ from: 'alice', text: 'Hello from Alice, ça va ?', self: false }]);
  // Data works without devices: carol draws, alice sees it.
  await drawStroke(carol, [0.7, 0.1], [0.9, 0.3], 4);
  await alice.waitForFunction(() => window.__plazaMeet.strokes().some((s) => s.author === 'carol'));
});

test('the phone-sized page has no horizontal overflow and its controls are on screen', async () => {
  const overflow = await bob.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'nothing wider than the phone');
  // The controls stay at the bottom of the screen however far down the page is scrolled.
  for (const scroll of ['top', 'bottom']) {
    await bob.evaluate((to) => window.scrollTo(0, to === 'top' ? 0 : document.documentElement.scrollHeight), scroll);
    for (const name of ['Mute', 'Stop video', 'Leave']) {
      const box = await bob.getByRole('button', { name, exact: true }).boundingBox();
      assert.ok(box, `${name} is rendered`);
      assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `${name} fits across (${scroll})`);
      assert.ok(box.y >= 0 && box.y + box.height <= PHONE.height, `${name} is on screen (${scroll}): y=${box.y}`);
      assert.ok(box.height >= 44, `${name} is a comfortable touch target`);
    }
  }
  // Every tab and the chat box can be reached and are inside the width.
  for (const control of [bob.getByRole('tab', { name: 'Chat' }), bob.getByRole('tab', { name: /People/ }), bob.getByRole('textbox', { name: 'Message' })]) {
    if (!(await control.isVisible())) await bob.getByRole('tab', { name: 'Chat' }).click();
    await control.scrollIntoViewIfNeeded();
    const box = (await control.boundingBox())!;
    assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width);
  }
});

test('leaving updates the grid of those who stay; screenshots of every page', async (t) => {
  for (const [page, name] of [[alice, 'alice-desktop'], [bob, 'bob-phone'], [carol, 'carol-no-devices']] as const) {
    t.diagnostic(`screenshot: ${await screenshot(page, name)}`);
  }
  await carol.getByRole('button', { name: 'Leave' }).click();
  await carol.getByText('You left the call.').waitFor();
  await waitForGrid(alice, ['alice', 'bob']);
  await waitForGrid(bob, ['bob', 'alice']);
  // Keyboard: Leave is a button like any other.
  await bob.getByRole('button', { name: 'Leave' }).focus();
  await bob.keyboard.press('Enter');
  await waitForGrid(alice, ['alice']);
  assert.equal(await bob.evaluate(() => window.__plazaMeet.screen()), 'join');
  t.diagnostic(`screenshot: ${await screenshot(alice, 'alice-alone')}`);
});

test('no page logged an error', () => {
  for (const page of pages()) assert.deepEqual(pageErrors(page), []);
});
