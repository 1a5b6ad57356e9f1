/**
 * DataChannel sessions as the unmodified official SDK sees them (DATA-CHANNELS.md §4): an ordinary
 * DataTrack that delivers only the payloads addressed to that participant, with no envelope bytes.
 * The sender is a @plaza/client participant in Node.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { connect, type Room } from '@plaza/client';
import { closeBrowserStack, openTwilioPage, pageErrors, startBrowserStack, type PageServer } from './harness.js';
import { waitFor, type TestServer } from '../support/server.js';

const ROOM = 'sdk-channels';
let srv: TestServer;
let pages: PageServer;
let browser: Browser;
let bot: Room | null = null;
let alicePage: Page | null = null;

interface ChannelLog {
  tracks: string[];
  messages: string[];
}

before(async () => {
  ({ srv, pages, browser } = await startBrowserStack());
});
after(async () => {
  bot?.disconnect();
  await closeBrowserStack({ browser, pages, srv });
});

async function join(identity: string): Promise<Page> {
  const page = await openTwilioPage(browser, pages.url);
  const token = await srv.token(identity, ROOM);
  await page.evaluate(
    async ({ token, wsServer, room }) => {
      const log: ChannelLog = { tracks: [], messages: [] };
      const r = await window.Twilio.Video.connect(token, { wsServer, insights: false, name: room, tracks: [] } as never);
      r.on('trackSubscribed', (t) => {
        if (t.kind !== 'data') return;
        log.tracks.push(t.name);
        t.on('message', (data: string | ArrayBuffer) => log.messages.push(typeof data === 'string' ? `string:${data}` : Array.from(new Uint8Array(data)).join(',')));
      });
      Object.assign(window, { plazaLog: log });
    },
    { token, wsServer: srv.signalingUrl, room: ROOM },
  );
  return page;
}

const logOf = (page: Page): Promise<ChannelLog> => page.evaluate(() => (window as unknown as { plazaLog: ChannelLog }).plazaLog);

test('the official SDK sees a session as a DataTrack and receives only what is addressed to it, without envelope', async () => {
  const alice = await join('alice');
  alicePage = alice;
  const bob = await join('bob');
  bot = await connect(await srv.token('bot', ROOM), { name: ROOM, wsServer: srv.signalingUrl, tracks: [] });
  await waitFor(() => bot!.participants.size === 2, 'the bot sees alice and bob');
  const sender = bot.dataChannel.createSender({ channelId: 7, reliability: 'durable' });
  await waitFor(async () => (await logOf(alice)).tracks.length === 1 && (await logOf(bob)).tracks.length === 1, 'both subscribed to the session', 15_000);
  assert.deepEqual((await logOf(alice)).tracks, ['plaza-channel-7']);

  sender.setParticipants(['alice']);
  await sender.sendMessage(new Uint8Array([1, 2, 3]));
  sender.setParticipants([]);
  await sender.sendMessage(new Uint8Array([9, 9]));
  await waitFor(async () => (await logOf(bob)).messages.length === 1, 'the broadcast reaches bob');
  await waitFor(async () => (await logOf(alice)).messages.length === 2, 'alice gets both');
  assert.deepEqual((await logOf(alice)).messages, ['1,2,3', '9,9'], 'exactly the payloads, no envelope byte');
  assert.deepEqual((await logOf(bob)).messages, ['9,9'], 'bob never got the message addressed to alice');
  assert.deepEqual(pageErrors(alice), []);
  assert.deepEqual(pageErrors(bob), []);
});

test('the official SDK gets whole messages only (never a fragment of a large one), and retained values when it comes late', async () => {
  assert.ok(bot && alicePage, 'runs after the first test');
  const retaining = bot.dataChannel.createSender({ channelId: 8, retain: 1 });
  await retaining.sendMessage(new Uint8Array([1]));
  await retaining.sendMessage(new Uint8Array(1024 * 1024).fill(7)); // fragmented: never for the SDK
  await retaining.sendMessage(new Uint8Array([2])); // whole, and the last value
  await waitFor(async () => (await logOf(alicePage!)).messages.includes('2'), 'alice gets the last message', 15_000);
  assert.deepEqual((await logOf(alicePage)).messages.slice(-2), ['1', '2'], 'no fragment in between');

  const carol = await join('carol'); // subscribes after all of that
  await waitFor(async () => (await logOf(carol)).messages.includes('2'), 'carol is replayed the last value', 15_000);
  assert.deepEqual((await logOf(carol)).messages, ['2']);
  assert.deepEqual(pageErrors(carol), []);
});
