/**
 * The one shape the benchmark drives every server through (Plaza, Janus VideoRoom, Janus TextRoom),
 * so each row runs the same client code against each of them.
 */

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
