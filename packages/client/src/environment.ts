/**
 * What differs between browsers and Node: where WebSocket and RTCPeerConnection come from, and how
 * we describe ourselves in `connect.publisher`.
 *
 * - Browsers: the globals.
 * - Node 20 has neither global: `ws` and `node-datachannel/polyfill` (libdatachannel, the same engine
 *   as the server). Both are imported lazily and only when the global is missing, through a
 *   non-literal specifier so browser bundlers do not try to pull native code into a web build.
 */

/** The subset of the WebSocket API we use; satisfied by the browser's WebSocket and by `ws`. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly url: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

/** readyState values are fixed by the WebSocket spec (and used by `ws`). */
export const WS_OPEN = 1;
export const WS_CLOSING = 2;
export const WS_CLOSED = 3;

/** node-datachannel's module: what NativeMedia uses of it. */
export type NodeDataChannel = Pick<typeof import('node-datachannel'), 'PeerConnection' | 'Video' | 'Audio'>;

export type RTCPeerConnectionCtor = new (configuration?: RTCConfiguration) => RTCPeerConnection;

export interface Environment {
  createWebSocket: WebSocketFactory;
  RTCPeerConnection: RTCPeerConnectionCtor;
  /** true when running on node-datachannel's polyfill (see PeerConnectionV2 for its quirks). */
  isPolyfill: boolean;
  /** With the polyfill: node-datachannel itself, for audio/video (NativeMedia). */
  nodeDataChannel?: NodeDataChannel;
}

let cached: Promise<Environment> | undefined;

/** Resolves the platform's WebSocket and RTCPeerConnection once per process. */
export function loadEnvironment(): Promise<Environment> {
  cached ??= resolveEnvironment().catch((error: unknown) => {
    cached = undefined; // a failed optional import may be fixed by installing it; allow a retry
    throw error;
  });
  return cached;
}

async function resolveEnvironment(): Promise<Environment> {
  const g = globalThis as unknown as {
    WebSocket?: new (url: string) => WebSocketLike;
    RTCPeerConnection?: RTCPeerConnectionCtor;
  };
  let WebSocketCtor = g.WebSocket;
  if (!WebSocketCtor) {
    const ws = (await importOptional('ws')) as { default?: unknown; WebSocket?: unknown };
    WebSocketCtor = (ws.WebSocket ?? ws.default) as new (url: string) => WebSocketLike;
  }
  let PeerConnectionCtor = g.RTCPeerConnection;
  let isPolyfill = false;
  let nodeDataChannel: NodeDataChannel | undefined;
  if (!PeerConnectionCtor) {
    const polyfill = (await importOptional('node-datachannel/polyfill')) as {
      RTCPeerConnection: RTCPeerConnectionCtor;
    };
    PeerConnectionCtor = polyfill.RTCPeerConnection;
    isPolyfill = true;
    const native = (await importOptional('node-datachannel')) as { default?: NodeDataChannel } & NodeDataChannel;
    nodeDataChannel = native.default ?? native;
  }
  const Ctor = WebSocketCtor;
  const env: Environment = { createWebSocket: (url) => new Ctor(url), RTCPeerConnection: PeerConnectionCtor, isPolyfill };
  if (nodeDataChannel) env.nodeDataChannel = nodeDataChannel;
  return env;
}

async function importOptional(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
}

/** RFC 4122 v4 UUID: peer connection ids, LocalDataTrack ids and TCMP hello ids. */
export function makeUUID(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `publisher.user_agent` of the connect message (the SDK sends navigator.userAgent). */
export function userAgent(): string {
  const g = globalThis as unknown as {
    navigator?: { userAgent?: string };
    process?: { version?: string; platform?: string; versions?: { node?: string } };
  };
  if (g.process?.versions?.node) return `Node.js/${g.process.version ?? ''} (${g.process.platform ?? ''})`;
  return g.navigator?.userAgent ?? 'unknown';
}
