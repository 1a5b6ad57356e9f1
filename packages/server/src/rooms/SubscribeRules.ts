/**
 * Twilio's subscribe-rule evaluation (REST-API.md "SubscribeRules"): start from the empty set,
 * apply rules in order as union (include) or difference (exclude); a rule's filters are AND-ed;
 * a participant's own tracks never match. Pure: the room re-evaluates on every change.
 */
import type { SubscribeRule, TrackKind } from '@plaza/protocol';

export interface RuleTarget {
  publisherSid: string;
  publisherIdentity: string;
  trackSid: string;
  trackName: string;
  kind: TrackKind;
  priority: string;
}

export const INCLUDE_ALL: readonly SubscribeRule[] = [{ type: 'include', all: true }];
export const EXCLUDE_ALL: readonly SubscribeRule[] = [{ type: 'exclude', all: true }];

function matches(rule: SubscribeRule, t: RuleTarget): boolean {
  if (rule.all) return true;
  if (rule.kind !== undefined && rule.kind !== t.kind) return false;
  if (rule.publisher !== undefined && rule.publisher !== t.publisherIdentity && rule.publisher !== t.publisherSid) return false;
  if (rule.track !== undefined && rule.track !== t.trackName && rule.track !== t.trackSid) return false;
  if (rule.priority !== undefined && rule.priority !== t.priority) return false;
  return true;
}

export function shouldSubscribe(rules: readonly SubscribeRule[], subscriberSid: string, target: RuleTarget): boolean {
  if (target.publisherSid === subscriberSid) return false;
  let included = false;
  for (const rule of rules) {
    if (matches(rule, target)) included = rule.type === 'include';
  }
  return included;
}

/** Returns a reason when the rule list is invalid (Twilio error 53215), else null. */
export function validateRules(rules: readonly SubscribeRule[]): string | null {
  if (rules.length > 20) return 'at most 20 rules';
  for (const rule of rules) {
    const filters = [rule.kind, rule.publisher, rule.track, rule.priority].filter((f) => f !== undefined);
    if (rule.all && filters.length > 0) return '"all" must stand alone';
    if (!rule.all && filters.length === 0) return 'a rule needs "all" or at least one filter';
  }
  return null;
}
