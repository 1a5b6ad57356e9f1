/**
 * Fans one published DataTrack out to its subscribers: every message that arrives on the
 * publisher's channel is sent on each subscriber's channel, string as string, binary as binary.
 *
 * Backpressure for DataTracks (the publisher is never stalled; one slow subscriber never delays the
 * others; durable sessions differ, see SenderFlow below):
 * - A leg sends straight through while its channel's bufferedAmount is under HIGH_WATER.
 * - Above it, a reliable track queues for that leg and drains on bufferedAmountLow. When a leg's
 *   queue passes `queueLimitBytes`, that one subscription is ended (`onOverflow`): delivering late
 *   is allowed, delivering with holes is not, and memory must stay bounded.
 * - An unreliable track (maxRetransmits / maxPacketLifeTime set) drops the message for that leg:
 *   its subscribers already accept loss, and stale messages are worth less than fresh ones.
 * - Before a leg's channel opens, messages queue (same bound), so a message sent right after
 *   publish reaches a subscriber whose channel is still opening.
 *
 * A DataChannel session (`session`: Plaza extension, DATA-CHANNELS.md §2, data-envelope.ts) is the
 * same relay with per-message routing: each message names its recipients by room index, and goes
 * to those legs only (none named = every leg). Plaza clients get it with the envelope (minus the
 * recipient list), the official SDK gets the bare payload: it never sees a byte it did not send.
 * Anything on a session channel that is not a well-formed envelope is dropped and counted, and so
 * is any Control envelope from the publisher but End (answered with End once everything before it
 * was routed, so a closing sender unpublishes only then). On close, each reliable leg delivers
 * what it still queues before its channel closes (bounded by LINGER_MS). On top of routing:
 * - Fragments: a durable message bigger than a channel takes comes as fragments (one sequence,
 *   FragmentStart with `total` ... FragmentEnd), each routed by its own recipient list and never
 *   reassembled here. Plaza clients reassemble; the official SDK cannot, so it only ever gets whole
 *   messages (`skippedFragments`). A leg that missed a message's first fragment (it subscribed
 *   meanwhile) gets none of the rest. FragmentGate enforces `maxMessageBytes` as they stream:
 *   a message known to be too big is cut off there and the publisher gets a Rejected notice (53306).
 * - Receipts: for a message with ReceiptRequested the publisher gets, once the message (or its last
 *   fragment) went out, a Routed notice naming the Plaza receivers (which will confirm) and the
 *   official-SDK ones (which cannot). Each Plaza receiver's Receipt, sent upstream on its own leg,
 *   is passed to the publisher with the leg's room index (never one from the client's bytes), once,
 *   and only if owed (ReceiptLedger).
 * - Lossy sessions (unreliable): each message to a Plaza receiver carries `previous`, the sequence
 *   of the last message the relay addressed to that receiver (sent or dropped), or the one before a
 *   hole upstream, so the receiver tells a loss from a message that was not for it. This costs one
 *   encoding per distinct `previous`; durable sessions, which lose nothing, share one encoding.
 * - Backpressure (durable sessions): while some recipient's queue here is long, the publisher is
 *   told to Pause, then to Resume (SenderFlow), so a slower recipient slows the sender down instead
 *   of being dropped; one that stops draining is still ended after a bounded pause.
 * - Retention (`retain`): the last few broadcasts are replayed, flagged Replayed, to each new leg
 *   before anything live (SessionRetention), so a late subscriber starts from the current state.
 *
 * Transport replacement (Plaza's ICE restart, see Room.moveTransport): a participant's peer
 * connection is replaced by a new one, and its channels with it. The relay keeps its state and
 * takes the new channels (rebindSource, rebindSubscriber); a Plaza subscriber's leg outlives the
 * close of its old channel for that. Durable sessions lose nothing and duplicate nothing across it:
 * - Publisher side: the relay counts the session bytes it received (SenderFlow) and sends Rewind
 *   with that count on the new channel; the sender sends again exactly what followed.
 * - Subscriber side: a Plaza receiver of a durable session acknowledges the bytes it received
 *   (Received, upstream); the leg keeps what it sent beyond that (`unacked`, at most LEG_WINDOW:
 *   the leg sends no further ahead, which also bounds it end to end). On its new channel the
 *   receiver sends Rewind with its count first; the leg sends again what followed, then goes on.
 * Other legs (plain DataTracks, lossy sessions) just continue on the new channel: what was in
 * flight on the dead transport is lost, as their reliability allows or as any transport loss would.
 */
import type { DataChannel } from 'node-datachannel';
import {
  ControlKind,
  decodeControl,
  decodeEnvelope,
  encodeControl,
  EnvelopeFlag,
  ErrorCode,
  forReceivers,
  isFirstFragment,
  isRecipient,
  MAX_MESSAGE_BYTES,
  MAX_RETAINED_MESSAGES,
  WHOLE_MESSAGE,
  type Envelope,
} from '@plaza/protocol';
import type { Logger } from '../log.js';
import { FragmentGate } from './FragmentGate.js';
import type { DataChannelReliability } from './PeerEndpoint.js';
import { ReceiptLedger } from './ReceiptLedger.js';
import { SenderFlow, RESUME_BELOW } from './SenderFlow.js';
import { MAX_RETAINED_BYTES, SessionRetention, type RetentionBudget } from './SessionRetention.js';

/** Send directly below this many buffered bytes; also the drain threshold. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
/** How long a closed relay's legs may take to deliver what they still hold. */
const LINGER_MS = 10_000;
/** Durable session legs to Plaza receivers: bytes sent ahead of the receiver's acknowledgement. */
export const LEG_WINDOW = 4 * 1024 * 1024;
/** A rebound leg waits this long after its new channel opened for the receiver's Rewind, then ends. */
const REWIND_WAIT_MS = 20_000;

type Payload = string | Buffer;

/** Why the relay ended a leg: too slow to keep up, or its receiver never resumed on a new transport. */
export type RelayOverflow = 'subscriber-too-slow' | 'not-resumed';

class RelayLeg {
  open = false;
  closed = false;
  /** Bumped when the leg takes a new channel: callbacks of the old one are ignored. */
  generation = 0;
  /** Durable session, Plaza receiver: it acknowledges what it received and can resume. */
  readonly resumable: boolean;
  /** Resumable legs: bytes sent on this leg, every channel it had (mod 2^32). */
  sentTotal = 0;
  /** Resumable legs: what was sent and not yet acknowledged, with the byte count it ends at. */
  unacked: Array<{ message: Payload; end: number }> = [];
  unackedBytes = 0;
  /** Rebound (resumable): nothing goes out until the receiver's Rewind says where to resume. */
  awaitingRewind = false;
  /** Its channel closed with its transport; a new one may come (rebindSubscriber). */
  suspended = false;
  readonly queue: Payload[] = [];
  queuedBytes = 0;
  sent = 0;
  dropped = 0;
  /** The relay closed: send what is queued, then close. */
  lingering = false;
  /** The relay closed and sent End: the leg closes when the subscriber answers End (or LINGER_MS). */
  awaitingEnd = false;
  /** Lossy sessions: the sequence of the last message addressed to this leg (sent or dropped). */
  lastAddressed: number | null = null;

  constructor(
    readonly key: string,
    public channel: DataChannel,
    readonly subscriber: LegSubscriber,
    resumable: boolean,
  ) {
    this.resumable = resumable;
  }
}

/** Who a leg delivers to: what session routing needs to know. */
export interface LegSubscriber {
  /** The subscriber's room index (envelope recipients name it). */
  index: number;
  /** Whether it takes session messages enveloped (Plaza client) or bare (official SDK). */
  envelopes: boolean;
}

export interface DataRelayOptions {
  reliability: DataChannelReliability;
  /** A DataChannel session: route each message by its envelope. */
  session?: boolean;
  queueLimitBytes: number;
  /** Sessions: the largest message relayed (reassembled size). Default MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
  /** Durable sessions: the longest a recipient may hold the publisher paused. Default MAX_PAUSE_MS. */
  maxPauseMs?: number;
  /** Shared by the sessions one participant publishes (bounds their retention together). */
  retentionBudget?: RetentionBudget;
  /** Sessions: broadcasts replayed to late subscribers (plaza_channel.retain); none if unset. */
  retain?: number;
  log: Logger;
  /** A leg was ended by the relay; the owner removes the subscription and tells the subscriber. */
  onOverflow: (key: string, reason: RelayOverflow) => void;
}

export class DataRelay {
  private readonly legs = new Map<string, RelayLeg>();
  /** The publisher's channel (a transport replacement brings a new one). */
  private source: DataChannel;
  private closed = false;
  /** Session messages dropped because they were not a well-formed envelope. */
  invalidMessages = 0;
  /** Fragments not sent to official-SDK legs, which only take whole messages (one per leg). */
  skippedFragments = 0;
  /** Session messages refused for their size (the publisher got Rejected 53306). */
  rejectedMessages = 0;
  /** Upstream messages on session legs that were not an owed Receipt (unknown, duplicate, malformed). */
  ignoredUpstream = 0;
  private readonly reliable: boolean;
  /** A session on an unreliable channel: receivers get `previous` to see their losses. */
  private readonly lossy: boolean;
  /** Sequence of the last message (or first fragment) received from the publisher. */
  private lastIn: number | null = null;
  /** Legs given the first fragment of the fragmented message in progress: only they get the rest. */
  private fragmentLegs: Set<RelayLeg> | null = null;
  private readonly gate: FragmentGate;
  private readonly receipts = new ReceiptLedger();
  private readonly retention: SessionRetention | null;
  /** Durable sessions: Pause/Resume the publisher by the recipients' queues. */
  private readonly flow: SenderFlow | null;

  constructor(
    source: DataChannel,
    private readonly options: DataRelayOptions,
  ) {
    this.source = source;
    const { reliability } = options;
    this.reliable = reliability.maxPacketLifeTime === null && reliability.maxRetransmits === null;
    this.lossy = options.session === true && !this.reliable;
    this.gate = new FragmentGate(options.maxMessageBytes ?? MAX_MESSAGE_BYTES);
    // Bounded by the leg queue too, so replaying to a new (empty) leg can never overflow it.
    this.retention =
      options.session && options.retain
        ? new SessionRetention(Math.min(options.retain, MAX_RETAINED_MESSAGES), Math.min(MAX_RETAINED_BYTES, options.queueLimitBytes), options.retentionBudget)
        : null;
    this.flow =
      options.session && this.reliable
        ? new SenderFlow({
            notify: (pause) => this.toPublisher(encodeControl({ kind: pause ? ControlKind.Pause : ControlKind.Resume, sequence: 0 })),
            acknowledge: (bytes) => this.toPublisher(encodeControl({ kind: ControlKind.Received, sequence: bytes })),
            onStuck: () => this.endStuckLegs(),
            ...(options.maxPauseMs ? { maxPauseMs: options.maxPauseMs } : {}),
          })
        : null;
    this.listenToSource(source);
  }

  get subscriberCount(): number {
    return this.legs.size;
  }

  /** The publisher's current channel. */
  get sourceChannel(): DataChannel {
    return this.source;
  }

  /**
   * The publisher's channel after a transport replacement. A durable session's publisher hears
   * Rewind with the bytes received so far, and sends again what followed. The old channel (its
   * transport is gone) is ignored from now on.
   */
  rebindSource(channel: DataChannel): void {
    if (this.closed || channel === this.source) return;
    this.source = channel;
    this.listenToSource(channel);
    const flow = this.flow;
    if (!flow) return;
    // Rewind, then whether to hold: a Pause or Resume sent meanwhile was lost with the old channel.
    const tell = (): void => {
      this.toPublisher(encodeControl({ kind: ControlKind.Rewind, sequence: flow.receivedTotal }));
      this.toPublisher(encodeControl({ kind: flow.paused ? ControlKind.Pause : ControlKind.Resume, sequence: 0 }));
    };
    if (channel.isOpen()) tell();
    else channel.onOpen(tell);
  }

  private listenToSource(channel: DataChannel): void {
    const { session } = this.options;
    // node-datachannel hands binary messages over as Buffers; wrap (never copy) anything else.
    channel.onMessage((message) => {
      if (channel !== this.source) return; // a replaced channel's last callbacks
      const payload = typeof message === 'string' || Buffer.isBuffer(message) ? message : Buffer.from(message);
      if (session) this.route(payload);
      else this.relay(payload);
    });
  }

  /** Adds a subscriber's channel (just created, usually not open yet). */
  addSubscriber(key: string, channel: DataChannel, subscriber: LegSubscriber = { index: -1, envelopes: false }): void {
    if (this.closed || this.legs.has(key)) return;
    const leg = new RelayLeg(key, channel, subscriber, this.flow !== null && subscriber.envelopes);
    this.legs.set(key, leg);
    this.listenToLeg(leg);
    // Retained broadcasts go first: the leg is new, so they queue ahead of anything live.
    for (const retained of this.retention?.entries() ?? []) {
      this.deliver(leg, subscriber.envelopes ? retained.enveloped : retained.bare);
      if (this.lossy) leg.lastAddressed = retained.sequence;
    }
  }

  /**
   * A subscriber's new channel after a transport replacement; false if the leg is gone (ended
   * meanwhile). A resumable leg holds everything until the receiver's Rewind (upstream).
   */
  rebindSubscriber(key: string, channel: DataChannel): boolean {
    const leg = this.legs.get(key);
    if (this.closed || !leg || leg.closed) return false;
    leg.generation++;
    leg.channel = channel;
    leg.open = false;
    leg.suspended = false;
    leg.awaitingRewind = leg.resumable;
    const generation = leg.generation;
    // Counted from the channel's opening: the new transport may take a while to connect.
    this.listenToLeg(leg, () => {
      if (!leg.awaitingRewind) return;
      setTimeout(() => {
        if (leg.awaitingRewind && leg.generation === generation && this.legs.get(key) === leg) this.overflow(leg, 'not-resumed');
      }, REWIND_WAIT_MS).unref();
    });
    return true;
  }

  /** Wires the leg's current channel (one callback each: node-datachannel keeps the last one set). */
  private listenToLeg(leg: RelayLeg, onOpened?: () => void): void {
    const { channel, generation, key } = leg;
    const current = (): boolean => !leg.closed && leg.generation === generation;
    channel.setBufferedAmountLowThreshold(LOW_WATER);
    channel.onOpen(() => {
      if (!current()) return;
      leg.open = true;
      onOpened?.();
      this.drain(leg);
    });
    channel.onBufferedAmountLow(() => {
      if (current()) this.drain(leg);
    });
    channel.onClosed(() => {
      if (!current()) return;
      // A Plaza subscriber's channel closes with its transport when that is replaced: the leg waits
      // for the new channel (queueing, bounded as always) instead of ending the subscription.
      if (leg.subscriber.envelopes && !leg.lingering && !this.closed) {
        leg.open = false;
        leg.suspended = true;
        return;
      }
      leg.closed = true;
      this.legs.delete(key);
      this.updateFlow();
    });
    channel.onError((err) => this.options.log.debug({ key, err }, 'relay leg error'));
    // DataTracks are unidirectional: upstream data is ignored, except session notices.
    channel.onMessage(this.options.session ? (message) => current() && this.upstream(leg, message) : () => undefined);
  }

  removeSubscriber(key: string): void {
    const leg = this.legs.get(key);
    if (!leg) return;
    this.legs.delete(key);
    this.closeLeg(leg);
    this.updateFlow();
  }

  /** Closes every leg. The source channel belongs to the publisher's endpoint and is closed here too. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flow?.dispose();
    this.retention?.clear();
    const end = this.options.session ? Buffer.from(encodeControl({ kind: ControlKind.End, sequence: 0 })) : null;
    for (const leg of this.legs.values()) {
      // A Plaza receiver hears End in band, behind the last message: End, not the channel's close
      // (a separate event, with no promise of ordering against the messages), tells it the
      // session is over and complete.
      if (end && leg.open && !leg.closed && leg.subscriber.envelopes) {
        // And it answers End once it has it: closing the channel before could still cut off what
        // is in flight to it (closing does not wait for the subscriber to have the data).
        this.deliver(leg, end);
        leg.awaitingEnd = true;
        this.lingerThenClose(leg);
      } else if (this.reliable && leg.queue.length > 0 && !leg.closed) {
        // A reliable leg first delivers what it holds (a durable session's last messages), then closes.
        this.lingerThenClose(leg);
      } else {
        this.closeLeg(leg);
      }
    }
    this.legs.clear();
    try {
      if (this.source.isOpen()) this.source.close();
    } catch {
      // already gone with its peer connection
    }
  }

  /** A session message: to its recipients only, enveloped or bare as each takes it. */
  private route(message: Payload): void {
    if (this.closed) return;
    const envelope = typeof message === 'string' ? null : decodeEnvelope(message);
    if (envelope === null || typeof envelope === 'string') {
      this.invalidMessages++;
      return;
    }
    if ((envelope.flags & EnvelopeFlag.Control) !== 0) {
      // The publisher's only notice: End. Everything before it is routed (the channel is ordered):
      // tell it, so it unpublishes only now and the unpublish cannot overtake its last messages.
      if (decodeControl(envelope)?.kind === ControlKind.End) this.toPublisher(encodeControl({ kind: ControlKind.End, sequence: envelope.sequence }));
      else this.invalidMessages++;
      return;
    }
    // Counted as the sender counts: its data envelopes (not notices, not what is malformed).
    this.flow?.received(message.length);
    const { flags, sequence } = envelope;
    const starts = (flags & EnvelopeFlag.FragmentStart) !== 0; // a whole message, or its first fragment
    const upstreamGap = starts && this.lastIn !== null && sequence !== ((this.lastIn + 1) >>> 0);
    if (starts) this.lastIn = sequence;
    const verdict = this.gate.admit(envelope);
    if (verdict === 'orphan') this.invalidMessages++;
    if (verdict === 'reject') this.reject(envelope);
    if (verdict !== 'forward') return;

    const whole = (flags & WHOLE_MESSAGE) === WHOLE_MESSAGE;
    const stampPrevious = this.lossy && starts;
    let shared: Buffer | null = null; // built once, shared by every Plaza recipient without `previous`
    const byPrevious = stampPrevious ? new Map<number, Buffer>() : null; // lossy: one encoding per distinct `previous`
    const bare = Buffer.from(envelope.payload.buffer, envelope.payload.byteOffset, envelope.payload.byteLength);
    // Whom it went to, only when the publisher asked (kept off the path of every other message).
    const routed = (flags & EnvelopeFlag.FragmentEnd) !== 0 && (flags & EnvelopeFlag.ReceiptRequested) !== 0 ? { confirming: [] as number[], unconfirming: [] as number[] } : null;
    const gotStart = isFirstFragment(flags) ? new Set<RelayLeg>() : null;
    for (const leg of this.legs.values()) {
      if (!isRecipient(envelope, leg.subscriber.index)) continue;
      if (!leg.subscriber.envelopes && !whole) {
        this.skippedFragments++;
        continue;
      }
      if (!starts && !this.fragmentLegs?.has(leg)) continue;
      let bytes: Buffer;
      if (!leg.subscriber.envelopes) {
        bytes = bare;
      } else if (byPrevious && leg.lastAddressed !== null) {
        const previous = upstreamGap ? (sequence - 1) >>> 0 : leg.lastAddressed;
        bytes = byPrevious.get(previous) ?? Buffer.from(forReceivers(envelope, { previous }));
        byPrevious.set(previous, bytes);
      } else {
        bytes = shared ??= Buffer.from(forReceivers(envelope));
      }
      if (stampPrevious) leg.lastAddressed = sequence;
      if (!this.deliver(leg, bytes)) {
        if (!starts) this.fragmentLegs?.delete(leg); // a message with a hole is of no use to it
        continue;
      }
      gotStart?.add(leg);
      if (routed) (leg.subscriber.envelopes ? routed.confirming : routed.unconfirming).push(leg.subscriber.index);
    }
    // A whole message may come between another's fragments: only fragments move this.
    if (gotStart) this.fragmentLegs = gotStart;
    else if (!whole && (flags & EnvelopeFlag.FragmentEnd) !== 0) this.fragmentLegs = null;

    if (whole) this.retention?.offer(envelope);
    if (routed) {
      this.receipts.expect(sequence, routed.confirming);
      this.toPublisher(encodeControl({ kind: ControlKind.Routed, sequence, ...routed }));
    }
    this.updateFlow();
  }

  /**
   * While paused: Resume once every recipient queue is short. (A Pause starts in deliver(), from
   * the one queue that grew: no walk over every leg for each message.)
   */
  private updateFlow(): void {
    if (!this.flow?.paused || this.closed) return;
    let longest = 0;
    for (const leg of this.legs.values()) longest = Math.max(longest, leg.queuedBytes);
    this.flow.update(longest);
  }

  /** A pause lasted too long: the recipients still behind are too slow for this session. */
  private endStuckLegs(): void {
    for (const leg of [...this.legs.values()]) if (leg.queuedBytes > RESUME_BELOW) this.overflow(leg);
    this.updateFlow();
  }

  /** A message too big: nothing more of it goes out, and the publisher is told. */
  private reject(envelope: Envelope): void {
    this.rejectedMessages++;
    this.options.log.debug({ sequence: envelope.sequence, max: this.gate.maxMessageBytes }, 'session message too large');
    // Addressed but not delivered: a lossy receiver's next `previous` shows it something was lost.
    if (this.lossy) for (const leg of this.legs.values()) if (isRecipient(envelope, leg.subscriber.index)) leg.lastAddressed = envelope.sequence;
    this.toPublisher(encodeControl({ kind: ControlKind.Rejected, sequence: envelope.sequence, code: ErrorCode.TrackDataMessageTooLarge }));
  }

  /** Upstream on a session leg: a Receipt, passed to the publisher with the leg's index if owed. */
  private upstream(leg: RelayLeg, message: string | Buffer | ArrayBuffer): void {
    const envelope = typeof message === 'string' ? null : decodeEnvelope(Buffer.isBuffer(message) ? message : new Uint8Array(message));
    const control = envelope !== null && typeof envelope !== 'string' ? decodeControl(envelope) : null;
    const from = leg.subscriber.index;
    if (control?.kind === ControlKind.End && leg.awaitingEnd) {
      this.closeLeg(leg); // it has everything
      return;
    }
    if (control?.kind === ControlKind.Received || control?.kind === ControlKind.Rewind) {
      // Every Plaza receiver sends these; only a durable session's legs keep anything to resume.
      if (!leg.resumable) return;
      if (control.kind === ControlKind.Received) this.acknowledge(leg, control.sequence);
      else this.rewind(leg, control.sequence);
      return;
    }
    if (this.closed || control?.kind !== ControlKind.Receipt || !this.receipts.confirm(control.sequence, from)) {
      this.ignoredUpstream++;
      return;
    }
    this.toPublisher(encodeControl({ kind: ControlKind.Receipt, sequence: control.sequence, from }));
  }

  /** The receiver has the leg's bytes up to `total`: forget what they were, and send further. */
  private acknowledge(leg: RelayLeg, total: number): void {
    while (leg.unacked.length > 0 && ((total - (leg.unacked[0] as { end: number }).end) | 0) >= 0) {
      const entry = leg.unacked.shift() as { message: Payload; end: number };
      leg.unackedBytes -= payloadBytes(entry.message);
    }
    this.drain(leg);
  }

  /** The receiver's first word on a new channel: what it has; everything after goes again, first. */
  private rewind(leg: RelayLeg, total: number): void {
    if (!leg.awaitingRewind) return;
    this.acknowledge(leg, total);
    const again = leg.unacked.map((entry) => entry.message);
    leg.queue.unshift(...again);
    leg.queuedBytes += leg.unackedBytes;
    leg.unacked = [];
    leg.unackedBytes = 0;
    leg.sentTotal = total;
    leg.awaitingRewind = false;
    this.options.log.debug({ key: leg.key, resent: again.length }, 'relay leg resumed');
    this.drain(leg);
  }

  /** A notice to the publisher, on its own (bidirectional) channel, which may be closing. */
  private toPublisher(notice: Uint8Array): void {
    try {
      if (this.source.isOpen()) this.source.sendMessageBinary(Buffer.from(notice.buffer, notice.byteOffset, notice.byteLength));
    } catch (err) {
      this.options.log.debug({ err: (err as Error).message }, 'notice to publisher failed');
    }
  }

  private relay(message: Payload): void {
    if (this.closed) return;
    for (const leg of this.legs.values()) this.deliver(leg, message);
  }

  /**
   * Sends on one leg now, or queues (reliable) / drops (unreliable) under backpressure. False if
   * the message will not reach the leg (dropped, or the leg just overflowed).
   */
  private deliver(leg: RelayLeg, message: Payload): boolean {
    if (this.canSend(leg) && leg.queue.length === 0) {
      if (this.send(leg, message)) return true;
    }
    // Unreliable: dropped under backpressure, and while the leg waits for a new transport (stale
    // by the time it comes); queued only before its first channel opens.
    if (!this.reliable && (leg.open || leg.suspended)) {
      leg.dropped++;
      return false;
    }
    leg.queue.push(message);
    leg.queuedBytes += payloadBytes(message);
    if (this.flow && !this.flow.paused && !this.closed) this.flow.update(leg.queuedBytes);
    if (leg.queuedBytes <= this.options.queueLimitBytes) return true;
    this.overflow(leg);
    return false;
  }

  /** Whether the leg takes a message now: open, not resuming, its channel and window not full. */
  private canSend(leg: RelayLeg): boolean {
    if (!leg.open || leg.closed || leg.awaitingRewind) return false;
    if (leg.resumable && leg.unackedBytes >= LEG_WINDOW) return false;
    return this.bufferedAmount(leg) < HIGH_WATER;
  }

  private drain(leg: RelayLeg): void {
    while (leg.queue.length > 0 && this.canSend(leg)) {
      const message = leg.queue[0] as Payload;
      // Kept when the send fails: the channel is going down, and a new one may take over (rebind).
      if (!this.send(leg, message)) return;
      leg.queue.shift();
      leg.queuedBytes -= payloadBytes(message);
    }
    if (leg.lingering && !leg.awaitingEnd && leg.queue.length === 0) this.closeLeg(leg);
    this.updateFlow();
  }

  /** Closes `leg` once its queue is sent (drain does it), or after LINGER_MS whatever is left. */
  private lingerThenClose(leg: RelayLeg): void {
    leg.lingering = true;
    setTimeout(() => this.closeLeg(leg), LINGER_MS).unref();
    this.drain(leg);
  }

  private send(leg: RelayLeg, message: Payload): boolean {
    try {
      if (typeof message === 'string') leg.channel.sendMessage(message);
      else leg.channel.sendMessageBinary(message);
      leg.sent++;
      if (leg.resumable) {
        // Kept until the receiver acknowledges it: a transport replacement may still lose it.
        const bytes = payloadBytes(message);
        leg.sentTotal = (leg.sentTotal + bytes) >>> 0;
        leg.unacked.push({ message, end: leg.sentTotal });
        leg.unackedBytes += bytes;
      }
      return true;
    } catch (err) {
      // The channel closed under us (subscriber left mid-send): its close handler cleans up.
      leg.dropped++;
      this.options.log.debug({ key: leg.key, err: (err as Error).message }, 'relay send failed');
      return false;
    }
  }

  private bufferedAmount(leg: RelayLeg): number {
    try {
      return leg.channel.bufferedAmount();
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  }

  private overflow(leg: RelayLeg, reason: RelayOverflow = 'subscriber-too-slow'): void {
    this.options.log.warn({ key: leg.key, queuedBytes: leg.queuedBytes, reason }, reason === 'not-resumed' ? 'subscriber did not resume: ending subscription' : 'subscriber too slow: ending subscription');
    this.legs.delete(leg.key);
    this.closeLeg(leg);
    this.options.onOverflow(leg.key, reason);
  }

  private closeLeg(leg: RelayLeg): void {
    if (leg.closed) return;
    leg.closed = true;
    leg.queue.length = 0;
    leg.queuedBytes = 0;
    leg.unacked = [];
    leg.unackedBytes = 0;
    try {
      leg.channel.close();
    } catch {
      // already closed with its peer connection
    }
  }
}

function payloadBytes(message: Payload): number {
  return typeof message === 'string' ? Buffer.byteLength(message) : message.length;
}
