import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_POINTS_PER_MESSAGE, type StrokeMessage } from './protocol.js';
import { StrokeModel } from './StrokeModel.js';

const stroke = (id: string, start: number, points: Array<[number, number]>): StrokeMessage => ({ type: 'stroke', id, color: '#e63946', width: 4, start, points });

test('segments of a stroke build it up; the same segment again changes nothing', () => {
  const model = new StrokeModel();
  assert.equal(model.apply(stroke('s', 0, [[0, 0], [0.1, 0.1]]), 'alice'), true);
  assert.equal(model.apply(stroke('s', 2, [[0.2, 0.2]]), 'alice'), true);
  assert.equal(model.apply(stroke('s', 0, [[0, 0], [0.1, 0.1]]), 'alice'), false, 'a repeat is harmless');
  assert.deepEqual(model.strokes(), [{ id: 's', author: 'alice', color: '#e63946', width: 4, points: [[0, 0], [0.1, 0.1], [0.2, 0.2]] }]);
});

test('a stroke belongs to who started it; clear empties the board', () => {
  const model = new StrokeModel();
  model.apply(stroke('s', 0, [[0, 0]]), 'alice');
  assert.equal(model.apply(stroke('s', 1, [[1, 1]]), 'mallory'), false);
  assert.equal(model.get('s')!.points.length, 1);
  model.apply(stroke('t', 0, [[0.5, 0.5]]), 'bob');
  assert.deepEqual(model.strokes().map((s) => s.id), ['s', 't']);
  assert.equal(model.apply({ type: 'clear' }, 'bob'), true);
  assert.equal(model.size, 0);
  assert.equal(model.apply({ type: 'clear' }, 'bob'), false);
});

test('a segment that starts past the end continues the line', () => {
  const model = new StrokeModel();
  model.apply(stroke('s', 0, [[0, 0]]), 'alice');
  model.apply(stroke('s', 5, [[1, 1]]), 'alice');
  assert.deepEqual(model.get('s')!.points, [[0, 0], [1, 1]]);
});

test('messagesFor cuts a long stroke into messages that rebuild it', () => {
  const points = Array.from({ length: MAX_POINTS_PER_MESSAGE * 2 + 7 }, (_, i) => [i / 2000, 0.5] as [number, number]);
  const model = new StrokeModel();
  model.apply(stroke('long', 0, points.slice(0, 1)), 'alice');
  for (let i = 1; i < points.length; i++) model.apply(stroke('long', i, [points[i]!]), 'alice');
  const messages = StrokeModel.messagesFor(model.get('long')!);
  assert.deepEqual(messages.map((m) => [m.start, m.points.length]), [[0, 500], [500, 500], [1000, 7]]);
  const copy = new StrokeModel();
  for (const m of messages) copy.apply(m, 'alice');
  assert.deepEqual(copy.strokes(), model.strokes());
});
