/**
 * The harness without a server: the bench's own clients connected to each other directly, same
 * node-datachannel code and same measures as for the servers. It is the reference the servers'
 * numbers are read against on a two-core machine (BENCHMARKS.md "client -> client, no server"):
 * at 1 -> 1 the clients do exactly the work they do through a server (one send and one receive
 * per message), so its max rate is the most any server can show here, and its latency the floor.
 * Only 1 -> 1 is meaningful: for 1 -> N the sender would do the fan-out itself.
 */
import type { DataChannel } from 'node-datachannel';
import { channelOpen, Peer, type LocalCandidate } from '../peers/peer.js';
import { Deliveries, publisherRoom, type FanoutRoom, type PeerDriver } from './driver.js';

export const CLIENTS_ONLY = 'Clients only (no server)';

interface Pair {
  /** performance.now() when the sender's channel opened. */
  opened: Promise<number>;
  channel: DataChannel;
  close(): void;
}

let pairCounter = 0;

/**
 * Candidates for one peer, held until it has the other side's description (libdatachannel
 * rejects them before), then passed on as they come.
 */
function candidateInbox(peer: () => Peer): { add(candidate: LocalCandidate): void; open(): void } {
  let held: Array<NonNullable<LocalCandidate>> | null = [];
  const apply = (c: NonNullable<LocalCandidate>): void => peer().addRemoteCandidate(c.candidate, c.sdpMid);
  return {
    add(candidate) {
      if (!candidate) return;
      if (held) held.push(candidate);
      else apply(candidate);
    },
    open() {
      for (const candidate of held ?? []) apply(candidate);
      held = null;
    },
  };
}

/** Connects two peers in this process; `onMessage` gets what the receiver's channel delivers. */
async function connectPair(onMessage?: (data: Buffer) => void): Promise<Pair> {
  const name = `direct-${++pairCounter}`;
  const toSender = candidateInbox(() => sender);
  const toReceiver = candidateInbox(() => receiver);
  const sender: Peer = new Peer(`${name}-tx`, (c) => toReceiver.add(c));
  const receiver: Peer = new Peer(`${name}-rx`, (c) => toSender.add(c));
  receiver.onChannel((channel) => {
    if (onMessage) channel.onMessage((message) => typeof message !== 'string' && onMessage(message as Buffer));
  });
  const channel = sender.createChannel('bench');
  const opened = channelOpen(channel);
  receiver.setRemoteDescription(await sender.localDescription());
  toReceiver.open();
  sender.setRemoteDescription(await receiver.localDescription());
  toSender.open();
  const close = (): void => {
    sender.close();
    receiver.close();
  };
  return { opened, channel, close };
}

export function clientsOnlyDriver(): PeerDriver {
  return {
    name: CLIENTS_ONLY,
    async joinOnce(): Promise<number> {
      const started = performance.now();
      const pair = await connectPair();
      try {
        return (await pair.opened) - started;
      } finally {
        pair.close();
      }
    },
    async fanout(n: number): Promise<FanoutRoom> {
      if (n !== 1) throw new Error('clients only: 1 -> 1 only (the sender would do the fan-out itself)');
      const deliveries = new Deliveries();
      const pair = await connectPair((data) => deliveries.deliver(0, data));
      try {
        await pair.opened;
      } catch (error) {
        pair.close();
        throw error;
      }
      return publisherRoom(pair.channel, deliveries, async () => pair.close());
    },
  };
}
