/**
 * Driving Plaza Meet (apps/meet) in Chromium as a user does: the keyboard for the join form, the
 * mouse on the whiteboard, buttons by their accessible names. What the page shows is read back
 * from `window.__plazaMeet` (apps/meet/src/testApi.ts) and the DOM.
 * (Page code here has no named functions, not even `const f = () => ...`: tsx's esbuild would wrap
 * them in a __name helper the page lacks.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import type {} from '../../apps/meet/src/testApi.js'; // window.__plazaMeet's type
import { recordErrors } from './harness.js';

/** Where the Meet tests save their screenshots (test-results/ is not committed). */
export const SCREENSHOT_DIR = path.resolve('test-results', 'meet');

/**
 * Builds the app from its sources into apps/meet/dist, where the server serves it from: the test
 * sees the current code even if the last `npm install` / `npm run build` is older.
 */
export function buildMeet(): void {
  execFileSync('npm', ['run', '--silent', 'build', '-w', '@plaza/meet', '--', '--logLevel', 'warn'], { stdio: 'inherit' });
}

export interface OpenOptions extends BrowserContextOptions {
  /** Makes getUserMedia fail as when the user denies camera and microphone. */
  denyDevices?: boolean;
}

/** Opens the app in a fresh browser context (its own storage, its own devices), recording errors. */
export async function openMeet(browser: Browser, url: string, label: string, options: OpenOptions = {}): Promise<Page> {
  const { denyDevices, ...contextOptions } = options;
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  recordErrors(page, label);
  if (denyDevices) {
    // Chromium runs with --use-fake-ui-for-media-stream (every prompt accepted): refuse here instead.
    await page.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
  }
  await page.goto(url);
  return page;
}

/** Fills in the join form with the keyboard only and waits until the call screen is up. */
export async function joinByKeyboard(page: Page, identity: string, room: string): Promise<void> {
  // The name field has the focus when the form appears.
  await page.waitForFunction(() => document.activeElement?.id === 'identity');
  await page.keyboard.type(identity);
  await page.keyboard.press('Tab');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(room);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.__plazaMeet.screen() === 'call', null, { timeout: 30_000 });
}

/** Draws a stroke with real pointer events, between two points given as fractions of the board. */
export async function drawStroke(page: Page, from: [number, number], to: [number, number], steps = 12): Promise<void> {
  const board = page.getByTestId('whiteboard');
  await board.scrollIntoViewIfNeeded();
  const box = await board.boundingBox();
  if (!box) throw new Error('the whiteboard is not visible');
  const at = (f: number): [number, number] => [
    box.x + (from[0] + (to[0] - from[0]) * f) * box.width,
    box.y + (from[1] + (to[1] - from[1]) * f) * box.height,
  ];
  await page.mouse.move(...at(0));
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) await page.mouse.move(...at(i / steps));
  await page.mouse.up();
}

/** Form controls and buttons that have no accessible name (should be none). */
export function unlabeledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, input, select, textarea, [role="tab"]')]
      .filter((el) => !el.closest('[hidden]'))
      .filter((el) => {
        const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        return !labelled && !(el.textContent ?? '').trim();
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

/** Saves a screenshot under SCREENSHOT_DIR and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
