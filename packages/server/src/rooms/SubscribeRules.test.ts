import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shouldSubscribe, validateRules, INCLUDE_ALL, EXCLUDE_ALL, type RuleTarget } from './SubscribeRules.js';

const target: RuleTarget = {
  publisherSid: 'PA1',
  publisherIdentity: 'alice',
  trackSid: 'MT1',
  trackName: 'draw',
  kind: 'data',
  priority: 'standard',
};

test('include all subscribes to others, never to own tracks', () => {
  assert.equal(shouldSubscribe(INCLUDE_ALL, 'PA2', target), true);
  assert.equal(shouldSubscribe(INCLUDE_ALL, 'PA1', target), false);
  assert.equal(shouldSubscribe(EXCLUDE_ALL, 'PA2', target), false);
});

test('rules apply in order as union and difference', () => {
  const rules = [
    { type: 'include' as const, all: true },
    { type: 'exclude' as const, kind: 'data' as const },
    { type: 'include' as const, publisher: 'alice', track: 'draw' },
  ];
  assert.equal(shouldSubscribe(rules, 'PA2', target), true);
  assert.equal(shouldSubscribe(rules, 'PA2', { ...target, trackName: 'chat' }), false);
  assert.equal(shouldSubscribe(rules, 'PA2', { ...target, kind: 'audio' }), true);
});

test('filters are AND-ed and match identity or SID', () => {
  assert.equal(shouldSubscribe([{ type: 'include', publisher: 'PA1', kind: 'data' }], 'PA2', target), true);
  assert.equal(shouldSubscribe([{ type: 'include', publisher: 'bob', kind: 'data' }], 'PA2', target), false);
});

test('validation rejects mixed all and empty rules', () => {
  assert.match(validateRules([{ type: 'include', all: true, kind: 'data' }]) ?? '', /stand alone/);
  assert.match(validateRules([{ type: 'include' }]) ?? '', /at least one filter/);
  assert.equal(validateRules([{ type: 'exclude', track: 'x' }]), null);
});
