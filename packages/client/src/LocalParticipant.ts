/**
 * LocalParticipant (twilio-video lib/localparticipant.js + lib/signaling/v2/localparticipant.js),
 * data tracks only.
 *
 * Publishing, as the SDK does it on the wire:
 *  1. the track joins `participant.tracks` and the participant revision goes up (it starts at 1);
 *  2. an in-band data channel labelled with the track id is created on the room's peer connection;
 *  3. `update {participant}` is sent (coalesced per tick);
 *  4. the server answers in `published: {revision, tracks: [{id, sid, state}]}`: 'ready' resolves
 *     publishTrack() with a LocalDataTrackPublication, 'failed' rejects it with the server's code.
 * The server reports 'ready' only once its relay for the track is ready, and LocalDataTrack.send()
 * queues until our channel is open, so a message sent right after publishTrack() resolves reaches
 * every subscriber present then.
 */
import type { ParsedPublished } from '@plaza/protocol';
import { DataChannelSender } from './DataChannelSender.js';
import { MediaConnectionError, TrackPublicationCanceledError, TwilioError } from './errors.js';
import { LocalDataTrack } from './LocalDataTrack.js';
import { LocalDataTrackPublication } from './LocalDataTrackPublication.js';
import type { Logger } from './Logger.js';
import type { PeerConnectionV2 } from './PeerConnectionV2.js';
import { TypedEmitter } from './TypedEmitter.js';
import type { ParticipantStateOut } from './wire.js';

export type LocalParticipantState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export type LocalParticipantEvents = {
  trackPublished: [publication: LocalDataTrackPublication];
  trackPublicationFailed: [error: TwilioError, track: LocalDataTrack];
  reconnecting: [];
  reconnected: [];
  disconnected: [participant: LocalParticipant];
};

/** The peer-connection side LocalParticipant needs (PeerConnectionV2, or a fake in unit tests). */
export type ChannelFactory = Pick<PeerConnectionV2, 'createDataChannel' | 'maxMessageSize'>;

interface Entry {
  track: LocalDataTrack;
  sender: DataChannelSender | null;
  publication: LocalDataTrackPublication | null;
  promise: Promise<LocalDataTrackPublication>;
  resolve: (publication: LocalDataTrackPublication) => void;
  reject: (error: TwilioError) => void;
}

export class LocalParticipant extends TypedEmitter<LocalParticipantEvents> {
  /** Set from `connected.participant`. */
  sid = '';
  identity = '';
  /** Publications by track SID (only tracks the server accepted). */
  readonly tracks = new Map<string, LocalDataTrackPublication>();
  readonly dataTracks = new Map<string, LocalDataTrackPublication>();
  #state: LocalParticipantState = 'connecting';
  #revision = 1;
  #publishedRevision = 0;
  readonly #entries = new Map<string, Entry>();
  #channels: ChannelFactory | null = null;
  #onUpdated: (() => void) | null = null;
  #updateScheduled = false;
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
  get trackPublications(): Map<string, LocalDataTrackPublication> {
    return this.tracks;
  }

  /** `participant` of connect/sync/update messages. */
  getState(): ParticipantStateOut {
    return {
      revision: this.#revision,
      tracks: [...this.#entries.values()].map(({ track }) => ({
        id: track.id,
        kind: 'data' as const,
        name: track.name,
        enabled: true,
        priority: 'standard',
        // Plaza extension: lets the server mirror the reliability on subscriber channels.
        ordered: track.ordered,
        max_packet_life_time: track.maxPacketLifeTime,
        max_retransmits: track.maxRetransmits,
      })),
    };
  }

  /** Publishes a LocalDataTrack; resolves once the server reports it ready. Publishing twice returns the same. */
  publishTrack(track: LocalDataTrack): Promise<LocalDataTrackPublication> {
    if (!(track instanceof LocalDataTrack)) {
      return Promise.reject(new TypeError('track must be a LocalDataTrack (this SDK publishes data tracks only)'));
    }
    if (this.#state === 'disconnected') {
      return Promise.reject(new TrackPublicationCanceledError('LocalParticipant disconnected'));
    }
    const existing = this.#entries.get(track.id);
    if (existing) return existing.publication ? Promise.resolve(existing.publication) : existing.promise;
    return this._addTrack(track);
  }

  publishTracks(tracks: LocalDataTrack[]): Promise<LocalDataTrackPublication[]> {
    return Promise.all(tracks.map((track) => this.publishTrack(track)));
  }

  /** Closes the track's channel here and tells the server. Returns its publication, if it had one. */
  unpublishTrack(track: LocalDataTrack): LocalDataTrackPublication | null {
    const entry = this.#entries.get(track.id);
    if (!entry) return null;
    this.#removeEntry(entry, new TrackPublicationCanceledError(`track ${track.id} was unpublished`));
    this.#didUpdate();
    return entry.publication;
  }

  unpublishTracks(tracks: LocalDataTrack[]): LocalDataTrackPublication[] {
    return tracks.flatMap((track) => this.unpublishTrack(track) ?? []);
  }

  /** @internal Adds a track to the state (and its channel, once the peer connection exists). */
  _addTrack(track: LocalDataTrack): Promise<LocalDataTrackPublication> {
    let resolve!: (publication: LocalDataTrackPublication) => void;
    let reject!: (error: TwilioError) => void;
    const promise = new Promise<LocalDataTrackPublication>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Tracks passed to connect() have no caller awaiting them: their failure is reported through
    // trackPublicationFailed and must not become an unhandled rejection.
    promise.catch(() => undefined);
    const entry: Entry = { track, sender: null, publication: null, promise, resolve, reject };
    this.#entries.set(track.id, entry);
    if (this.#channels) this.#openChannel(entry);
    this.#didUpdate();
    return promise;
  }

  /** @internal The room's peer connection exists: create channels for tracks added before it. */
  _setChannelFactory(channels: ChannelFactory): void {
    this.#channels = channels;
    for (const entry of this.#entries.values()) if (!entry.sender) this.#openChannel(entry);
  }

  /** @internal Called after each state change that must reach the server (`update {participant}`). */
  _setUpdateCallback(callback: () => void): void {
    this.#onUpdated = callback;
  }

  /** @internal `participant {sid, identity}` from room state. */
  _connect(sid: string, identity: string): void {
    this.sid = sid;
    this.identity = identity;
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
        const publication = new LocalDataTrackPublication(state.sid, entry.track, (t) => this.unpublishTrack(t));
        entry.publication = publication;
        this.tracks.set(publication.trackSid, publication);
        this.dataTracks.set(publication.trackSid, publication);
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
    this.emit('disconnected', this);
  }

  #openChannel(entry: Entry): void {
    const channels = this.#channels;
    if (!channels) return;
    try {
      const channel = channels.createDataChannel(entry.track.id, entry.track.dataChannelInit);
      entry.sender = new DataChannelSender(channel, () => channels.maxMessageSize, this.#log, entry.track.queueLimits);
      entry.track._addSender(entry.sender);
    } catch (error) {
      const failure = new MediaConnectionError(`cannot create a data channel: ${String(error)}`);
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
    if (entry.sender) {
      entry.track._removeSender(entry.sender);
      entry.sender.close();
    }
    if (entry.publication) {
      this.tracks.delete(entry.publication.trackSid);
      this.dataTracks.delete(entry.publication.trackSid);
    } else {
      entry.reject(reason);
    }
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
