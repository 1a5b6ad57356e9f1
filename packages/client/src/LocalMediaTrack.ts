/**
 * LocalAudioTrack / LocalVideoTrack base (twilio-video lib/media/track/localmediatrack.js), wrapping
 * one MediaStreamTrack:
 *  - `id` is a fresh UUID, and it is the msid track id of the m-section that carries the track in our
 *    offers (PeerConnectionV2 rewrites the SDP) and the `id` in `participant.tracks`;
 *  - enable()/disable() set `mediaStreamTrack.enabled` (the browser then sends silence / black
 *    frames) and emit `enabled`/`disabled`; LocalParticipant listens and sends the new `enabled`
 *    in an `update`, so other participants see trackEnabled/trackDisabled;
 *  - stop() stops the MediaStreamTrack and emits `stopped` (also emitted when the device ends it).
 * Unlike the SDK we do not clone the MediaStreamTrack per room: the same track object is sent.
 */
import { makeUUID } from './environment.js';
import { TrackInvalidError } from './errors.js';
import { MediaElements, type ElementOf, type MediaKind, type VideoDimensions } from './MediaElements.js';
import type { RtpMediaStreamTrack } from './RtpMediaStreamTrack.js';
import { TypedEmitter } from './TypedEmitter.js';

export type LocalMediaTrackEvents<T> = {
  enabled: [track: T];
  disabled: [track: T];
  /** Media started flowing (the first frame or audio sample could be played). */
  started: [track: T];
  stopped: [track: T];
  /** Video only: the dimensions changed. */
  dimensionsChanged: [track: T];
};

export interface LocalTrackOptions {
  /** Track name; defaults to the track id (SDK behaviour). */
  name?: string;
  /** Accepted for compatibility with twilio-video and ignored (connect()'s logLevel applies). */
  logLevel?: unknown;
}

export class LocalMediaTrack<K extends MediaKind = MediaKind> extends TypedEmitter<LocalMediaTrackEvents<LocalMediaTrack<K>>> {
  readonly id: string;
  readonly kind: K;
  readonly name: string;
  readonly mediaStreamTrack: MediaStreamTrack;
  readonly #elements: MediaElements;
  #stopped = false;

  constructor(kind: K, track: MediaStreamTrack | RtpMediaStreamTrack, options: LocalTrackOptions = {}) {
    // An RtpMediaStreamTrack is MediaStreamTrack-like: the same members are used either way.
    const mediaStreamTrack = track as MediaStreamTrack;
    super();
    if (!isMediaStreamTrackLike(mediaStreamTrack) || mediaStreamTrack.kind !== kind) {
      throw new TrackInvalidError(`expected an ${kind} MediaStreamTrack`);
    }
    this.id = makeUUID();
    this.kind = kind;
    this.name = options.name === undefined || options.name === null ? this.id : String(options.name);
    this.mediaStreamTrack = mediaStreamTrack;
    this.#elements = new MediaElements(kind, mediaStreamTrack, {
      onStarted: () => this.emit('started', this),
      onDimensionsChanged: () => this.emit('dimensionsChanged', this),
    });
    // 'ended' fires when the device or the browser ends the track, not after our own stop().
    const onEnded = () => {
      mediaStreamTrack.removeEventListener('ended', onEnded);
      this.#end();
    };
    mediaStreamTrack.addEventListener('ended', onEnded);
  }

  /** Whether the track sends media (false: silence or black frames). */
  get isEnabled(): boolean {
    return this.mediaStreamTrack.enabled;
  }

  get isStopped(): boolean {
    return this.#stopped || this.mediaStreamTrack.readyState === 'ended';
  }

  get isStarted(): boolean {
    return this.#elements.isStarted;
  }

  /** Video width and height once known (null before the first frame, and for audio). */
  get dimensions(): VideoDimensions {
    return this.#elements.dimensions;
  }

  /** enable() / enable(true) enables, enable(false) disables. Emits only on a change. */
  enable(enabled?: boolean): this {
    const value = typeof enabled === 'boolean' ? enabled : true;
    if (value !== this.mediaStreamTrack.enabled) {
      this.mediaStreamTrack.enabled = value;
      this.emit(value ? 'enabled' : 'disabled', this);
    }
    return this;
  }

  disable(): this {
    return this.enable(false);
  }

  /** Stops capturing. The track stays published (as in the SDK) but sends nothing. */
  stop(): this {
    this.mediaStreamTrack.stop();
    this.#end();
    return this;
  }

  /** Attaches to `el` (or a selector), or to a new <audio>/<video> element, and returns it. */
  attach(): ElementOf<K>;
  attach<T extends HTMLMediaElement>(el: T): T;
  attach(selector: string): HTMLMediaElement;
  attach(el?: HTMLMediaElement | string): HTMLMediaElement {
    return this.#elements.attach(el);
  }

  /** Detaches from every element (returns them) or from one (returns it). */
  detach(): HTMLMediaElement[];
  detach<T extends HTMLMediaElement>(el: T): T;
  detach(selector: string): HTMLMediaElement;
  detach(el?: HTMLMediaElement | string): HTMLMediaElement | HTMLMediaElement[] {
    const detached = this.#elements.detach(el);
    return el === undefined ? detached : (detached[0] as HTMLMediaElement);
  }

  #end(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#elements.end();
    this.emit('stopped', this);
  }
}

/** Duck-typed so that Node code can wrap a MediaStreamTrack-like object (no global MediaStreamTrack there). */
export function isMediaStreamTrackLike(value: unknown): value is MediaStreamTrack {
  const track = value as Partial<MediaStreamTrack> | null;
  return (
    typeof track === 'object' &&
    track !== null &&
    (track.kind === 'audio' || track.kind === 'video') &&
    typeof track.id === 'string' &&
    typeof track.stop === 'function' &&
    typeof track.addEventListener === 'function'
  );
}
