/**
 * The one shape the benchmark drives every server through (Plaza, Janus VideoRoom, Janus TextRoom),
 * so each row runs the same client code against each of them.
 */
import type { DataChannel } from 'node-datachannel';

/** One publisher and n subscribers in a fresh room. */
export interface FanoutRoom {
  /** Sends one binary message from the publisher. */
  send(data: Uint8Array): void;
  /** The publisher channel's buffered bytes (for pacing). */
  bufferedAmount(): number;
  /** Called for every message each subscriber receives (echoes to the sender are discarded). */
  onMessage(cb: (subscriber: number, data: Uint8Array) => void): void;
  close(): Promise<void>;
}

/** Where subscribers' messages go: the drivers' channels call `deliver`, the row sets the target. */
export class Deliveries {
  #target: (subscriber: number, data: Uint8Array) => void = () => {};
  readonly deliver = (subscriber: number, data: Uint8Array): void => this.#target(subscriber, data);
  set(target: (subscriber: number, data: Uint8Array) => void): void {
    this.#target = target;
  }
}

/**
 * A FanoutRoom on the publisher's `channel`. Once closed nothing touches the channel (a native
 * call on a closed one can abort the process), and `close` runs once. `send` defaults to binary.
 */
export function publisherRoom(
  channel: DataChannel,
  deliveries: Deliveries,
  close: () => Promise<void>,
  send: (data: Uint8Array) => void = (data) => channel.sendMessageBinary(data as Buffer),
): FanoutRoom {
  let closed = false;
  return {
    send(data) {
      if (!closed) send(data);
    },
    bufferedAmount: () => (closed ? 0 : channel.bufferedAmount()),
    onMessage: (cb) => deliveries.set(cb),
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}

export interface PeerDriver {
  name: string;
  /** A fresh room with 1 publisher and n subscribers; resolves once every subscriber can receive. */
  fanout(n: number): Promise<FanoutRoom>;
  /** One join: signaling open -> first data channel open, in ms (the participant is then closed). */
  joinOnce(): Promise<number>;
}

/** A server process under test: its pid is where CPU is read from. */
export interface ServerProcess {
  name: string;
  pid: number;
  stop(): Promise<void>;
}
