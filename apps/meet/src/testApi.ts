/**
 * `window.__plazaMeet`: what the browser tests (test/browser/meet*.test.ts) read, the same state
 * the page shows. Plain data only (it crosses into the test via page.evaluate). Harmless in
 * production: it exposes what the user sees anyway.
 */
import type { CallSession } from './call/CallSession.js';
import { CHAT_CHANNEL_ID } from './chat/ChatChannel.js';
import { FILE_CHANNEL_ID } from './files/fileProtocol.js';
import type { Point } from './whiteboard/protocol.js';

export interface PlazaMeetTestApi {
  /** 'call' while in a call. */
  screen(): 'join' | 'call';
  identity(): string | null;
  strokes(): Array<{ id: string; author: string; color: string; width: number; points: Point[] }>;
  chat(): Array<{ from: string; text: string; self: boolean }>;
  receivedFiles(): Array<{ name: string; size: number; from: string; status: string; sha256: string | null; receivedBytes: number }>;
  sentFiles(): Array<{ name: string; size: number; status: string; sentBytes: number; receivedBy: string[]; error: string | null }>;
  /** The grid as rendered: a tile per participant, with its <video>'s decoded size. */
  tiles(): Array<{ identity: string; local: boolean; camera: string; microphone: string; videoWidth: number; videoHeight: number }>;
  /** Identities whose chat and file sessions we receive (they reach us from then on). */
  sessionsFrom(): { chat: string[]; files: string[] };
}

declare global {
  interface Window {
    __plazaMeet: PlazaMeetTestApi;
  }
}

let session: CallSession | null = null;

export function setTestSession(current: CallSession | null): void {
  session = current;
}

export function installTestApi(): void {
  window.__plazaMeet = {
    screen: () => (session ? 'call' : 'join'),
    identity: () => session?.identity ?? null,
    strokes: () => session?.whiteboard.model.strokes().map((s) => ({ ...s, points: s.points.map(([x, y]) => [x, y] as Point) })) ?? [],
    chat: () => session?.chat.entries.map(({ from, text, self }) => ({ from, text, self })) ?? [],
    receivedFiles: () =>
      session?.files.incoming.map(({ name, size, from, status, sha256, receivedBytes }) => ({ name, size, from, status, sha256, receivedBytes })) ?? [],
    sentFiles: () =>
      session?.files.outgoing.map(({ name, size, status, sentBytes, receivedBy, error }) => ({ name, size, status, sentBytes, receivedBy: [...receivedBy], error })) ?? [],
    tiles: () =>
      [...document.querySelectorAll<HTMLElement>('[data-testid="tile"]')].map((tile) => {
        const video = tile.querySelector('video');
        return {
          identity: tile.dataset.identity ?? '',
          local: tile.dataset.local === 'true',
          camera: tile.dataset.camera ?? '',
          microphone: tile.dataset.microphone ?? '',
          videoWidth: video?.videoWidth ?? 0,
          videoHeight: video?.videoHeight ?? 0,
        };
      }),
    sessionsFrom: () => {
      const receivers = session?.room.dataChannel.receivers ?? [];
      const from = (channelId: number) => receivers.filter((r) => r.channelId === channelId).map((r) => r.senderParticipant.identity);
      return { chat: from(CHAT_CHANNEL_ID), files: from(FILE_CHANNEL_ID) };
    },
  };
}
