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
 */
import type { DataChannel } from 'node-datachannel';
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
  ) {}
}

export interface DataRelayOptions {
  reliability: DataChannelReliability;
  queueLimitBytes: number;
  log: Logger;
  /** A leg was ended by the relay; the owner removes the subscription and tells the subscriber. */
  onOverflow: (key: string, reason: RelayOverflow) => void;
}

export class DataRelay {
  private readonly legs = new Map<string, RelayLeg>();
  private closed = false;
  private readonly reliable: boolean;

  constructor(
    private readonly source: DataChannel,
    private readonly options: DataRelayOptions,
  ) {
    const { reliability } = options;
    this.reliable = reliability.maxPacketLifeTime === null && reliability.maxRetransmits === null;
    // node-datachannel hands binary messages over as Buffers; wrap (never copy) anything else.
    source.onMessage((message) =>
      this.relay(typeof message === 'string' || Buffer.isBuffer(message) ? message : Buffer.from(message)),
    );
  }

  get subscriberCount(): number {
    return this.legs.size;
  }

  /** Adds a subscriber's channel (just created, usually not open yet). */
  addSubscriber(key: string, channel: DataChannel): void {
    if (this.closed || this.legs.has(key)) return;
    const leg = new RelayLeg(key, channel);
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

  private relay(message: Payload): void {
    if (this.closed) return;
    let size = -1; // computed only if some leg has to queue
    for (const leg of this.legs.values()) {
      if (leg.open && leg.queue.length === 0 && this.bufferedAmount(leg) < HIGH_WATER) {
        if (this.send(leg, message)) continue;
      }
      if (!this.reliable && leg.open) {
        leg.dropped++;
        continue;
      }
      if (size < 0) size = typeof message === 'string' ? Buffer.byteLength(message) : message.length;
      leg.queue.push(message);
      leg.queuedBytes += size;
      if (leg.queuedBytes > this.options.queueLimitBytes) this.overflow(leg);
    }
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
