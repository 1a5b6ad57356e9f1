/**
 * Janus TextRoom data path: a `message` sent on a participant's data channel is broadcast to
 * every participant of the room, the sender included (its echo is discarded here).
 * Janus API: `setup` makes Janus send an offer (data only), answered with `ack`. Everything
 * else (join, message) is JSON text on the data channel, each request with a `transaction`.
 * TextRoom drops binary messages, so payloads travel base64-encoded in `text`.
 * Each client has its own WebSocket and Janus session, like one signaling socket per client.
 */
import type { DataChannel } from 'node-datachannel';
import { Deliveries, publisherRoom, type PeerDriver } from '../suite/driver.js';
import { JanusSession, type JanusHandle } from './janus-api.js';
import { channelOpen, Peer } from './peer.js';

const PLUGIN = 'janus.plugin.textroom';
/**
 * TextRoom replies and broadcasts without naming a channel, so the Janus core uses its default
 * label, "JanusDataChannel", and opens a second channel towards us unless one with that label
 * exists. Ours has that label, so everything arrives on it (janus.js does the same).
 */
const LABEL = 'JanusDataChannel';
const REQUEST_TIMEOUT_MS = 10_000;

type Reply = Record<string, unknown>;

/** One TextRoom participant: its session, handle, peer connection and data channel. */
class Member {
  private readonly pending = new Map<string, (reply: Reply) => void>();
  private nextTransaction = 0;
  /** Room events (`message`, `join`, `leave`...) that answer no request of ours. */
  onEvent: (event: Reply) => void = () => {};

  private constructor(
    readonly session: JanusSession,
    readonly handle: JanusHandle,
    readonly peer: Peer,
    readonly channel: DataChannel,
    /** performance.now() when the data channel opened. */
    readonly openAt: number,
  ) {
    channel.onMessage((message) => {
      if (typeof message !== 'string') return;
      const reply = JSON.parse(message) as Reply;
      const settle = typeof reply.transaction === 'string' ? this.pending.get(reply.transaction) : undefined;
      if (settle) settle(reply);
      else this.onEvent(reply);
    });
  }

  /** Connects and sets up the peer connection; resolves once the data channel is open. */
  static async connect(wsUrl: string): Promise<Member> {
    const session = await JanusSession.connect(wsUrl);
    let peer: Peer | undefined;
    try {
      const handle = await session.attach(PLUGIN);
      const { jsep: offer } = await handle.message({ request: 'setup' });
      if (offer?.type !== 'offer') throw new Error('TextRoom setup: no JSEP offer');
      peer = new Peer('janus-textroom', (candidate) => handle.trickle(candidate));
      peer.setRemoteDescription(offer);
      await handle.message({ request: 'ack' }, await peer.localDescription());
      // After the answer: the negotiated m=application carries it, so no renegotiation.
      const channel = peer.createChannel(LABEL);
      return new Member(session, handle, peer, channel, await channelOpen(channel));
    } catch (error) {
      peer?.close();
      await session.close();
      throw error;
    }
  }

  /** A TextRoom request over the data channel; rejects on a TextRoom error. */
  request(body: Reply): Promise<Reply> {
    const transaction = `r${++this.nextTransaction}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new Error(`TextRoom ${String(body.textroom)} timed out`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(transaction, (reply) => {
        clearTimeout(timer);
        this.pending.delete(transaction);
        if (reply.textroom === 'error') reject(new Error(`TextRoom ${String(body.textroom)}: ${String(reply.error_code)} ${String(reply.error)}`));
        else resolve(reply);
      });
      this.channel.sendMessage(JSON.stringify({ ...body, transaction }));
    });
  }

  async close(): Promise<void> {
    this.peer.close();
    await this.session.close();
  }
}

export function textRoomDriver(wsUrl: string): PeerDriver {
  return {
    name: 'Janus TextRoom',

    async joinOnce() {
      // A TextRoom peer connection needs no room: the join ends when the channel opens.
      const member = await Member.connect(wsUrl);
      await member.close();
      return member.openAt - member.session.openedAt;
    },

    async fanout(n) {
      const members: Member[] = [];
      try {
        const publisher = await Member.connect(wsUrl);
        members.push(publisher);
        // Janus API `create` (not on the channel); not permanent: nothing written to the config folder.
        const { data } = await publisher.handle.message({ request: 'create', permanent: false, is_private: true });
        const room = data.room as number;
        await publisher.request({ textroom: 'join', room, username: 'publisher' });
        const deliveries = new Deliveries();
        const joined = await Promise.allSettled(
          Array.from({ length: n }, async (_, i) => {
            const member = await Member.connect(wsUrl);
            members.push(member);
            // Only the publisher sends, so every `message` a subscriber gets is payload.
            member.onEvent = (event) => {
              if (event.textroom === 'message') deliveries.deliver(i, Buffer.from(event.text as string, 'base64'));
            };
            // Joined: the join reply came over this channel, so broadcasts from now on arrive.
            await member.request({ textroom: 'join', room, username: `subscriber${i}` });
          }),
        );
        const failed = joined.find((j) => j.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
        // The publisher's own echo (and join notices) are read and dropped: onEvent stays a no-op.
        // Built by hand, not JSON.stringify: base64 needs no escaping. `ack: false`: no reply per message.
        const prefix = `{"textroom":"message","transaction":"m","room":${room},"ack":false,"text":"`;
        return publisherRoom(
          publisher.channel,
          deliveries,
          async () => {
            await destroyRoom(publisher.handle, room);
            await Promise.all(members.map((m) => m.close()));
          },
          (bytes) => publisher.channel.sendMessage(`${prefix}${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}"}`),
        );
      } catch (error) {
        await Promise.all(members.map((m) => m.close()));
        throw error;
      }
    },
  };
}

async function destroyRoom(handle: JanusHandle, room: number): Promise<void> {
  await handle.message({ request: 'destroy', room }).catch(() => {});
}
