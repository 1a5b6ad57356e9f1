/**
 * Janus VideoRoom data path: the publisher's data channel is relayed to every subscriber of its
 * feed (no echo). Janus 1.1 VideoRoom API, multistream: what is published is whatever the
 * publisher's offer has, so an offer with only an m=application section publishes a data channel
 * only (the old `data: true` flags are deprecated); a subscriber `join`s with
 * `streams: [{ feed }]`, gets an offer from Janus and answers it with `start`.
 * Each client has its own WebSocket and Janus session, like one signaling socket per client.
 */
import type { DataChannel } from 'node-datachannel';
import { Deliveries, publisherRoom, type PeerDriver } from '../suite/driver.js';
import type { MediaDriver, MediaRoom } from '../suite/media.js';
import { JanusSession, type JanusHandle } from './janus-api.js';
import { channelOpen, Peer } from './peer.js';

const PLUGIN = 'janus.plugin.videoroom';
/** How often the publisher re-sends a readiness probe until every subscriber has one. */
const PROBE_INTERVAL_MS = 20;
const READY_TIMEOUT_MS = 10_000;

interface Client {
  session: JanusSession;
  handle: JanusHandle;
  peer?: Peer;
}

interface Publisher {
  channel: DataChannel;
  /** The publisher's id in the room: the feed subscribers ask for. */
  feed: number;
  /** performance.now() when its data channel opened. */
  openAt: number;
}

export function videoRoomDriver(wsUrl: string): PeerDriver {
  return {
    name: 'Janus VideoRoom',

    async joinOnce() {
      // The room comes from a separate control session: not part of the timed join.
      const control = await connect(wsUrl);
      try {
        const room = await createRoom(control.handle);
        const client = await connect(wsUrl);
        try {
          const { openAt } = await publish(client, room);
          return openAt - client.session.openedAt;
        } finally {
          await closeClient(client);
          await destroyRoom(control.handle, room);
        }
      } finally {
        await closeClient(control);
      }
    },

    async fanout(n) {
      const clients: Client[] = [];
      try {
        const publisherClient = await connect(wsUrl);
        clients.push(publisherClient);
        const room = await createRoom(publisherClient.handle);
        const publisher = await publish(publisherClient, room);
        const deliveries = new Deliveries();
        const probed = new Set<number>();
        let allProbed = () => {};
        const allReceived = new Promise<void>((resolve) => (allProbed = resolve));
        const subscribers = await Promise.allSettled(
          Array.from({ length: n }, async (_, i) => {
            const client = await connect(wsUrl);
            clients.push(client);
            await subscribe(client, room, publisher.feed, {
              data: (data) => deliveries.deliver(i, data),
              probe: () => {
                probed.add(i);
                if (probed.size === n) allProbed();
              },
            });
          }),
        );
        const failed = subscribers.find((s) => s.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
        await probeUntil(publisher.channel, allReceived, () => probed.size === n);
        return publisherRoom(publisher.channel, deliveries, async () => {
          await destroyRoom(publisherClient.handle, room);
          await Promise.all(clients.map(closeClient));
        });
      } catch (error) {
        await Promise.all(clients.map(closeClient));
        throw error;
      }
    },
  };
}

/**
 * Janus VideoRoom video: a publisher offers one sendonly VP8 section and writes RTP to it; each
 * subscriber joins its feed, gets Janus's offer and answers. Janus forwards the RTP as it is
 * (rewriting SSRC, sequence numbers and timestamps per subscriber); its PLIs reach the publisher.
 */
export function videoRoomMediaDriver(wsUrl: string): MediaDriver {
  return {
    name: 'Janus VideoRoom',
    async mediaRoom(n: number): Promise<MediaRoom> {
      const clients: Client[] = [];
      try {
        const publisherClient = await connect(wsUrl);
        clients.push(publisherClient);
        const room = await createRoom(publisherClient.handle);
        const peer = (publisherClient.peer = new Peer('janus-video-publisher', (candidate) => publisherClient.handle.trickle(candidate)));
        const track = peer.addVideoSender(0x5eed);
        let keyframeRequested: () => void = () => {};
        track.onMessage((packet) => {
          const bytes = packet as Buffer;
          // RTCP from Janus: PLI (PSFB, FMT 1) or FIR (PSFB, FMT 4) asks for a key frame.
          if (bytes[1] === 206 && ((bytes[0]! & 0x1f) === 1 || (bytes[0]! & 0x1f) === 4)) keyframeRequested();
        });
        const trackOpen = new Promise<void>((resolve) => track.onOpen(() => resolve()));
        const offer = await peer.localDescription();
        const { data, jsep } = await publisherClient.handle.message({ request: 'joinandconfigure', ptype: 'publisher', room }, offer);
        if (jsep?.type !== 'answer') throw new Error('VideoRoom joinandconfigure (video): no JSEP answer');
        peer.setRemoteDescription(jsep);
        await trackOpen;
        const feed = data.id as number;
        let deliver: (subscriber: number, packet: Uint8Array) => void = () => {};
        for (let i = 0; i < n; i++) {
          const client = await connect(wsUrl);
          clients.push(client);
          const { jsep: subscriberOffer } = await client.handle.message({ request: 'join', ptype: 'subscriber', room, streams: [{ feed }] });
          if (subscriberOffer?.type !== 'offer') throw new Error('VideoRoom subscriber join (video): no JSEP offer');
          const subscriber = (client.peer = new Peer('janus-video-subscriber', (candidate) => client.handle.trickle(candidate)));
          subscriber.onTrack((incoming) => incoming.onMessage((packet) => deliver(i, packet as Buffer)));
          subscriber.setRemoteDescription(subscriberOffer);
          await client.handle.message({ request: 'start', room }, await subscriber.localDescription());
        }
        let closed = false;
        return {
          write(packet) {
            if (!closed && track.isOpen()) track.sendMessageBinary(packet);
          },
          onKeyframeRequest(cb) {
            keyframeRequested = cb;
          },
          onPacket(cb) {
            deliver = cb;
          },
          async close() {
            if (closed) return;
            closed = true;
            await destroyRoom(publisherClient.handle, room);
            await Promise.all(clients.map(closeClient));
          },
        };
      } catch (error) {
        await Promise.all(clients.map(closeClient));
        throw error;
      }
    },
  };
}

async function connect(wsUrl: string): Promise<Client> {
  const session = await JanusSession.connect(wsUrl);
  try {
    return { session, handle: await session.attach(PLUGIN) };
  } catch (error) {
    await session.close();
    throw error;
  }
}

async function closeClient(client: Client): Promise<void> {
  client.peer?.close();
  await client.session.close();
}

async function createRoom(handle: JanusHandle): Promise<number> {
  // Not permanent: nothing is written to the config folder. The default cap of 3 publishers is
  // enough (one per room), the codecs and bitrate don't matter without audio or video.
  const { data } = await handle.message({ request: 'create', permanent: false, is_private: true });
  return data.room as number;
}

async function destroyRoom(handle: JanusHandle, room: number): Promise<void> {
  await handle.message({ request: 'destroy', room }).catch(() => {});
}

/** Joins `room` as a publisher of one data channel; resolves once that channel is open. */
async function publish(client: Client, room: number): Promise<Publisher> {
  const peer = (client.peer = new Peer('janus-publisher', (candidate) => client.handle.trickle(candidate)));
  // The first channel on a fresh connection makes libdatachannel offer: one m=application.
  const channel = peer.createChannel('bench');
  const opened = channelOpen(channel);
  opened.catch(() => {}); // awaited below; don't let an early failure go unhandled meanwhile
  const offer = await peer.localDescription();
  const { data, jsep } = await client.handle.message({ request: 'joinandconfigure', ptype: 'publisher', room }, offer);
  if (jsep?.type !== 'answer') throw new Error('VideoRoom joinandconfigure: no JSEP answer');
  peer.setRemoteDescription(jsep);
  return { channel, feed: data.id as number, openAt: await opened };
}

/**
 * Subscribes to `feed`. Janus relays a publisher's data on a channel labelled with the publisher's
 * id, opening it towards the subscriber with the first relayed message if none exists. We open
 * that channel ourselves instead (Janus reuses an open channel with the same label): its opening
 * tells us SCTP is up, and no channel setup lands inside a measurement.
 * Binary messages are payload; text ones are the publisher's readiness probes.
 */
async function subscribe(
  client: Client,
  room: number,
  feed: number,
  on: { data: (data: Uint8Array) => void; probe: () => void },
): Promise<void> {
  const { jsep: offer } = await client.handle.message({ request: 'join', ptype: 'subscriber', room, streams: [{ feed }] });
  if (offer?.type !== 'offer') throw new Error('VideoRoom subscriber join: no JSEP offer');
  const peer = (client.peer = new Peer('janus-subscriber', (candidate) => client.handle.trickle(candidate)));
  const listen = (channel: DataChannel) =>
    channel.onMessage((message) => (typeof message === 'string' ? on.probe() : on.data(message as Buffer)));
  peer.onChannel(listen);
  peer.setRemoteDescription(offer);
  await client.handle.message({ request: 'start', room }, await peer.localDescription());
  // After the answer: the negotiated m=application carries it, so no renegotiation.
  const channel = peer.createChannel(String(feed));
  listen(channel);
  await channelOpen(channel);
}

/**
 * Janus relays to a subscriber only once its own flags say so (answer applied, DTLS up, SCTP
 * "sender dry"); the last can lag our channel's opening. So the publisher sends a text probe
 * every PROBE_INTERVAL_MS until `done()` (every subscriber got one): a condition, not a guess.
 * Probes still in flight later are text, which the subscribers never report as payload.
 */
async function probeUntil(channel: DataChannel, allReceived: Promise<void>, done: () => boolean): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`VideoRoom subscribers not receiving after ${READY_TIMEOUT_MS} ms`);
    channel.sendMessage('probe');
    await Promise.race([allReceived, new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS))]);
  }
}
