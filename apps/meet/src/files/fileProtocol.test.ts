import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decodeHeader, encodeHeader, safeFileName, sha256Hex } from './fileProtocol.js';

const HASH = 'a'.repeat(64);

test("headers are examples/file-share's", () => {
  const bytes = encodeHeader('photo.jpg', 1234, HASH);
  assert.equal(new TextDecoder().decode(bytes), `{"type":"plaza-file-share/1","name":"photo.jpg","size":1234,"sha256":"${HASH}"}`);
  assert.deepEqual(decodeHeader(bytes), { type: 'plaza-file-share/1', name: 'photo.jpg', size: 1234, sha256: HASH });
});

test('a header is checked, and its name made safe for a download', () => {
  const header = (o: object) => new TextEncoder().encode(JSON.stringify({ type: 'plaza-file-share/1', name: 'a', size: 1, sha256: HASH, ...o }));
  assert.equal(decodeHeader(header({ type: 'other' })), null);
  assert.equal(decodeHeader(header({ size: -1 })), null);
  assert.equal(decodeHeader(header({ size: 1.5 })), null);
  assert.equal(decodeHeader(header({ sha256: 'XYZ' })), null);
  assert.equal(decodeHeader(header({ name: '' })), null);
  assert.equal(decodeHeader(new Uint8Array([0xff, 0xfe])), null);
  assert.equal(decodeHeader(new Uint8Array(5000)), null, 'a body is not parsed as a header');
  assert.equal(decodeHeader(header({ name: '../../etc/passwd' }))?.name, 'passwd');
  assert.equal(safeFileName('C:\\Users\\x\\report.pdf'), 'report.pdf');
  assert.equal(safeFileName('\u0000\u0007'), 'file');
});

test('sha256Hex is the standard SHA-256', async () => {
  const data = new TextEncoder().encode('plaza');
  assert.equal(await sha256Hex(data), createHash('sha256').update(data).digest('hex'));
});
