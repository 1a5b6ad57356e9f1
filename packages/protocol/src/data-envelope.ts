/**
 * The envelope of a DataChannel session message (DATA-CHANNELS.md §2–4), between @plaza/client and
 * the server. Only clients that negotiated it ever see one: the official SDK receives bare payloads.
 *
 * Every message routes itself, so a recipient change (setParticipants) needs no control message
 * that could race or be lost on a lossy channel: the sender lists the recipients' room indexes
 * (small numbers the server gives each participant) in each message, and the server forwards it to
 * exactly those (none listed = everyone).
 *
 * Sender -> server:
 * ```
 * | 0x50 'P' | version 1 | flags | recipient count n | sequence u32 | n × recipient index u16 | payload |
 * ```
 * Server -> receiver (the recipients are nobody else's business):
 * ```
 * | 0x50 'P' | version 1 | flags | 0 | sequence u32 | payload |
 * ```
 * Big-endian. `sequence` is the sender's per-session u32, assigned at send time (a receiver sees
 * gaps when the recipients change). Flags mark fragments of one large message (all fragments share
 * its sequence number) and are reserved for receipts; unknown flags are carried, not interpreted.
 */

export const ENVELOPE_MAGIC = 0x50;
export const ENVELOPE_VERSION = 1;
export const ENVELOPE_HEADER_BYTES = 8;
/** Recipients one message may name (ACS publishes 64). */
export const MAX_RECIPIENTS = 64;

export const EnvelopeFlag = {
  /** First fragment of a message split to fit the channel's message size. */
  FragmentStart: 0x01,
  /** Last fragment (a message in one piece has both flags). */
  FragmentEnd: 0x02,
} as const;

export interface Envelope {
  flags: number;
  sequence: number;
  /** Room indexes of the recipients; empty = everyone in the room. */
  recipients: readonly number[];
  payload: Uint8Array;
}

export type EnvelopeError = 'too-short' | 'not-an-envelope' | 'unknown-version' | 'too-many-recipients' | 'truncated';

/** Sender -> server: the envelope with its recipient list. Throws RangeError on values out of range. */
export function encodeEnvelope(e: Envelope): Uint8Array {
  if (e.recipients.length > MAX_RECIPIENTS) throw new RangeError(`at most ${MAX_RECIPIENTS} recipients`);
  if (!Number.isInteger(e.sequence) || e.sequence < 0 || e.sequence > 0xffffffff) throw new RangeError('sequence must be a u32');
  const out = new Uint8Array(ENVELOPE_HEADER_BYTES + 2 * e.recipients.length + e.payload.length);
  const view = new DataView(out.buffer);
  out[0] = ENVELOPE_MAGIC;
  out[1] = ENVELOPE_VERSION;
  out[2] = e.flags & 0xff;
  out[3] = e.recipients.length;
  view.setUint32(4, e.sequence);
  e.recipients.forEach((index, i) => {
    if (!Number.isInteger(index) || index < 0 || index > 0xffff) throw new RangeError('a recipient index is a u16');
    view.setUint16(ENVELOPE_HEADER_BYTES + 2 * i, index);
  });
  out.set(e.payload, ENVELOPE_HEADER_BYTES + 2 * e.recipients.length);
  return out;
}

/** Parses an envelope (either direction); never throws on network input. The payload is a view, not a copy. */
export function decodeEnvelope(bytes: Uint8Array): Envelope | EnvelopeError {
  if (bytes.length < ENVELOPE_HEADER_BYTES) return 'too-short';
  if (bytes[0] !== ENVELOPE_MAGIC) return 'not-an-envelope';
  if (bytes[1] !== ENVELOPE_VERSION) return 'unknown-version';
  const count = bytes[3]!;
  if (count > MAX_RECIPIENTS) return 'too-many-recipients';
  const payloadAt = ENVELOPE_HEADER_BYTES + 2 * count;
  if (bytes.length < payloadAt) return 'truncated';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const recipients: number[] = [];
  for (let i = 0; i < count; i++) recipients.push(view.getUint16(ENVELOPE_HEADER_BYTES + 2 * i));
  return { flags: bytes[2]!, sequence: view.getUint32(4), recipients, payload: bytes.subarray(payloadAt) };
}

/**
 * Server -> receiver: the same message without its recipient list, written into a new buffer. The
 * server calls it once per message (not per recipient): every receiver gets the same bytes.
 */
export function forReceivers(e: Envelope): Uint8Array {
  return encodeEnvelope({ ...e, recipients: [] });
}

/** Whether `index` is among the recipients of `e` (none listed = everyone). */
export function isRecipient(e: Pick<Envelope, 'recipients'>, index: number): boolean {
  return e.recipients.length === 0 || e.recipients.includes(index);
}
