/**
 * The envelope of a DataChannel session message (DATA-CHANNELS.md §2–4), between @plaza/client and
 * the server. Only clients that negotiated it ever see one: the official SDK receives bare payloads.
 *
 * Every message routes itself, so a recipient change (setParticipants) needs no control message
 * that could race or be lost on a lossy channel: the sender lists the recipients' room indexes
 * (small numbers the server gives each participant) in each message, and the server forwards it to
 * exactly those (none listed = everyone).
 *
 * ```
 * | 0x50 'P' | version 1 | flags | recipient count n | sequence u32 | n × recipient index u16 |
 * | [previous u32, flag Previous] | [total u32, first of several fragments] | payload |
 * ```
 * Big-endian. `sequence` is the sender's per-session u32, assigned at send time (a receiver sees
 * gaps when the recipients change). Server -> receiver envelopes carry no recipient list (the
 * recipients are nobody else's business).
 *
 * Flags:
 *  - FragmentStart / FragmentEnd: a message in one piece has both. A durable message larger than the
 *    channel takes travels as fragments with the message's sequence number, in order; the first
 *    (Start without End) carries the whole message's length (`total`), for progress and limits.
 *  - ReceiptRequested (sender -> server -> Plaza receiver): answer with a Receipt once the whole
 *    message was given to the app.
 *  - Previous (server -> receiver, lossy sessions): `previous` is the sequence number of the last
 *    message of this session the server addressed to this receiver (or the last one before a hole
 *    upstream), so a receiver tells a loss from a message that was not for it.
 *  - Replayed (server -> receiver): a retained message replayed to a subscriber that came late.
 *  - Control: not a message but a notice; payload[0] is its ControlKind (see encodeControl).
 * Unknown flags are carried, not interpreted.
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
  /** The sender wants a Receipt from each Plaza recipient. */
  ReceiptRequested: 0x04,
  /** `previous` is present (server -> receiver). */
  Previous: 0x08,
  /** Replayed from the session's retention to a late subscriber (server -> receiver). */
  Replayed: 0x10,
  /** A control notice, not a message: payload[0] is a ControlKind. */
  Control: 0x80,
} as const;

/** Both fragment flags: a message in one piece. */
export const WHOLE_MESSAGE = EnvelopeFlag.FragmentStart | EnvelopeFlag.FragmentEnd;

/** The largest message (reassembled) any party accepts: 64 MiB. Servers may configure less. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Messages a session may retain for late subscribers (1 = last value). */
export const MAX_RETAINED_MESSAGES = 64;

export interface Envelope {
  flags: number;
  sequence: number;
  /** Room indexes of the recipients; empty = everyone in the room. */
  recipients: readonly number[];
  /** With flag Previous: see EnvelopeFlag.Previous. */
  previous?: number;
  /** On a first fragment (FragmentStart without FragmentEnd): the whole message's length. */
  total?: number;
  payload: Uint8Array;
}

export type EnvelopeError = 'too-short' | 'not-an-envelope' | 'unknown-version' | 'too-many-recipients' | 'truncated';

/** A first fragment of several: carries `total`. */
export function isFirstFragment(flags: number): boolean {
  return (flags & WHOLE_MESSAGE) === EnvelopeFlag.FragmentStart;
}

/** Sender -> server: the envelope with its recipient list. Throws RangeError on values out of range. */
export function encodeEnvelope(e: Envelope): Uint8Array {
  if (e.recipients.length > MAX_RECIPIENTS) throw new RangeError(`at most ${MAX_RECIPIENTS} recipients`);
  assertU32(e.sequence, 'sequence');
  const hasPrevious = (e.flags & EnvelopeFlag.Previous) !== 0;
  const hasTotal = isFirstFragment(e.flags);
  if (hasPrevious) assertU32(e.previous, 'previous');
  if (hasTotal) assertU32(e.total, 'total');
  const payloadAt = ENVELOPE_HEADER_BYTES + 2 * e.recipients.length + (hasPrevious ? 4 : 0) + (hasTotal ? 4 : 0);
  const out = new Uint8Array(payloadAt + e.payload.length);
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
  let at = ENVELOPE_HEADER_BYTES + 2 * e.recipients.length;
  if (hasPrevious) {
    view.setUint32(at, e.previous as number);
    at += 4;
  }
  if (hasTotal) view.setUint32(at, e.total as number);
  out.set(e.payload, payloadAt);
  return out;
}

function assertU32(value: number | undefined, name: string): void {
  if (value === undefined || !Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`${name} must be a u32`);
}

/** Bytes an envelope adds to its payload. */
export function envelopeOverhead(recipients: number, flags: number): number {
  return ENVELOPE_HEADER_BYTES + 2 * recipients + ((flags & EnvelopeFlag.Previous) !== 0 ? 4 : 0) + (isFirstFragment(flags) ? 4 : 0);
}

/** Parses an envelope (either direction); never throws on network input. The payload is a view, not a copy. */
export function decodeEnvelope(bytes: Uint8Array): Envelope | EnvelopeError {
  if (bytes.length < ENVELOPE_HEADER_BYTES) return 'too-short';
  if (bytes[0] !== ENVELOPE_MAGIC) return 'not-an-envelope';
  if (bytes[1] !== ENVELOPE_VERSION) return 'unknown-version';
  const count = bytes[3]!;
  if (count > MAX_RECIPIENTS) return 'too-many-recipients';
  const flags = bytes[2]!;
  const payloadAt = envelopeOverhead(count, flags);
  if (bytes.length < payloadAt) return 'truncated';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const recipients: number[] = [];
  for (let i = 0; i < count; i++) recipients.push(view.getUint16(ENVELOPE_HEADER_BYTES + 2 * i));
  const envelope: Envelope = { flags, sequence: view.getUint32(4), recipients, payload: bytes.subarray(payloadAt) };
  let at = ENVELOPE_HEADER_BYTES + 2 * count;
  if ((flags & EnvelopeFlag.Previous) !== 0) {
    envelope.previous = view.getUint32(at);
    at += 4;
  }
  if (isFirstFragment(flags)) envelope.total = view.getUint32(at);
  return envelope;
}

/**
 * Server -> receiver: the same message without its recipient list, written into a new buffer. The
 * server calls it once per message (not per recipient): every receiver gets the same bytes.
 */
export function forReceivers(e: Envelope, extra: { previous?: number; replayed?: boolean } = {}): Uint8Array {
  let flags = e.flags & ~EnvelopeFlag.Previous;
  if (extra.previous !== undefined) flags |= EnvelopeFlag.Previous;
  if (extra.replayed) flags |= EnvelopeFlag.Replayed;
  return encodeEnvelope({ ...e, flags, recipients: [], previous: extra.previous });
}

/** Whether `index` is among the recipients of `e` (none listed = everyone). */
export function isRecipient(e: Pick<Envelope, 'recipients'>, index: number): boolean {
  return e.recipients.length === 0 || e.recipients.includes(index);
}

/** What a Control notice says. */
export const ControlKind = {
  /**
   * receiver -> server: "message `sequence` reached my app" (no recipients).
   * server -> sender: the same, with `recipients` = [the receiver's room index].
   */
  Receipt: 1,
  /**
   * server -> sender, for a message with ReceiptRequested: whom the server forwarded it to.
   * `confirming` will answer with receipts (Plaza clients), `unconfirming` cannot (official SDK).
   */
  Routed: 2,
  /** server -> sender: message `sequence` was refused; `code` is the Twilio-style error code. */
  Rejected: 3,
  /**
   * sender -> server: "I close the session; nothing follows" (in band, after the last message).
   * server -> sender: the same, once everything before it was routed: the sender may unpublish
   * without a message still in flight being cut off by the unpublish overtaking it on signaling.
   */
  End: 4,
  /**
   * server -> sender (durable sessions): a recipient's queue in the server is long; hold further
   * messages until Resume. End-to-end backpressure: without it a sender on a fast uplink outruns a
   * slower recipient until the server has to drop that recipient.
   */
  Pause: 5,
  /** server -> sender: the recipients caught up; send again. */
  Resume: 6,
  /**
   * server -> sender (durable sessions): `sequence` holds the bytes received on this channel so far,
   * mod 2^32. The sender keeps at most a window of bytes beyond it in flight: what sits in SCTP
   * buffers is invisible to bufferedAmount, and without a window megabytes would be on their way
   * before a Pause could act.
   * receiver -> server (upstream, any subscription): the bytes received on the subscription so far
   * (mod 2^32, every channel it had); the server may forget what it sent up to there (Rewind).
   */
  Received: 7,
  /**
   * After a transport replacement (a new peer connection: Plaza's ICE restart), the first notice on
   * a durable session's new channel, `sequence` = the bytes of this session received so far (mod
   * 2^32, counted as for Received). server -> sender: send again everything after that byte;
   * receiver -> server: the same, for the subscription. What was in flight on the dead transport is
   * sent again, exactly once, in order.
   */
  Rewind: 8,
} as const;

export type Control =
  | { kind: typeof ControlKind.Receipt; sequence: number; from: number | null }
  | { kind: typeof ControlKind.Routed; sequence: number; confirming: number[]; unconfirming: number[] }
  | { kind: typeof ControlKind.Rejected; sequence: number; code: number }
  | { kind: typeof ControlKind.End | typeof ControlKind.Pause | typeof ControlKind.Resume | typeof ControlKind.Received | typeof ControlKind.Rewind; sequence: number };

/**
 * A control notice as an envelope. Routed payload: | kind | u16 n | n × u16 confirming | u16 × unconfirming |.
 * Rejected payload: | kind | u16 code |. Receipt payload: | kind |; `from` travels as the one recipient.
 */
export function encodeControl(control: Control): Uint8Array {
  const base = { flags: EnvelopeFlag.Control | WHOLE_MESSAGE, sequence: control.sequence };
  switch (control.kind) {
    case ControlKind.Receipt:
      return encodeEnvelope({ ...base, recipients: control.from === null ? [] : [control.from], payload: Uint8Array.of(control.kind) });
    case ControlKind.End:
    case ControlKind.Pause:
    case ControlKind.Resume:
    case ControlKind.Received:
    case ControlKind.Rewind:
      return encodeEnvelope({ ...base, recipients: [], payload: Uint8Array.of(control.kind) });
    case ControlKind.Routed: {
      const indexes = [...control.confirming, ...control.unconfirming];
      const payload = new Uint8Array(3 + 2 * indexes.length);
      const view = new DataView(payload.buffer);
      payload[0] = control.kind;
      view.setUint16(1, control.confirming.length);
      indexes.forEach((index, i) => view.setUint16(3 + 2 * i, index));
      return encodeEnvelope({ ...base, recipients: [], payload });
    }
    case ControlKind.Rejected: {
      const payload = new Uint8Array(3);
      payload[0] = control.kind;
      new DataView(payload.buffer).setUint16(1, control.code);
      return encodeEnvelope({ ...base, recipients: [], payload });
    }
  }
}

/** The notice an envelope with flag Control carries, or null if malformed or of an unknown kind. */
export function decodeControl(e: Envelope): Control | null {
  if ((e.flags & EnvelopeFlag.Control) === 0 || e.payload.length < 1) return null;
  const view = new DataView(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength);
  switch (e.payload[0]) {
    case ControlKind.Receipt:
      return { kind: ControlKind.Receipt, sequence: e.sequence, from: e.recipients[0] ?? null };
    case ControlKind.Routed: {
      if (e.payload.length < 3 || (e.payload.length - 3) % 2 !== 0) return null;
      const confirmingCount = view.getUint16(1);
      const indexes: number[] = [];
      for (let at = 3; at < e.payload.length; at += 2) indexes.push(view.getUint16(at));
      if (confirmingCount > indexes.length) return null;
      return { kind: ControlKind.Routed, sequence: e.sequence, confirming: indexes.slice(0, confirmingCount), unconfirming: indexes.slice(confirmingCount) };
    }
    case ControlKind.Rejected:
      if (e.payload.length < 3) return null;
      return { kind: ControlKind.Rejected, sequence: e.sequence, code: view.getUint16(1) };
    case ControlKind.End:
    case ControlKind.Pause:
    case ControlKind.Resume:
    case ControlKind.Received:
    case ControlKind.Rewind:
      return { kind: e.payload[0], sequence: e.sequence };
    default:
      return null;
  }
}
