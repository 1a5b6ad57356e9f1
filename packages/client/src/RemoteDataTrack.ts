/**
 * RemoteDataTrack (twilio-video lib/media/track/remotedatatrack.js): a subscribed DataTrack. Emits
 * `message(data, track)`; strings arrive as strings, binary as ArrayBuffer.
 *
 * Reliability properties come from the server's track state (Plaza extension fields `ordered`,
 * `max_packet_life_time`, `max_retransmits`) when present, else from the RTCDataChannel. The server
 * sends them because node-datachannel cannot read the DCEP parameters of an incoming channel (its
 * polyfill reports ordered/null/null for every channel).
 *
 * A track that carries a DataChannel session (DataChannels.ts) never emits `message`: its messages
 * are envelopes, which go to the session's DataChannelReceiver (set with _setSessionSink).
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

export function isTrackPriority(value: unknown): value is TrackPriority {
  return value === 'low' || value === 'standard' || value === 'high';
}

/** setPriority() argument check shared by remote data and media tracks (the SDK's RangeError). */
export function checkSubscribePriority(priority: TrackPriority | null): void {
  if (priority !== null && !isTrackPriority(priority)) throw new RangeError('priority must be one of null, low, standard, high');
}

/** @internal Where a session track's messages and end go (a DataChannelReceiver). */
export interface SessionSink {
  message(data: DataMessage): void;
  close(): void;
}

/** How long an unsubscribed session's channel may take to close (delivering its last messages). */
export const SESSION_LINGER_MS = 10_000;
/** After an unsubscribed session's channel closed: how long its last messages may still take. */
const CLOSE_GRACE_MS = 1000;

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
  readonly #isSession: boolean;
  #sink: SessionSink | null = null;

  constructor(sid: string, name: string, receiver: DataTrackReceiver, reliability: DataTrackReliability, isSession = false) {
    super();
    this.#isSession = isSession;
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
    checkSubscribePriority(priority);
    this.#priority = priority;
    return this;
  }

  /** @internal Starts delivery, including messages buffered before the subscription was known. */
  _start(): void {
    if (this.#isSession) this.#receiver.attach((data) => this.#sink?.message(data));
    else this.#receiver.attach((data) => this.emit('message', data, this));
  }

  /** @internal A session track: where its messages go (set before _start()). */
  _setSessionSink(sink: SessionSink): void {
    if (this.#isSession) this.#sink = sink;
  }

  /**
   * @internal A session keeps delivering until the server's End or its channel's close (bounded by
   * SESSION_LINGER_MS): the unsubscribe comes on signaling and can overtake the last messages.
   */
  _unsubscribe(): void {
    this.#isSubscribed = false;
    const sink = this.#sink;
    this.#sink = null;
    if (!sink || this.#receiver.closedLocally) {
      this.#receiver.detach();
      sink?.close();
      return;
    }
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.#receiver.detach();
      sink.close();
    };
    const timer = setTimeout(finish, SESSION_LINGER_MS);
    this.#receiver.attach((data) => sink.message(data));
    // The server's in-band End closes the session first (DataChannelReceiver). The channel's close
    // is a separate event with no promise of ordering against the last messages: give them a moment.
    this.#receiver.onClose(() => setTimeout(finish, CLOSE_GRACE_MS));
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
