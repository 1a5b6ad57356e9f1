/**
 * The REST API as the unmodified official SDK sees it in Chromium: a participant removed by REST
 * is disconnected (and the others see it leave); a room ended by REST disconnects everyone with
 * RoomCompletedError (53118).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { closeBrowserStack, openTwilioPage, pageErrors, startBrowserStack, type PageServer } from './harness.js';
import { waitFor, type TestServer } from '../support/server.js';

let srv: TestServer;
let pages: PageServer;
let browser: Browser;

interface RestLog {
  events: string[];
}

before(async () => {
  ({ srv, pages, browser } = await startBrowserStack());
});
after(async () => {
  await closeBrowserStack({ browser, pages, srv });
});

async function rest(path: string, form: Record<string, string>): Promise<Record<string, unknown>> {
  const c = srv.server.credentials;
  const res = await fetch(`${srv.server.addresses.httpUrl}${path}`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(`${c.apiKeySid}:${c.apiKeySecret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return (await res.json()) as Record<string, unknown>;
}

async function join(identity: string, room: string): Promise<Page> {
  const page = await openTwilioPage(browser, pages.url);
  const token = await srv.token(identity, room);
  await page.evaluate(
    async ({ token, wsServer, room }) => {
      const log: RestLog = { events: [] };
      const r = await window.Twilio.Video.connect(token, { wsServer, insights: false, name: room, tracks: [] } as never);
      r.on('disconnected', (_room, error) => log.events.push(`disconnected:${(error as { code?: number } | undefined)?.code ?? 'none'}`));
      r.on('participantDisconnected', (p) => log.events.push(`left:${p.identity}`));
      Object.assign(window, { plazaLog: log });
    },
    { token, wsServer: srv.signalingUrl, room },
  );
  return page;
}

const eventsOf = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { plazaLog: RestLog }).plazaLog.events);

test('a participant removed by REST is disconnected; the others see it leave', async () => {
  await rest('/v1/Rooms', { UniqueName: 'rest-browser' });
  const alice = await join('alice', 'rest-browser');
  const bob = await join('bob', 'rest-browser');
  const kicked = await rest('/v1/Rooms/rest-browser/Participants/bob', { Status: 'disconnected' });
  assert.equal(kicked.status, 'disconnected');
  await waitFor(async () => (await eventsOf(bob)).includes('disconnected:none'), 'bob disconnected (no error)');
  await waitFor(async () => (await eventsOf(alice)).includes('left:bob'), 'alice sees bob leave');
  assert.deepEqual(pageErrors(alice), []);
});

test('a room ended by REST disconnects everyone with RoomCompletedError 53118', async () => {
  const alice = await join('carol', 'rest-browser-end');
  const dave = await join('dave', 'rest-browser-end');
  const ended = await rest('/v1/Rooms/rest-browser-end', { Status: 'completed' });
  assert.equal(ended.status, 'completed');
  for (const page of [alice, dave]) await waitFor(async () => (await eventsOf(page)).includes('disconnected:53118'), 'disconnected with 53118');
});
