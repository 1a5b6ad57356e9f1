/**
 * RemoteDataTrack (twilio-video lib/media/track/remotedatatrack.js): a subscribed DataTrack. Emits
 * `message(data, track)`; strings arrive as strings, binary as ArrayBuffer.
 *
 * Reliability properties come from the server's track state (Plaza extension fields `ordered`,
 * `max_packet_life_time`, `max_retransmits`) when present, else from the RTCDataChannel. The server
 * sends them because node-datachannel cannot read the DCEP parameters of an incoming channel (its
 * polyfill reports ordered/null/null for every channel).
 */
import type { DataMessage, DataTrackReceiver } from './DataTrackReceiver.js';
import { TypedEmitter } from './TypedEmitter.js';

export type RemoteDataTrackEvents = {
  message: [data: DataMessage, track: RemoteDataTrack];
};

export interface DataTrackReliability {
  ordered: boolean;
  maxPacketLifeTime: number | null;
  maxRetransmits: number | null;
}

export type TrackPriority = 'low' | 'standard' | 'high';

export class RemoteDataTrack extends TypedEmitter<RemoteDataTrackEvents> {
  readonly kind = 'data' as const;
  readonly sid: string;
  readonly name: string;
  /** Always true for data tracks (SDK). */
  readonly isEnabled = true;
  /** Data tracks are never switched off (SDK). */
  readonly isSwitchedOff = false;
  readonly ordered: boolean;
  readonly maxPacketLifeTime: number | null;
  readonly maxRetransmits: number | null;
  readonly reliable: boolean;
  #isSubscribed = true;
  #priority: TrackPriority | null = null;
  readonly #receiver: DataTrackReceiver;

  constructor(sid: string, name: string, receiver: DataTrackReceiver, reliability: DataTrackReliability) {
    super();
    this.sid = sid;
    this.name = name;
    this.#receiver = receiver;
    this.ordered = reliability.ordered;
    this.maxPacketLifeTime = reliability.maxPacketLifeTime;
    this.maxRetransmits = reliability.maxRetransmits;
    this.reliable = this.maxPacketLifeTime === null && this.maxRetransmits === null;
  }

  get isSubscribed(): boolean {
    return this.#isSubscribed;
  }

  /** Subscriber priority; accepted and kept like the SDK, but it has no effect on data tracks. */
  get priority(): TrackPriority | null {
    return this.#priority;
  }

  setPriority(priority: TrackPriority | null): this {
    if (priority !== null && !['low', 'standard', 'high'].includes(priority)) {
      throw new RangeError('priority must be one of null, low, standard, high');
    }
    this.#priority = priority;
    return this;
  }

  /** @internal Starts delivery, including messages buffered before the subscription was known. */
  _start(): void {
    this.#receiver.attach((data) => this.emit('message', data, this));
  }

  /** @internal */
  _unsubscribe(): void {
    this.#isSubscribed = false;
    this.#receiver.detach();
  }

  /** @internal */
  get _receiver(): DataTrackReceiver {
    return this.#receiver;
  }
}

/** Chrome and Safari report 65535 for "no limit" on incoming channels; the SDK maps it to null. */
export function reliabilityFromChannel(channel: {
  ordered: boolean;
  maxPacketLifeTime: number | null;
  maxRetransmits: number | null;
}): DataTrackReliability {
  const limit = (value: number | null) => (value === null || value === 65535 ? null : value);
  return {
    ordered: channel.ordered,
    maxPacketLifeTime: limit(channel.maxPacketLifeTime),
    maxRetransmits: limit(channel.maxRetransmits),
  };
}
