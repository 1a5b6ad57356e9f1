/**
 * The pure parts of DataChannel sessions (DataChannels.ts): channel ids, room indexes, and turning
 * a sender's participant list into the recipient indexes of an envelope.
 */
import { MAX_RECIPIENTS } from '@plaza/protocol';

export const MIN_CHANNEL_ID = 1;
export const MAX_CHANNEL_ID = 65535;

/** A channelId option: 0 (or absent) = "allocate one", else 1–65535. Throws RangeError. */
export function validateChannelId(channelId: unknown): number {
  if (channelId === undefined || channelId === null) return 0;
  if (typeof channelId !== 'number' || !Number.isInteger(channelId) || channelId < 0 || channelId > MAX_CHANNEL_ID) {
    throw new RangeError(`channelId must be an integer from ${MIN_CHANNEL_ID} to ${MAX_CHANNEL_ID} (or 0 to allocate one)`);
  }
  return channelId;
}

/** The lowest channel id not in `inUse`. Throws RangeError when all 65535 are taken. */
export function allocateChannelId(inUse: { has(id: number): boolean }): number {
  for (let id = MIN_CHANNEL_ID; id <= MAX_CHANNEL_ID; id++) if (!inUse.has(id)) return id;
  throw new RangeError('every channelId (1–65535) is in use by an open sender');
}

/** A room index from the server (`plaza_index`): a u16, else undefined. */
export function plazaIndexOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff ? value : undefined;
}

/**
 * Where a message goes:
 *  - `'everyone'`: the list is empty (the envelope names no recipient);
 *  - indexes: the room indexes of the named participants still known (deduplicated, in list order);
 *  - `'nobody'`: the list names someone but none of them has an index any more (they left, or the
 *    server gives none): the message must not be sent at all, above all not to everyone.
 * `indexOf` maps one entry of the list to its participant's room index, or undefined.
 */
export function resolveRecipients<T>(
  named: readonly T[],
  indexOf: (entry: T) => number | undefined,
): number[] | 'everyone' | 'nobody' {
  if (named.length === 0) return 'everyone';
  const indexes: number[] = [];
  const seen = new Set<number>();
  for (const entry of named) {
    const index = indexOf(entry);
    if (index === undefined || seen.has(index)) continue;
    seen.add(index);
    indexes.push(index);
  }
  if (indexes.length === 0) return 'nobody';
  if (indexes.length > MAX_RECIPIENTS) throw new RangeError(`at most ${MAX_RECIPIENTS} recipients`);
  return indexes;
}
