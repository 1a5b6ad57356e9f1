/**
 * connect() never hangs: bad arguments, a silent server, a server `error`, a dead URL. The server is
 * a scripted WebSocket on a real socket (the real server is exercised by the end-to-end tests).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCode } from '@plaza/protocol';
import { connect } from './connect.js';
import { TwilioError } from './errors.js';
import { LocalDataTrack } from './LocalDataTrack.js';

let wss: WebSocketServer;
let url: string;
let script: (ws: WebSocket) => void = () => {};

before(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/signaling`;
  wss.on('connection', (ws) => script(ws));
});

after(async () => {
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
});

describe('connect()', () => {
  it('rejects bad arguments', async () => {
    await assert.rejects(connect('', { wsServer: url }), TypeError);
    await assert.rejects(connect('t', { wsServer: 'http://x' }), TypeError);
    await assert.rejects(connect('t', { wsServer: url, tracks: [{} as LocalDataTrack] }), TypeError);
  });

  it('times out with 53002 when the server never answers', async () => {
    script = () => {}; // accept and stay silent
    const started = Date.now();
    await assert.rejects(
      connect('t', { wsServer: url, connectTimeout: 300, logLevel: 'off' }),
      (error: unknown) => error instanceof TwilioError && error.code === ErrorCode.SignalingConnectionTimeout,
    );
    assert.ok(Date.now() - started < 2000);
  });

  it("rejects with the server's error code", async () => {
    script = (ws) =>
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string };
        if (frame.type !== 'hello') return;
        ws.send(JSON.stringify({ type: 'welcome', negotiatedTimeout: 5000 }));
        ws.send(JSON.stringify({ type: 'msg', body: { type: 'error', code: 53205, message: 'Duplicate identity' } }));
      });
    await assert.rejects(
      connect('t', { wsServer: url, tracks: [new LocalDataTrack()], logLevel: 'off' }),
      (error: unknown) => error instanceof TwilioError && error.code === ErrorCode.ParticipantDuplicateIdentity,
    );
  });

  it('rejects with 53000 when nothing listens', async () => {
    const dead = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => dead.once('listening', () => resolve()));
    const deadUrl = `ws://127.0.0.1:${(dead.address() as { port: number }).port}/signaling`;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    await assert.rejects(
      connect('t', { wsServer: deadUrl, logLevel: 'off' }),
      (error: unknown) => error instanceof TwilioError && error.code === ErrorCode.SignalingConnectionError,
    );
  });
});
