// Reusable harness for browser tests that drive the *unmodified* official
// twilio-video SDK in headless Chromium (Debian's /usr/bin/chromium, never a
// playwright-downloaded browser: CI can only reach npm and apt).
import { createReadStream } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type * as TwilioVideo from 'twilio-video';
import { startTestServer, type TestServer } from '../support/server.js';

declare global {
  interface Window {
    // Set by twilio-video.min.js (UMD bundle) once injected by openTwilioPage().
    Twilio: { Video: typeof TwilioVideo };
  }
}

export const CHROMIUM_ARGS = [
  '--no-sandbox', // CI runs as root, where the setuid/namespace sandbox cannot start
  '--disable-gpu', // no GPU in containers; avoids GPU-process crash loops
  '--use-fake-ui-for-media-stream', // auto-accept getUserMedia permission prompts
  '--use-fake-device-for-media-stream', // synthetic camera/mic, so createLocalTracks works
  '--autoplay-policy=no-user-gesture-required', // remote <audio>/<video> may play
  // Keep the browser quiet and deterministic: no background fetches to Google.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Debian's wrapper normally adds this when /dev/shm is small, but its check
  // is fragile in containers (it errors out on multi-line findmnt output), so be explicit.
  '--disable-dev-shm-usage',
];

/** Launch headless Chromium. Override the binary with CHROMIUM_PATH. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** A file served by startPageServer(): inline `body` or a `filePath` read per request. */
export interface ServedFile {
  contentType: string;
  body?: string | Buffer;
  filePath?: string;
}

export interface PageServer {
  /** Base URL ending in `/`, e.g. `http://127.0.0.1:43125/`. */
  url: string;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const TWILIO_VIDEO_JS = join(
  dirname(require.resolve('twilio-video/package.json')),
  'dist',
  'twilio-video.min.js',
);
const BLANK_HTML =
  '<!doctype html><html><head><meta charset="utf-8"><title>plaza-test</title></head><body></body></html>';

/**
 * Static server for test pages on 127.0.0.1 (an ephemeral port). Loopback
 * counts as a secure context, so getUserMedia/WebRTC work without TLS.
 * `extra` adds or overrides routes, e.g. a bundled @plaza/client.
 */
export async function startPageServer(extra: Record<string, ServedFile> = {}): Promise<PageServer> {
  const routes: Record<string, ServedFile> = {
    '/': { contentType: 'text/html; charset=utf-8', body: BLANK_HTML },
    '/twilio-video.min.js': { contentType: 'text/javascript; charset=utf-8', filePath: TWILIO_VIDEO_JS },
    ...extra,
  };

  const send = (res: ServerResponse, file: ServedFile): void => {
    // no-store: every test run must see freshly built bundles.
    res.writeHead(200, { 'content-type': file.contentType, 'cache-control': 'no-store' });
    if (file.filePath !== undefined) {
      createReadStream(file.filePath)
        .on('error', (err) => res.destroy(err))
        .pipe(res);
    } else {
      res.end(file.body ?? '');
    }
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = routes[path];
    if (file) send(res, file);
    // Chromium always asks for a favicon; a 404 would show up as a console error.
    else if (path === '/favicon.ico') res.writeHead(204).end();
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Chromium keeps idle keep-alive sockets open; drop them or close() hangs.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

const pageErrorLog = new WeakMap<Page, string[]>();

/** Console errors and uncaught exceptions seen so far on a page from openTwilioPage() or recordErrors(). */
/** What most browser test files run against: a Plaza test server, the page server and Chromium. */
export interface BrowserStack {
  srv: TestServer;
  pages: PageServer;
  browser: Browser;
}

/** Starts the three; if one fails, closes those already started. `extraPages`: see startPageServer. */
export async function startBrowserStack(extraPages?: Record<string, ServedFile>): Promise<BrowserStack> {
  const started: Partial<BrowserStack> = {};
  try {
    started.srv = await startTestServer();
    started.pages = await startPageServer(extraPages);
    started.browser = await launchChromium();
    return started as BrowserStack;
  } catch (error) {
    await closeBrowserStack(started);
    throw error;
  }
}

/** Closes whatever of the three is there, browser first. */
export async function closeBrowserStack({ srv, pages, browser }: Partial<BrowserStack>): Promise<void> {
  await browser?.close();
  await pages?.close();
  await srv?.close();
}

export function pageErrors(page: Page): string[] {
  return pageErrorLog.get(page) ?? [];
}

/** From now on, keeps the page's console errors and uncaught exceptions for pageErrors() (and prints them). */
export function recordErrors(page: Page, label = 'page'): void {
  const errors: string[] = [];
  pageErrorLog.set(page, errors);
  const record = (text: string): void => {
    errors.push(text);
    process.stderr.write(`[${label}] ${text}\n`);
  };
  page.on('console', (msg) => {
    if (msg.type() === 'error') record(msg.text());
  });
  page.on('pageerror', (err) => record(`uncaught: ${err.stack ?? err.message}`));
}

/**
 * Open `pageUrl` in a fresh context (isolated storage/permissions per page) and
 * load the official twilio-video bundle into it. Close with `page.context().close()`
 * (or just close the browser).
 */
export async function openTwilioPage(browser: Browser, pageUrl: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  recordErrors(page);

  await page.goto(pageUrl);
  // Relative src resolves against the page, i.e. our startPageServer().
  await page.addScriptTag({ url: '/twilio-video.min.js' });
  await page.waitForFunction(() => typeof window.Twilio?.Video?.connect === 'function');
  return page;
}
