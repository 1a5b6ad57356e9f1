import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeChat, MAX_CHAT_TEXT } from './ChatChannel.js';

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

test('chat messages are {"type":"chat","text"}; anything else is ignored', () => {
  assert.equal(decodeChat(encode({ type: 'chat', text: '  hello  ' })), 'hello');
  assert.equal(decodeChat(encode({ type: 'chat', text: '' })), null);
  assert.equal(decodeChat(encode({ type: 'chat', text: 'x'.repeat(MAX_CHAT_TEXT + 1) })), null);
  assert.equal(decodeChat(encode({ type: 'note', text: 'hi' })), null);
  assert.equal(decodeChat(encode('hi')), null);
  assert.equal(decodeChat(new Uint8Array([0xff])), null);
});
