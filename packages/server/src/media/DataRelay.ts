/**
 * Fans one published DataTrack out to its subscribers: every message that arrives on the
 * publisher's channel is sent on each subscriber's channel, string as string, binary as binary.
 *
 * Backpressure (the publisher is never stalled; one slow subscriber never delays the others):
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
 * Anything on a session channel that is not a well-formed envelope is dropped and counted.
 */
import type { DataChannel } from 'node-datachannel';
import { decodeEnvelope, forReceivers, isRecipient } from '@plaza/protocol';
import type { Logger } from '../log.js';
import type { DataChannelReliability } from './PeerEndpoint.js';

/** Send directly below this many buffered bytes; also the drain threshold. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

type Payload = string | Buffer;

export type RelayOverflow = 'subscriber-too-slow';

class RelayLeg {
  open = false;
  closed = false;
  readonly queue: Payload[] = [];
  queuedBytes = 0;
  sent = 0;
  dropped = 0;

  constructor(
    readonly key: string,
    readonly channel: DataChannel,
    readonly subscriber: LegSubscriber,
  ) {}
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
  log: Logger;
  /** A leg was ended by the relay; the owner removes the subscription and tells the subscriber. */
  onOverflow: (key: string, reason: RelayOverflow) => void;
}

export class DataRelay {
  private readonly legs = new Map<string, RelayLeg>();
  private closed = false;
  /** Session messages dropped because they were not a well-formed envelope. */
  invalidMessages = 0;
  private readonly reliable: boolean;

  constructor(
    private readonly source: DataChannel,
    private readonly options: DataRelayOptions,
  ) {
    const { reliability } = options;
    this.reliable = reliability.maxPacketLifeTime === null && reliability.maxRetransmits === null;
    // node-datachannel hands binary messages over as Buffers; wrap (never copy) anything else.
    source.onMessage((message) => {
      const payload = typeof message === 'string' || Buffer.isBuffer(message) ? message : Buffer.from(message);
      if (options.session) this.route(payload);
      else this.relay(payload);
    });
  }

  get subscriberCount(): number {
    return this.legs.size;
  }

  /** Adds a subscriber's channel (just created, usually not open yet). */
  addSubscriber(key: string, channel: DataChannel, subscriber: LegSubscriber = { index: -1, envelopes: false }): void {
    if (this.closed || this.legs.has(key)) return;
    const leg = new RelayLeg(key, channel, subscriber);
    this.legs.set(key, leg);
    channel.setBufferedAmountLowThreshold(LOW_WATER);
    channel.onOpen(() => {
      if (leg.closed) return;
      leg.open = true;
      this.drain(leg);
    });
    channel.onBufferedAmountLow(() => {
      if (!leg.closed) this.drain(leg);
    });
    channel.onClosed(() => {
      leg.closed = true;
      this.legs.delete(key);
    });
    channel.onError((err) => this.options.log.debug({ key, err }, 'relay leg error'));
    // Subscriber channels carry no upstream data (DataTracks are unidirectional): ignore it.
    channel.onMessage(() => undefined);
  }

  removeSubscriber(key: string): void {
    const leg = this.legs.get(key);
    if (!leg) return;
    this.legs.delete(key);
    this.closeLeg(leg);
  }

  /** Closes every leg. The source channel belongs to the publisher's endpoint and is closed here too. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const leg of this.legs.values()) this.closeLeg(leg);
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
    let enveloped: Buffer | null = null; // built once, shared by every Plaza recipient
    const bare = Buffer.from(envelope.payload.buffer, envelope.payload.byteOffset, envelope.payload.byteLength);
    for (const leg of this.legs.values()) {
      if (!isRecipient(envelope, leg.subscriber.index)) continue;
      if (leg.subscriber.envelopes) {
        enveloped ??= Buffer.from(forReceivers(envelope));
        this.deliver(leg, enveloped);
      } else {
        this.deliver(leg, bare);
      }
    }
  }

  private relay(message: Payload): void {
    if (this.closed) return;
    for (const leg of this.legs.values()) this.deliver(leg, message);
  }

  /** Sends on one leg now, or queues (reliable) / drops (unreliable) under backpressure. */
  private deliver(leg: RelayLeg, message: Payload): void {
    if (leg.open && leg.queue.length === 0 && this.bufferedAmount(leg) < HIGH_WATER) {
      if (this.send(leg, message)) return;
    }
    if (!this.reliable && leg.open) {
      leg.dropped++;
      return;
    }
    leg.queue.push(message);
    leg.queuedBytes += typeof message === 'string' ? Buffer.byteLength(message) : message.length;
    if (leg.queuedBytes > this.options.queueLimitBytes) this.overflow(leg);
  }

  private drain(leg: RelayLeg): void {
    while (leg.queue.length > 0 && leg.open && !leg.closed && this.bufferedAmount(leg) < HIGH_WATER) {
      const message = leg.queue.shift() as Payload;
      leg.queuedBytes -= typeof message === 'string' ? Buffer.byteLength(message) : message.length;
      if (!this.send(leg, message)) return;
    }
  }

  private send(leg: RelayLeg, message: Payload): boolean {
    try {
      if (typeof message === 'string') leg.channel.sendMessage(message);
      else leg.channel.sendMessageBinary(message);
      leg.sent++;
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

  private overflow(leg: RelayLeg): void {
    this.options.log.warn({ key: leg.key, queuedBytes: leg.queuedBytes }, 'subscriber too slow: ending subscription');
    this.legs.delete(leg.key);
    this.closeLeg(leg);
    this.options.onOverflow(leg.key, 'subscriber-too-slow');
  }

  private closeLeg(leg: RelayLeg): void {
    if (leg.closed) return;
    leg.closed = true;
    leg.queue.length = 0;
    leg.queuedBytes = 0;
    try {
      leg.channel.close();
    } catch {
      // already closed with its peer connection
    }
  }
}
