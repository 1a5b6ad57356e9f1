import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { pino } from 'pino';
import { TcmpConnection } from './TcmpConnection.js';

/** Just what TcmpConnection uses of a ws WebSocket. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  sent: string[] = [];
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
}

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('a frame that arrives after the connection closed arms no timer (nothing keeps the process alive)', () => {
  const socket = new FakeSocket();
  const before = timers();
  const connection = new TcmpConnection(socket as unknown as WebSocket, { heartbeatTimeoutMs: 5000, log: pino({ level: 'silent' }) });
  assert.equal(timers(), before + 1); // the receive timer of a live connection
  connection.terminate();
  assert.equal(timers(), before);
  socket.emit('message', Buffer.from(JSON.stringify({ type: 'heartbeat' })), false);
  assert.equal(timers(), before);
  assert.deepEqual(socket.sent, []);
});
