/**
 * Plaza driven by the same client as Janus: the data path is bench/peers/peer.ts (node-datachannel's
 * native API, one PeerConnection per participant), exactly as the Janus drivers use it; only the
 * signaling differs, as it must: RSP over TCMP through @plaza/client's SignalingTransport, the
 * Janus API through janus-api.ts. So the servers are compared, not two client libraries
 * (@plaza/client's polyfill-based DataTracks cost the bench process about twice the CPU per
 * message, on the two cores the servers also run on).
 *
 * A participant offers what it publishes: a publisher opens one channel labelled with its track
 * id (a DataTrack, as the SDK does); a subscriber offers only a pre-negotiated placeholder channel
 * (no DCEP, never seen by the server) so its SDP has an m=application section, and the server opens
 * a channel per subscription on it.
 */
import { randomUUID } from 'node:crypto';
import type { DataChannel } from 'node-datachannel';
import WebSocket from 'ws';
import type { ClientTrackState, ParsedRoomState } from '@plaza/protocol';
import { Logger } from '../../packages/client/src/Logger.js';
import { SignalingTransport } from '../../packages/client/src/SignalingTransport.js';
import type { IceCandidateOut, PeerConnectionStateOut } from '../../packages/client/src/wire.js';
import { channelOpen, Peer } from '../peers/peer.js';
import { Deliveries, publisherRoom, type FanoutRoom, type PeerDriver } from './driver.js';
import type { PlazaProcess } from './plaza.js';

const READY_TIMEOUT_MS = 15_000;

interface RawParticipant {
  peer: Peer;
  /** The publisher's channel (its DataTrack), once the server reported the track ready. */
  channel: DataChannel | null;
  close(): void;
}

let roomCounter = 0;

/** Joins `room`; a publisher resolves once its track is `ready` (its channel open, the server relaying). */
async function join(plaza: PlazaProcess, room: string, identity: string, publish: boolean, onChannel?: (channel: DataChannel) => void): Promise<RawParticipant & { startedAt: number }> {
  const token = await plaza.token(identity, room);
  const pcId = randomUUID();
  const trackId = randomUUID();
  const tracks: ClientTrackState[] = publish
    ? [{ id: trackId, kind: 'data', name: 'bench', enabled: true, priority: 'standard', ordered: true, max_packet_life_time: null, max_retransmits: null }]
    : [];
  const candidates: IceCandidateOut[] = [];
  let ufrag: string | null = null;
  let iceRevision = 0;
  let offer: PeerConnectionStateOut | null = null;
  const startedAt = performance.now();
  const peer = new Peer(`plaza-${identity}`, (candidate) => {
    if (candidate) candidates.push({ candidate: candidate.candidate, sdpMid: candidate.sdpMid });
    const ice = { ufrag, revision: ++iceRevision, candidates: [...candidates], ...(candidate ? {} : { complete: true }) };
    transport.publish({ peer_connections: [{ id: pcId, ice }] });
  });
  if (onChannel) peer.onChannel(onChannel);
  const channel = publish ? peer.createChannel(trackId) : (peer.createPlaceholderChannel(), null);
  const opened = channel ? channelOpen(channel) : null;
  opened?.catch(() => undefined); // awaited below
  let ready: () => void = () => {};
  const published = new Promise<void>((resolve) => (ready = resolve));
  const transport = new SignalingTransport({
    wsServer: plaza.signalingUrl,
    token,
    name: room,
    createWebSocket: (url) => new WebSocket(url) as unknown as globalThis.WebSocket,
    log: new Logger('error'),
    automaticSubscription: true,
    sdkVersion: 'bench',
    userAgent: 'plaza-bench',
    getParticipantState: () => ({ revision: 1, tracks }),
    getPeerConnectionStates: () => (offer ? [offer] : []),
    onIced: async () => {
      const sdp = (await peer.localDescription()).sdp;
      ufrag = /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? null;
      offer = { id: pcId, description: { type: 'offer', revision: 1, sdp } };
    },
  });
  const onState = (state: ParsedRoomState): void => {
    const answer = state.peer_connections?.find((pc) => pc.id === pcId)?.description;
    if (answer?.type === 'answer' && answer.sdp) peer.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    if (state.published?.tracks.some((t) => t.id === trackId && t.state === 'ready')) ready();
  };
  transport.once('connected', onState);
  transport.on('message', onState);
  const close = (): void => {
    transport.disconnect();
    peer.close();
  };
  try {
    if (publish) {
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${identity}: not published within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS).unref());
      await Promise.race([Promise.all([published, opened]), timeout]);
    }
  } catch (error) {
    close();
    throw error;
  }
  return { peer, channel, close, startedAt };
}

/** Plaza DataTracks through the same raw node-datachannel client as the Janus drivers. */
export function plazaRawDriver(plaza: PlazaProcess): PeerDriver {
  return {
    name: 'Plaza',
    async joinOnce(): Promise<number> {
      const name = `raw-join-${++roomCounter}`;
      const participant = await join(plaza, name, 'joiner', true);
      const ms = performance.now() - participant.startedAt;
      participant.close();
      return ms;
    },
    async fanout(n: number): Promise<FanoutRoom> {
      const name = `raw-fanout-${++roomCounter}`;
      const participants: RawParticipant[] = [];
      const deliveries = new Deliveries();
      try {
        const subscribed: Promise<void>[] = [];
        for (let i = 0; i < n; i++) {
          let got: () => void = () => {};
          subscribed.push(new Promise<void>((resolve) => (got = resolve)));
          const subscriber = await join(plaza, name, `sub${i}`, false, (channel) => {
            channel.onMessage((message) => {
              if (typeof message !== 'string') deliveries.deliver(i, message as Buffer);
            });
            got();
          });
          participants.push(subscriber);
        }
        const publisher = await join(plaza, name, 'pub', true);
        participants.push(publisher);
        const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not every subscriber got a channel within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS).unref());
        await Promise.race([Promise.all(subscribed), timeout]);
        return publisherRoom(publisher.channel as DataChannel, deliveries, async () => {
          for (const participant of participants) participant.close();
        });
      } catch (error) {
        for (const participant of participants) participant.close();
        throw error;
      }
    },
  };
}
