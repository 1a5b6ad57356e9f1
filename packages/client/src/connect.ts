/**
 * connect(): joins a room the way twilio-video's connect() does on the wire
 * (lib/signaling/v2/cancelableroomsignalingpromise.js):
 *   hello{ice} → welcome → iced → [peer connection + offer] → msg{connect} → connected → Room.
 * It resolves on `connected` (not on ICE/DTLS completion, like the SDK); the tracks passed in
 * `tracks` are published in the background (LocalParticipant `trackPublished`).
 *
 * Media: `tracks` may hold LocalAudioTrack, LocalVideoTrack, LocalDataTrack and MediaStreamTrack.
 * Without `tracks`, `audio`/`video` (true or constraints) capture microphone/camera first, as in the
 * SDK; unlike the SDK, leaving both out captures nothing (so data-only and Node apps need no
 * devices). Tracks captured that way are stopped when the room disconnects.
 * It never hangs: it rejects after `connectTimeout`, on a server `error` (with its code, e.g. 20101),
 * or when the signaling connection fails.
 */
import { DataTrackReceiver } from './DataTrackReceiver.js';
import { loadEnvironment, makeUUID, userAgent, type Environment } from './environment.js';
import {
  MediaConnectionError,
  SignalingConnectionDisconnectedError,
  SignalingConnectionTimeoutError,
  SignalingIncomingMessageInvalidError,
  TwilioError,
} from './errors.js';
import { asLocalTrack, createLocalTracks, type CreateLocalTrackOptions, type LocalTrack } from './createLocalTracks.js';
import { LocalParticipant } from './LocalParticipant.js';
import { Logger, type LogLevel } from './Logger.js';
import { PeerConnectionV2 } from './PeerConnectionV2.js';
import { Room } from './Room.js';
import { SignalingTransport, type TransportState } from './SignalingTransport.js';
import { SubscriptionTable } from './SubscriptionTable.js';
import { version } from './version.js';
import type { PeerConnectionStateOut } from './wire.js';

export interface ConnectOptions {
  /** Signaling URL, e.g. `ws://localhost:8080/signaling`. Required (there is no default server). */
  wsServer: string;
  /** Room name. Default: none (the token's room grant decides). */
  name?: string;
  /** Tracks to publish on join (LocalTracks or MediaStreamTracks). Default []. */
  tracks?: Array<LocalTrack | MediaStreamTrack>;
  /** Without `tracks`: capture a microphone track (true or constraints) and publish it. Default false. */
  audio?: boolean | CreateLocalTrackOptions;
  /** Without `tracks`: capture a camera track (true or constraints) and publish it. Default false. */
  video?: boolean | CreateLocalTrackOptions;
  /** Subscribe to every track in the room. Default true. false = subscribe to nothing. */
  automaticSubscription?: boolean;
  /** Default 'warn'. */
  logLevel?: LogLevel;
  /** Plaza extension: give up connecting after this many ms. Default 15000. */
  connectTimeout?: number;
  /** @internal Test hook: replaces the platform's WebSocket / RTCPeerConnection. */
  environment?: Environment;
  /** Other twilio-video options (insights, preferredVideoCodecs, ...) are accepted and ignored. */
  [option: string]: unknown;
}

export const DEFAULT_CONNECT_TIMEOUT = 15000;

export async function connect(token: string, options: ConnectOptions): Promise<Room> {
  if (typeof token !== 'string' || token.length === 0) throw new TypeError('token must be a non-empty string');
  if (typeof options?.wsServer !== 'string' || !/^wss?:\/\//.test(options.wsServer)) {
    throw new TypeError('options.wsServer must be a ws:// or wss:// URL');
  }
  const tracks = (options.tracks ?? []).map((track) => asLocalTrack(track));
  const log = new Logger(options.logLevel ?? 'warn');
  const captured =
    options.tracks === undefined && (options.audio || options.video)
      ? await createLocalTracks({ audio: options.audio ?? false, video: options.video ?? false })
      : [];
  let env: Environment;
  try {
    env = options.environment ?? (await loadEnvironment());
  } catch (error) {
    for (const track of captured) track.stop();
    throw error;
  }
  const timeoutMs = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;

  const localParticipant = new LocalParticipant(log.child('participant'));
  localParticipant._ownTracks(captured);
  for (const track of [...tracks, ...captured]) void localParticipant._addTrack(track);
  const subscriptions = new SubscriptionTable();
  /** The room's peer connection: the first one, or the one that replaced it (Room.restartIce). */
  let pc: PeerConnectionV2 | null = null;
  let iceServersInUse: RTCIceServer[] = [];

  return new Promise<Room>((resolve, reject) => {
    let settled = false;
    const publishPeerConnectionState = (state: PeerConnectionStateOut) => {
      transport.publish({ peer_connections: [state], participant: localParticipant.getState() });
    };
    /** A peer connection wired to signaling and subscriptions (its descriptions are the caller's). */
    const newPeerConnection = (): PeerConnectionV2 => {
      const created = createPeerConnection(env, iceServersInUse, log);
      pc = created;
      // Candidates are trickled from the start; the transport holds them until `connected`.
      created.on('candidates', publishPeerConnectionState);
      created.on('dataChannel', (channel) => subscriptions.addChannel(channel, (c) => new DataTrackReceiver(c, log)));
      created.on('mediaReceivers', (receivers) => subscriptions.setMediaReceivers(receivers));
      return created;
    };

    const transport = new SignalingTransport({
      wsServer: options.wsServer,
      token,
      name: options.name ?? null,
      createWebSocket: env.createWebSocket,
      log: log.child('signaling'),
      automaticSubscription: options.automaticSubscription ?? true,
      sdkVersion: version,
      userAgent: userAgent(),
      getParticipantState: () => localParticipant.getState(),
      getPeerConnectionStates: () => {
        const state = pc?.getState();
        return state ? [state] : [];
      },
      onIced: async (iceServers) => {
        if (settled) throw new SignalingConnectionDisconnectedError();
        iceServersInUse = iceServers;
        const created = newPeerConnection();
        localParticipant._setChannelFactory(created);
        try {
          await created.offer();
        } catch (error) {
          throw new MediaConnectionError(`cannot create the offer: ${String(error)}`);
        }
        // Attached after the first offer: that one travels in `connect`, not in an `update`.
        created.on('description', publishPeerConnectionState);
      },
    });

    const fail = (error: TwilioError) => {
      if (settled) return;
      settled = true;
      cleanup();
      transport.disconnect(error);
      pc?.close();
      localParticipant._disconnect(error);
      reject(error);
    };
    const onStateChanged = (state: TransportState, error?: TwilioError) => {
      if (state === 'disconnected') fail(error ?? new SignalingConnectionDisconnectedError());
    };
    const timer = setTimeout(
      () => fail(new SignalingConnectionTimeoutError(`no "connected" within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      transport.off('stateChanged', onStateChanged);
    };
    transport.on('stateChanged', onStateChanged);
    transport.once('connected', (initialState) => {
      if (settled) return;
      if (!initialState.participant || !pc) {
        fail(new SignalingIncomingMessageInvalidError('"connected" without participant or before our offer'));
        return;
      }
      settled = true;
      cleanup();
      const replacePeerConnection = (): PeerConnectionV2 => {
        const created = newPeerConnection();
        created.on('description', publishPeerConnectionState);
        return created;
      };
      resolve(
        new Room({ initialState, transport, peerConnection: pc, replacePeerConnection, localParticipant, subscriptions, log: log.child('room') }),
      );
    });
  });
}

function createPeerConnection(env: Environment, iceServers: RTCIceServer[], log: Logger): PeerConnectionV2 {
  const create = (servers: RTCIceServer[]) =>
    new PeerConnectionV2({ id: makeUUID(), RTCPeerConnection: env.RTCPeerConnection, nodeDataChannel: env.nodeDataChannel, iceServers: servers, log: log.child('pc') });
  try {
    return create(iceServers);
  } catch (error) {
    if (iceServers.length === 0) throw new MediaConnectionError(String(error));
    // A server entry this platform rejects (node-datachannel validates URLs strictly) should not
    // cost the whole connection: host candidates still work on a LAN or loopback.
    log.warn('ICE servers rejected, continuing without them:', error);
    try {
      return create([]);
    } catch (retryError) {
      throw new MediaConnectionError(String(retryError));
    }
  }
}
