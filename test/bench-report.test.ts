/**
 * The benchmark report's table (bench/suite/report.ts): ratios are Plaza against each peer server,
 * never against a reference column (the clients without a server), and the chart draws every column.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { toMarkdown, toSvg, type Report } from '../bench/suite/report.js';
import { summarize } from '../bench/suite/stats.js';

const report: Report = {
  command: 'npm run bench',
  machine: 'test machine',
  date: '2026-11-22',
  servers: ['Plaza', 'Janus'],
  references: ['Clients only'],
  notes: ['Clients only: no server.'],
  rows: [
    { measure: 'max rate, 1 -> 1', unit: 'msg/s', better: 'higher', fanout: 1, series: 'max-rate', results: { Plaza: summarize([20_000, 18_000, 22_000]), Janus: summarize([10_000]), 'Clients only': summarize([26_000]) } },
    { measure: 'max rate, 1 -> 4', unit: 'msg/s', better: 'higher', fanout: 4, series: 'max-rate', results: { Plaza: summarize([9_000]), Janus: summarize([6_000]) } },
  ],
};

test('the table has a column per server and reference, and a ratio per peer server only', () => {
  const lines = toMarkdown(report).split('\n');
  assert.ok(lines.includes('Clients only: no server.'), 'the notes are printed');
  const header = lines.find((l) => l.startsWith('| measure'));
  assert.equal(header, '| measure | unit | Plaza | Janus | Clients only | Plaza / Janus |');
  const oneToOne = lines.find((l) => l.startsWith('| max rate, 1 -> 1 '));
  assert.equal(oneToOne, '| max rate, 1 -> 1 | msg/s | 20000 (18000–22000) | 10000 (10000–10000) | 26000 (26000–26000) | 2.00× |');
  const oneToFour = lines.find((l) => l.startsWith('| max rate, 1 -> 4 '));
  assert.equal(oneToFour, '| max rate, 1 -> 4 | msg/s | 9000 (9000–9000) | 6000 (6000–6000) | — | 1.50× |', 'a reference without a value shows a dash');
});

test('the chart draws every column, a reference measured at one fan-out as a marker', () => {
  const svg = toSvg(report);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 3);
  // Plaza and Janus at 1 and 4 subscribers, the reference at 1 only.
  assert.equal((svg.match(/<circle /g) ?? []).length, 5);
});
