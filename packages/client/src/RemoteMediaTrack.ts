/**
 * RemoteAudioTrack / RemoteVideoTrack base (twilio-video lib/media/track/remotemediatrack.js): a
 * subscribed audio or video track. Its MediaStreamTrack is the receiver track of the transceiver
 * whose m-section (in the server's offer) has this subscription's id as msid track id.
 *
 * `isEnabled` follows the publisher's `enabled` in participant state (events `enabled`/`disabled`);
 * `started` fires when media can be played; `dimensionsChanged` (video) when the size changes.
 * Like the SDK, the MediaStreamTrack is disabled while no element is attached after a detach
 * (Chrome keeps playing audio of removed elements: crbug.com/749928) and re-enabled by attach().
 */
import { MediaElements, type ElementOf, type MediaKind, type VideoDimensions } from './MediaElements.js';
import type { MediaTrackReceiver } from './MediaTransceivers.js';
import { checkSubscribePriority, type TrackPriority } from './RemoteDataTrack.js';
import { TypedEmitter } from './TypedEmitter.js';

export type RemoteMediaTrackEvents<T> = {
  enabled: [track: T];
  disabled: [track: T];
  started: [track: T];
  /** Video only. */
  dimensionsChanged: [track: T];
  /** Never emitted: Plaza does not switch tracks off (no bandwidth profiles yet). */
  switchedOff: [track: T];
  switchedOn: [track: T];
};

export class RemoteMediaTrack<K extends MediaKind = MediaKind> extends TypedEmitter<RemoteMediaTrackEvents<RemoteMediaTrack<K>>> {
  readonly kind: K;
  readonly sid: string;
  readonly name: string;
  readonly mediaStreamTrack: MediaStreamTrack;
  /** Always false: Plaza does not switch tracks off. */
  readonly isSwitchedOff = false;
  #isEnabled: boolean;
  #priority: TrackPriority | null = null;
  readonly #receiver: MediaTrackReceiver;
  readonly #elements: MediaElements;

  constructor(kind: K, sid: string, name: string, receiver: MediaTrackReceiver, isEnabled: boolean) {
    super();
    this.kind = kind;
    this.sid = sid;
    this.name = name;
    this.#receiver = receiver;
    this.#isEnabled = isEnabled;
    this.mediaStreamTrack = receiver.track;
    // The transceiver may have carried an earlier subscription that was detached (and so disabled).
    this.mediaStreamTrack.enabled = true;
    this.#elements = new MediaElements(kind, receiver.track, {
      onStarted: () => this.emit('started', this),
      onDimensionsChanged: () => this.emit('dimensionsChanged', this),
    });
  }

  /** Whether the publisher has the track enabled. */
  get isEnabled(): boolean {
    return this.#isEnabled;
  }

  get isStarted(): boolean {
    return this.#elements.isStarted;
  }

  /** Video width and height once known (null before the first frame, and for audio). */
  get dimensions(): VideoDimensions {
    return this.#elements.dimensions;
  }

  /** Subscriber priority; kept like the SDK but without effect (no bandwidth profiles). */
  get priority(): TrackPriority | null {
    return this.#priority;
  }

  setPriority(priority: TrackPriority | null): this {
    checkSubscribePriority(priority);
    this.#priority = priority;
    return this;
  }

  /** Attaches to `el` (or a selector), or to a new <audio>/<video> element, and returns it. */
  attach(): ElementOf<K>;
  attach<T extends HTMLMediaElement>(el: T): T;
  attach(selector: string): HTMLMediaElement;
  attach(el?: HTMLMediaElement | string): HTMLMediaElement {
    const attached = this.#elements.attach(el);
    this.mediaStreamTrack.enabled = true;
    return attached;
  }

  /** Detaches from every element (returns them) or from one (returns it). */
  detach(): HTMLMediaElement[];
  detach<T extends HTMLMediaElement>(el: T): T;
  detach(selector: string): HTMLMediaElement;
  detach(el?: HTMLMediaElement | string): HTMLMediaElement | HTMLMediaElement[] {
    const detached = this.#elements.detach(el);
    if (this.#elements.elements.length === 0) this.mediaStreamTrack.enabled = false;
    return el === undefined ? detached : (detached[0] as HTMLMediaElement);
  }

  /** @internal The publisher's `enabled` changed. */
  _setEnabled(enabled: boolean): void {
    if (enabled === this.#isEnabled) return;
    this.#isEnabled = enabled;
    this.emit(enabled ? 'enabled' : 'disabled', this);
  }

  /** @internal Unsubscribed: stop watching the media (elements stay attached: they are the app's). */
  _unsubscribe(): void {
    this.#elements.end();
  }

  /** @internal */
  get _receiver(): MediaTrackReceiver {
    return this.#receiver;
  }
}
