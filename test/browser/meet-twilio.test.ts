/**
 * Plaza Meet and the unmodified official twilio-video SDK in one room (Debian's Chromium): the
 * official participant sees Meet's video and receives its whiteboard strokes as plain JSON on a
 * DataTrack; what it draws with the same JSON shows on Meet's board, and its video in Meet's grid.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { exitAfterReport } from '../support/exit.js';
import { closeBrowserStack, openTwilioPage, pageErrors, startBrowserStack, type PageServer } from './harness.js';
import { buildMeet, drawStroke, joinByKeyboard, openMeet } from './meetPage.js';
import type { TestServer } from '../support/server.js';

const ROOM = 'demo-interop';
let srv: TestServer;
let pages: PageServer;
let browser: Browser;
let official: Page;
let meet: Page;

/** What the official-SDK page records. */
interface OfficialLog {
  /** String messages from DataTracks, with the track's name. */
  messages: Array<{ from: string; track: string; data: string }>;
  joined: string[];
}

before(async () => {
  buildMeet();
  ({ srv, pages, browser } = await startBrowserStack());
});
after(async () => {
  await closeBrowserStack({ browser, pages, srv });
  exitAfterReport(); // not node-datachannel's cleanup(): the server had media tracks (see exit.ts)
});

const officialLog = (): Promise<OfficialLog> => official.evaluate(() => (window as unknown as { meetLog: OfficialLog }).meetLog);

test('an official-SDK participant and a Plaza Meet page see each other on video', async () => {
  official = await openTwilioPage(browser, pages.url);
  await official.evaluate(
    async ({ token, wsServer, room }) => {
      const Video = window.Twilio.Video;
      const log: OfficialLog = { messages: [], joined: [] };
      const board = new Video.LocalDataTrack({ name: 'whiteboard' });
      const tracks = [...(await Video.createLocalTracks({ audio: true, video: { width: 640, height: 480 } })), board];
      const r = await Video.connect(token, { wsServer, insights: false, name: room, tracks } as never);
      r.on('participantConnected', (p) => log.joined.push(p.identity));
      r.on('trackSubscribed', (t, _pub, p) => {
        if (t.kind === 'data') {
          t.on('message', (data: string | ArrayBuffer) => {
            if (typeof data === 'string') log.messages.push({ from: p.identity, track: t.name, data });
          });
          return;
        }
        const el = (t as unknown as { attach(): HTMLMediaElement }).attach();
        el.muted = true;
        el.dataset.from = p.identity;
        document.body.appendChild(el);
      });
      Object.assign(window, { meetLog: log, meetBoard: board });
    },
    { token: await srv.token('official', ROOM), wsServer: srv.signalingUrl, room: ROOM },
  );

  meet = await openMeet(browser, srv.server.addresses.httpUrl + '/', 'meet', { viewport: { width: 1280, height: 800 } });
  await joinByKeyboard(meet, 'plaza', ROOM);
  await official.waitForFunction(() => (document.querySelector<HTMLVideoElement>('video[data-from="plaza"]')?.videoWidth ?? 0) > 0, null, {
    timeout: 30_000,
  });
  await meet.waitForFunction(() => (window.__plazaMeet.tiles().find((t) => t.identity === 'official')?.videoWidth ?? 0) > 0, null, { timeout: 30_000 });
});

test("Meet's strokes reach the official SDK as JSON on the whiteboard DataTrack", async () => {
  await drawStroke(meet, [0.2, 0.25], [0.7, 0.5]);
  const [drawn] = await meet.evaluate(() => window.__plazaMeet.strokes());
  assert.ok(drawn);
  // The stroke arrives in segments; rebuild it as the protocol says (points placed from `start`).
  let rebuilt: Array<[number, number]> = [];
  const deadline = Date.now() + 10_000;
  while (rebuilt.length < drawn.points.length) {
    assert.ok(Date.now() < deadline, `the official page rebuilt ${rebuilt.length} of ${drawn.points.length} points`);
    rebuilt = [];
    for (const m of (await officialLog()).messages) {
      assert.deepEqual([m.from, m.track], ['plaza', 'whiteboard']);
      const message = JSON.parse(m.data) as { type: string; id: string; color: string; width: number; start: number; points: Array<[number, number]> };
      assert.deepEqual([message.type, message.id, message.color, message.width], ['stroke', drawn.id, drawn.color, 4]);
      message.points.forEach((p, i) => (rebuilt[message.start + i] = p));
    }
  }
  assert.deepEqual(rebuilt, drawn.points);
});

test("the official SDK's strokes and clear, sent as JSON on its DataTrack, show on Meet's board", async () => {
  await official.waitForFunction(() => (window as unknown as { meetLog: OfficialLog }).meetLog.joined.includes('plaza'));
  await official.evaluate(() => {
    const board = (window as unknown as { meetBoard: { send(data: string): void } }).meetBoard;
    board.send(JSON.stringify({ type: 'stroke', id: 'twilio-1', color: '#2b8a3e', width: 6, points: [[0.5, 0.5], [0.6, 0.55]] }));
    board.send(JSON.stringify({ type: 'stroke', id: 'twilio-1', color: '#2b8a3e', width: 6, start: 2, points: [[0.7, 0.5]] }));
  });
  await meet.waitForFunction(() => window.__plazaMeet.strokes().some((s) => s.author === 'official' && s.points.length === 3));
  const stroke = (await meet.evaluate(() => window.__plazaMeet.strokes())).find((s) => s.author === 'official');
  assert.deepEqual(stroke, { id: 'twilio-1', author: 'official', color: '#2b8a3e', width: 6, points: [[0.5, 0.5], [0.6, 0.55], [0.7, 0.5]] });
  await official.evaluate(() => (window as unknown as { meetBoard: { send(data: string): void } }).meetBoard.send('{"type":"clear"}'));
  await meet.waitForFunction(() => window.__plazaMeet.strokes().length === 0);
});

test('neither page logged an error', () => {
  assert.deepEqual(pageErrors(meet), []);
  assert.deepEqual(pageErrors(official), []);
});
