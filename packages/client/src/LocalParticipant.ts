/**
 * LocalParticipant (twilio-video lib/localparticipant.js + lib/signaling/v2/localparticipant.js).
 *
 * Publishing, as the SDK does it on the wire:
 *  1. the track joins `participant.tracks` and the participant revision goes up (it starts at 1);
 *  2. data: an in-band data channel labelled with the track id is created on the room's peer
 *     connection; audio/video: a sendonly transceiver is added (or an idle one reused) and the peer
 *     connection re-offers with the track id as msid track id of that m-section;
 *  3. `update {participant}` is sent (coalesced per tick);
 *  4. the server answers in `published: {revision, tracks: [{id, sid, state}]}`: 'ready' resolves
 *     publishTrack() with a LocalDataTrackPublication, 'failed' rejects it with the server's code.
 * The server reports 'ready' only once its relay for the track is ready, and LocalDataTrack.send()
 * queues until our channel is open, so a message sent right after publishTrack() resolves reaches
 * every subscriber present then.
 *
 * Enabling or disabling a published audio/video track changes its `enabled` in the state: the
 * revision goes up and an `update` goes out, so others get trackEnabled/trackDisabled.
 */
import type { ClientTrackState, ParsedPublished } from '@plaza/protocol';
import { DataTrackSender } from './DataTrackSender.js';
import { asLocalTrack, type LocalTrack } from './createLocalTracks.js';
import { MediaConnectionError, TrackPublicationCanceledError, TwilioError } from './errors.js';
import { LocalAudioTrack } from './LocalAudioTrack.js';
import { LocalDataTrack } from './LocalDataTrack.js';
import { LocalDataTrackPublication } from './LocalDataTrackPublication.js';
import { isMediaStreamTrackLike, type LocalMediaTrack } from './LocalMediaTrack.js';
import { LocalAudioTrackPublication, LocalVideoTrackPublication } from './LocalMediaTrackPublication.js';
import type { LocalVideoTrack } from './LocalVideoTrack.js';
import type { Logger } from './Logger.js';
import type { PeerConnectionV2 } from './PeerConnectionV2.js';
import type { TrackPriority } from './RemoteDataTrack.js';
import { TypedEmitter } from './TypedEmitter.js';
import type { ParticipantStateOut } from './wire.js';

export type LocalTrackPublication = LocalAudioTrackPublication | LocalVideoTrackPublication | LocalDataTrackPublication;
type MediaTrack = LocalAudioTrack | LocalVideoTrack;

/** SDK LocalTrackPublishOptions. */
export interface LocalTrackPublishOptions {
  /** Name for a raw MediaStreamTrack being wrapped. Default: the new track's id. */
  name?: string;
  /** Publish priority sent in the track state. Default 'standard'. */
  priority?: TrackPriority;
}

export type LocalParticipantState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** `plaza_channel` of a data track that carries a DataChannel session (DataChannels.ts). */
export type PlazaChannelState = NonNullable<ClientTrackState['plaza_channel']>;

export type LocalParticipantEvents = {
  trackPublished: [publication: LocalTrackPublication];
  trackPublicationFailed: [error: TwilioError, track: LocalTrack];
  /** Re-emitted events of the audio/video tracks being published (SDK localparticipant.js). */
  trackEnabled: [track: MediaTrack];
  trackDisabled: [track: MediaTrack];
  trackStopped: [track: MediaTrack];
  trackStarted: [track: MediaTrack];
  trackDimensionsChanged: [track: MediaTrack];
  reconnecting: [];
  reconnected: [];
  disconnected: [participant: LocalParticipant];
};

/** The peer-connection side LocalParticipant needs (PeerConnectionV2, or a fake in unit tests). */
export type ChannelFactory = Pick<PeerConnectionV2, 'createDataChannel' | 'maxMessageSize' | 'addMediaTrack' | 'removeMediaTrack'>;

interface Entry {
  track: LocalTrack;
  priority: TrackPriority;
  /** Data tracks carrying a DataChannel session: announced in the track state. */
  plazaChannel: PlazaChannelState | null;
  /** Data tracks: the channel sender. */
  sender: DataTrackSender | null;
  /** Audio/video tracks: the sending transceiver. */
  transceiver: RTCRtpTransceiver | null;
  publication: LocalTrackPublication | null;
  promise: Promise<LocalTrackPublication>;
  resolve: (publication: LocalTrackPublication) => void;
  reject: (error: TwilioError) => void;
  /** Removes our listeners from a media track. */
  unlisten: (() => void) | null;
}

export class LocalParticipant extends TypedEmitter<LocalParticipantEvents> {
  /** Set from `connected.participant`. */
  sid = '';
  identity = '';
  /** @internal Our room index (`participant.plaza_index`), when the server sends one. */
  _plazaIndex: number | undefined = undefined;
  /** Publications by track SID (only tracks the server accepted). */
  readonly tracks = new Map<string, LocalTrackPublication>();
  readonly audioTracks = new Map<string, LocalAudioTrackPublication>();
  readonly videoTracks = new Map<string, LocalVideoTrackPublication>();
  readonly dataTracks = new Map<string, LocalDataTrackPublication>();
  #state: LocalParticipantState = 'connecting';
  #revision = 1;
  #publishedRevision = 0;
  readonly #entries = new Map<string, Entry>();
  #channels: ChannelFactory | null = null;
  #onUpdated: (() => void) | null = null;
  #updateScheduled = false;
  /** Tracks connect() captured itself: stopped on disconnect, as the SDK does. */
  readonly #ownedTracks = new Set<MediaTrack>();
  readonly #log: Logger;

  constructor(log: Logger) {
    super();
    this.#log = log;
  }

  get state(): LocalParticipantState {
    return this.#state;
  }

  /** Participant state revision sent with every connect/sync/update. */
  get revision(): number {
    return this.#revision;
  }

  /** Alias of `tracks` (newer SDK name). */
  get trackPublications(): Map<string, LocalTrackPublication> {
    return this.tracks;
  }

  /** `participant` of connect/sync/update messages. */
  getState(): ParticipantStateOut {
    return {
      revision: this.#revision,
      tracks: [...this.#entries.values()].map(({ track, priority, plazaChannel }) =>
        track.kind === 'data'
          ? {
              id: track.id,
              kind: 'data' as const,
              name: track.name,
              enabled: true,
              priority,
              // Plaza extension: lets the server mirror the reliability on subscriber channels.
              ordered: track.ordered,
              max_packet_life_time: track.maxPacketLifeTime,
              max_retransmits: track.maxRetransmits,
              // Plaza extension: this track is a DataChannel session (routed by envelope).
              ...(plazaChannel ? { plaza_channel: { ...plazaChannel } } : {}),
            }
          : { id: track.id, kind: track.kind, name: track.name, enabled: track.isEnabled, priority },
      ),
    };
  }

  /**
   * Publishes a LocalTrack (or a MediaStreamTrack, wrapped in a LocalAudioTrack/LocalVideoTrack);
   * resolves once the server reports it ready. Publishing twice returns the same.
   */
  publishTrack(track: LocalDataTrack, options?: LocalTrackPublishOptions): Promise<LocalDataTrackPublication>;
  publishTrack(track: LocalAudioTrack, options?: LocalTrackPublishOptions): Promise<LocalAudioTrackPublication>;
  publishTrack(track: LocalVideoTrack, options?: LocalTrackPublishOptions): Promise<LocalVideoTrackPublication>;
  publishTrack(track: LocalTrack | MediaStreamTrack, options?: LocalTrackPublishOptions): Promise<LocalTrackPublication>;
  publishTrack(track: LocalTrack | MediaStreamTrack, options: LocalTrackPublishOptions = {}): Promise<LocalTrackPublication> {
    if (this.#state === 'disconnected') {
      return Promise.reject(new TrackPublicationCanceledError('LocalParticipant disconnected'));
    }
    let local: LocalTrack;
    try {
      local = this.#findTrack(track) ?? asLocalTrack(track, options.name === undefined ? {} : { name: options.name });
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new TypeError(String(error)));
    }
    const existing = this.#entries.get(local.id);
    if (existing) return existing.publication ? Promise.resolve(existing.publication) : existing.promise;
    return this._addTrack(local, options.priority);
  }

  publishTracks(tracks: Array<LocalTrack | MediaStreamTrack>): Promise<LocalTrackPublication[]> {
    return Promise.all(tracks.map((track) => this.publishTrack(track)));
  }

  /** Stops sending the track and tells the server. Returns its publication, if it had one. */
  unpublishTrack(track: LocalDataTrack): LocalDataTrackPublication | null;
  unpublishTrack(track: LocalAudioTrack): LocalAudioTrackPublication | null;
  unpublishTrack(track: LocalVideoTrack): LocalVideoTrackPublication | null;
  unpublishTrack(track: LocalTrack | MediaStreamTrack): LocalTrackPublication | null;
  unpublishTrack(track: LocalTrack | MediaStreamTrack): LocalTrackPublication | null {
    const local = this.#findTrack(track);
    const entry = local && this.#entries.get(local.id);
    if (!entry) return null;
    this.#removeEntry(entry, new TrackPublicationCanceledError(`track ${track.id} was unpublished`));
    this.#didUpdate();
    return entry.publication;
  }

  unpublishTracks(tracks: Array<LocalTrack | MediaStreamTrack>): LocalTrackPublication[] {
    return tracks.flatMap((track) => this.unpublishTrack(track) ?? []);
  }

  /**
   * @internal Publishes a DataChannel session's track: a data track whose state carries
   * `plaza_channel`. Rejects like publishTrack().
   */
  _publishSession(track: LocalDataTrack, plazaChannel: PlazaChannelState): Promise<LocalDataTrackPublication> {
    if (this.#state === 'disconnected') {
      return Promise.reject(new TrackPublicationCanceledError('LocalParticipant disconnected'));
    }
    return this._addTrack(track, 'standard', plazaChannel) as Promise<LocalDataTrackPublication>;
  }

  /** @internal Adds a track to the state (and its channel or transceiver, once the peer connection exists). */
  _addTrack(track: LocalTrack, priority: TrackPriority = 'standard', plazaChannel: PlazaChannelState | null = null): Promise<LocalTrackPublication> {
    let resolve!: (publication: LocalTrackPublication) => void;
    let reject!: (error: TwilioError) => void;
    const promise = new Promise<LocalTrackPublication>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Tracks passed to connect() have no caller awaiting them: their failure is reported through
    // trackPublicationFailed and must not become an unhandled rejection.
    promise.catch(() => undefined);
    const entry: Entry = { track, priority, plazaChannel, sender: null, transceiver: null, publication: null, promise, resolve, reject, unlisten: null };
    this.#entries.set(track.id, entry);
    if (track.kind !== 'data') entry.unlisten = this.#listen(track);
    if (this.#channels) this.#openChannel(entry);
    this.#didUpdate();
    return promise;
  }

  /** @internal The room's peer connection exists: create channels and transceivers for tracks added before it. */
  _setChannelFactory(channels: ChannelFactory): void {
    this.#channels = channels;
    for (const entry of this.#entries.values()) if (!entry.sender && !entry.transceiver) this.#openChannel(entry);
  }

  /**
   * @internal The room replaced its peer connection (Plaza's ICE restart): every published track
   * goes on on the new one. Data tracks get a new channel with the same label (the server's relay
   * takes it over; see LocalDataTrack._replaceSender); audio/video get a new transceiver with the
   * same track id, so the server knows them again. Nothing is unpublished.
   */
  _moveTo(channels: ChannelFactory): void {
    this.#channels = channels;
    for (const entry of this.#entries.values()) {
      entry.transceiver = null; // it belonged to the old peer connection
      this.#openChannel(entry);
    }
  }

  /** @internal Tracks connect() captured for the app (audio/video options): stopped on disconnect. */
  _ownTracks(tracks: MediaTrack[]): void {
    for (const track of tracks) this.#ownedTracks.add(track);
  }

  /** @internal Called after each state change that must reach the server (`update {participant}`). */
  _setUpdateCallback(callback: () => void): void {
    this.#onUpdated = callback;
  }

  /** @internal `participant {sid, identity, plaza_index?}` from room state. */
  _connect(sid: string, identity: string, plazaIndex?: number): void {
    this.sid = sid;
    this.identity = identity;
    if (plazaIndex !== undefined) this._plazaIndex = plazaIndex;
    if (this.#state === 'connecting') this.#state = 'connected';
  }

  /** @internal */
  _setReconnecting(reconnecting: boolean): void {
    if (reconnecting && this.#state === 'connected') {
      this.#state = 'reconnecting';
      this.emit('reconnecting');
    } else if (!reconnecting && this.#state === 'reconnecting') {
      this.#state = 'connected';
      this.emit('reconnected');
    }
  }

  /** @internal Applies `published` if its revision is newer than the last one applied. */
  _handlePublished(published: ParsedPublished): void {
    if (published.revision <= this.#publishedRevision) return;
    this.#publishedRevision = published.revision;
    for (const state of published.tracks) {
      const entry = this.#entries.get(state.id);
      if (!entry) continue;
      if (state.state === 'ready' && state.sid && !entry.publication) {
        const publication = this.#createPublication(state.sid, entry);
        entry.publication = publication;
        this.tracks.set(publication.trackSid, publication);
        this.#mapOf(publication).set(publication.trackSid, publication);
        entry.resolve(publication);
        this.emit('trackPublished', publication);
      } else if (state.state === 'failed' && !entry.publication) {
        const error = TwilioError.fromServer(state.error?.code, state.error?.message);
        this.#log.warn(`Failed to publish track ${entry.track.id}: ${error.code} ${error.message}`);
        this.#removeEntry(entry, error);
        this.#didUpdate();
        this.emit('trackPublicationFailed', error, entry.track);
      }
    }
  }

  /** @internal The room disconnected: channels close, pending publishes fail, publications go. */
  _disconnect(error?: TwilioError): void {
    if (this.#state === 'disconnected') return;
    this.#state = 'disconnected';
    const reason = error ?? new TrackPublicationCanceledError('LocalParticipant disconnected');
    for (const entry of [...this.#entries.values()]) this.#removeEntry(entry, reason);
    for (const track of this.#ownedTracks) track.stop();
    this.#ownedTracks.clear();
    this.emit('disconnected', this);
  }

  #openChannel(entry: Entry): void {
    const channels = this.#channels;
    if (!channels) return;
    const { track } = entry;
    try {
      if (track.kind === 'data') {
        const channel = channels.createDataChannel(track.id, track.dataChannelInit);
        const previous = entry.sender;
        entry.sender = new DataTrackSender(channel, () => channels.maxMessageSize, this.#log, track.queueLimits);
        if (previous) track._replaceSender(previous, entry.sender);
        else track._addSender(entry.sender);
      } else {
        entry.transceiver = channels.addMediaTrack(track.mediaStreamTrack, track.id);
      }
    } catch (error) {
      const failure =
        error instanceof TwilioError ? error : new MediaConnectionError(`cannot send the ${track.kind} track: ${String(error)}`);
      this.#log.warn(failure.message);
      // Reported asynchronously: this can run inside publishTrack(), before the caller has the promise.
      queueMicrotask(() => {
        if (this.#entries.get(entry.track.id) !== entry) return;
        this.#removeEntry(entry, failure);
        this.#didUpdate();
        this.emit('trackPublicationFailed', failure, entry.track);
      });
    }
  }

  #removeEntry(entry: Entry, reason: TwilioError): void {
    this.#entries.delete(entry.track.id);
    if (entry.sender && entry.track.kind === 'data') {
      entry.track._removeSender(entry.sender);
      entry.sender.close();
    }
    if (entry.transceiver) this.#channels?.removeMediaTrack(entry.transceiver);
    entry.unlisten?.();
    if (entry.publication) {
      this.tracks.delete(entry.publication.trackSid);
      this.#mapOf(entry.publication).delete(entry.publication.trackSid);
    } else {
      entry.reject(reason);
    }
  }

  /** The entry's track for a LocalTrack or a MediaStreamTrack we wrapped earlier. */
  #findTrack(track: LocalTrack | MediaStreamTrack): LocalTrack | null {
    if (!isMediaStreamTrackLike(track)) return this.#entries.has((track as LocalTrack).id) ? (track as LocalTrack) : null;
    for (const entry of this.#entries.values()) {
      if (entry.track.kind !== 'data' && entry.track.mediaStreamTrack === track) return entry.track;
    }
    return null;
  }

  #createPublication(sid: string, entry: Entry): LocalTrackPublication {
    const unpublish = (t: LocalTrack) => void this.unpublishTrack(t);
    const { track } = entry;
    if (track.kind === 'data') return new LocalDataTrackPublication(sid, track, unpublish);
    if (track instanceof LocalAudioTrack) return new LocalAudioTrackPublication(sid, track, entry.priority, unpublish);
    return new LocalVideoTrackPublication(sid, track as LocalVideoTrack, entry.priority, unpublish);
  }

  #mapOf(publication: LocalTrackPublication): Map<string, LocalTrackPublication> {
    const maps = { audio: this.audioTracks, video: this.videoTracks, data: this.dataTracks };
    return maps[publication.kind] as Map<string, LocalTrackPublication>;
  }

  /** Media track events: enabled/disabled change our state; all are re-emitted (SDK). */
  #listen(track: MediaTrack): () => void {
    const onEnabled = () => {
      this.#didUpdate();
      this.emit('trackEnabled', track);
    };
    const onDisabled = () => {
      this.#didUpdate();
      this.emit('trackDisabled', track);
    };
    const onStopped = () => this.emit('trackStopped', track);
    const onStarted = () => this.emit('trackStarted', track);
    const onDimensions = () => this.emit('trackDimensionsChanged', track);
    const emitter = track as LocalMediaTrack;
    emitter.on('enabled', onEnabled).on('disabled', onDisabled).on('stopped', onStopped);
    emitter.on('started', onStarted).on('dimensionsChanged', onDimensions);
    return () => {
      emitter.off('enabled', onEnabled).off('disabled', onDisabled).off('stopped', onStopped);
      emitter.off('started', onStarted).off('dimensionsChanged', onDimensions);
    };
  }

  #didUpdate(): void {
    this.#revision++;
    if (!this.#onUpdated || this.#updateScheduled) return;
    this.#updateScheduled = true;
    queueMicrotask(() => {
      this.#updateScheduled = false;
      if (this.#state !== 'disconnected') this.#onUpdated?.();
    });
  }
}
