import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage, MAX_POINTS_PER_MESSAGE, parseMessage } from './protocol.js';

test('a stroke survives encode and parse, with coordinates rounded to four decimals', () => {
  const text = encodeMessage({ type: 'stroke', id: 'a-1', color: '#e63946', width: 4, start: 3, points: [[0.123456, 0.5], [1, 0]] });
  assert.equal(text, '{"type":"stroke","id":"a-1","color":"#e63946","width":4,"start":3,"points":[[0.1235,0.5],[1,0]]}');
  assert.deepEqual(parseMessage(text), { type: 'stroke', id: 'a-1', color: '#e63946', width: 4, start: 3, points: [[0.1235, 0.5], [1, 0]] });
  assert.deepEqual(parseMessage(encodeMessage({ type: 'clear' })), { type: 'clear' });
});

test('what another SDK may send: start defaults to 0, colours are case-insensitive, points off the board are clamped', () => {
  assert.deepEqual(parseMessage('{"type":"stroke","id":"x","color":"#ABCDEF","width":2.5,"points":[[-0.1,1.2]]}'), {
    type: 'stroke',
    id: 'x',
    color: '#abcdef',
    width: 2.5,
    start: 0,
    points: [[0, 1]],
  });
});

test('anything else is rejected', () => {
  const stroke = { type: 'stroke', id: 'x', color: '#000000', width: 4, points: [[0, 0]] };
  const bad: unknown[] = [
    new ArrayBuffer(4), // binary: another app's data
    'not json',
    'null',
    '[]',
    '{"type":"erase"}',
    JSON.stringify({ ...stroke, id: '' }),
    JSON.stringify({ ...stroke, id: 'x'.repeat(65) }),
    JSON.stringify({ ...stroke, color: 'red' }),
    JSON.stringify({ ...stroke, color: '#12345' }),
    JSON.stringify({ ...stroke, width: 0 }),
    JSON.stringify({ ...stroke, width: 51 }),
    JSON.stringify({ ...stroke, width: '4' }),
    JSON.stringify({ ...stroke, start: -1 }),
    JSON.stringify({ ...stroke, start: 1.5 }),
    JSON.stringify({ ...stroke, points: [] }),
    JSON.stringify({ ...stroke, points: [[0]] }),
    JSON.stringify({ ...stroke, points: [[0, '1']] }),
    JSON.stringify({ ...stroke, points: 'nope' }),
    JSON.stringify({ ...stroke, points: Array.from({ length: MAX_POINTS_PER_MESSAGE + 1 }, () => [0, 0]) }),
    '{"type":"stroke","id":"x","color":"#000000","width":4,"points":[[1e999,0]]}',
  ];
  for (const data of bad) assert.equal(parseMessage(data), null, String(data));
});
