/**
 * The harness without a server: the bench's own clients connected to each other directly, same
 * node-datachannel code and same measures as for the servers. It is the reference the servers'
 * numbers are read against on a two-core machine (BENCHMARKS.md "client -> client, no server"):
 * at 1 -> 1 the clients do exactly the work they do through a server (one send and one receive
 * per message), so its max rate is the most any server can show here, and its latency the floor.
 * Only 1 -> 1 is meaningful: for 1 -> N the sender would do the fan-out itself.
 */
import { channelOpen, Peer, type LocalCandidate } from '../peers/peer.js';
import type { FanoutRoom, PeerDriver } from './driver.js';

export const CLIENTS_ONLY = 'Clients only (no server)';

interface Pair {
  sender: Peer;
  receiver: Peer;
  opened: Promise<number>;
  channel: ReturnType<Peer['createChannel']>;
}

let pairCounter = 0;

/** Connects two peers in this process; `onMessage` gets what the receiver's channel delivers. */
async function connectPair(onMessage?: (data: Buffer) => void): Promise<Pair> {
  const name = `direct-${++pairCounter}`;
  // Candidates wait until the other side has a description (libdatachannel rejects them before).
  const pending: Array<{ to: () => Peer; candidate: NonNullable<LocalCandidate> }> = [];
  let described = { sender: false, receiver: false };
  const trickle = (to: 'sender' | 'receiver') => (candidate: LocalCandidate) => {
    if (!candidate) return;
    const peer = () => (to === 'sender' ? sender : receiver);
    if (described[to]) peer().addRemoteCandidate(candidate.candidate, candidate.sdpMid);
    else pending.push({ to: peer, candidate });
  };
  const sender: Peer = new Peer(`${name}-tx`, trickle('receiver'));
  const receiver: Peer = new Peer(`${name}-rx`, trickle('sender'));
  receiver.onChannel((channel) => {
    if (onMessage) channel.onMessage((message) => typeof message !== 'string' && onMessage(message as Buffer));
  });
  const channel = sender.createChannel('bench');
  const opened = channelOpen(channel);
  receiver.setRemoteDescription(await sender.localDescription());
  described.receiver = true;
  sender.setRemoteDescription(await receiver.localDescription());
  described = { sender: true, receiver: true };
  for (const { to, candidate } of pending.splice(0)) to().addRemoteCandidate(candidate.candidate, candidate.sdpMid);
  return { sender, receiver, opened, channel };
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
        pair.sender.close();
        pair.receiver.close();
      }
    },
    async fanout(n: number): Promise<FanoutRoom> {
      if (n !== 1) throw new Error('clients only: 1 -> 1 only (the sender would do the fan-out itself)');
      let deliver: (subscriber: number, data: Uint8Array) => void = () => {};
      const pair = await connectPair((data) => deliver(0, data));
      try {
        await pair.opened;
      } catch (error) {
        pair.sender.close();
        pair.receiver.close();
        throw error;
      }
      let closed = false;
      return {
        send(data) {
          if (!closed) pair.channel.sendMessageBinary(data as Buffer);
        },
        bufferedAmount: () => (closed ? 0 : pair.channel.bufferedAmount()),
        onMessage(cb) {
          deliver = cb;
        },
        async close() {
          closed = true;
          pair.sender.close();
          pair.receiver.close();
        },
      };
    },
  };
}
