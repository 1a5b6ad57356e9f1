/**
 * The HTMLMediaElement side of a media track, shared by local and remote tracks
 * (twilio-video lib/media/track/mediatrack.js and videotrack.js):
 *  - attach(el?) puts the MediaStreamTrack into the element's MediaStream (replacing a track of the
 *    same kind, keeping the other kind), sets srcObject, autoplay and playsInline; it creates an
 *    <audio>/<video> element when none is given;
 *  - detach(el?) removes it from one element, or from all of them;
 *  - a muted, never-inserted "dummy" element plays the track so that we learn when media starts
 *    flowing (`canplay` → started) and, for video, its dimensions (`loadedmetadata`/`resize`).
 * Without a DOM (Node), attach() throws MediaNotSupportedError and there is no dummy element.
 */
import { MediaNotSupportedError } from './errors.js';

export type MediaKind = 'audio' | 'video';

/** The element attach() creates for each kind. */
export type ElementOf<K extends MediaKind> = K extends 'video' ? HTMLVideoElement : HTMLAudioElement;

/** A video track's size; null until its first frame. */
export interface VideoDimensions {
  width: number | null;
  height: number | null;
}

export interface MediaElementsCallbacks {
  onStarted: () => void;
  onDimensionsChanged: () => void;
}

interface DocumentLike {
  createElement(tag: string): HTMLElement;
  querySelector(selector: string): Element | null;
}

function getDocument(): DocumentLike | null {
  const doc = (globalThis as { document?: DocumentLike }).document;
  return doc && typeof doc.createElement === 'function' ? doc : null;
}

function getMediaStreamCtor(): (new (tracks?: MediaStreamTrack[]) => MediaStream) | null {
  return (globalThis as { MediaStream?: new (tracks?: MediaStreamTrack[]) => MediaStream }).MediaStream ?? null;
}

export class MediaElements {
  readonly dimensions: VideoDimensions = { width: null, height: null };
  readonly #kind: MediaKind;
  readonly #track: MediaStreamTrack;
  readonly #callbacks: MediaElementsCallbacks;
  readonly #attached = new Set<HTMLMediaElement>();
  #dummy: HTMLMediaElement | null = null;
  #started = false;

  constructor(kind: MediaKind, track: MediaStreamTrack, callbacks: MediaElementsCallbacks) {
    this.#kind = kind;
    this.#track = track;
    this.#callbacks = callbacks;
    this.#startDummy();
  }

  get isStarted(): boolean {
    return this.#started;
  }

  /** Elements the track is attached to (not counting the dummy one). */
  get elements(): HTMLMediaElement[] {
    return [...this.#attached];
  }

  attach(target?: HTMLMediaElement | string): HTMLMediaElement {
    const el = typeof target === 'string' ? this.#select(target) : (target ?? this.#create());
    this.#put(el);
    this.#attached.add(el);
    return el;
  }

  detach(target?: HTMLMediaElement | string): HTMLMediaElement[] {
    const els = target === undefined ? this.elements : [typeof target === 'string' ? this.#select(target) : target];
    for (const el of els) {
      if (!this.#attached.delete(el)) continue;
      const stream = el.srcObject;
      const MediaStreamCtor = getMediaStreamCtor();
      if (MediaStreamCtor && stream instanceof MediaStreamCtor) stream.removeTrack(this.#track);
    }
    return els;
  }

  /** Stops the dummy element (track ended or unsubscribed). Attached elements are the app's. */
  end(): void {
    const dummy = this.#dummy;
    if (!dummy) return;
    this.#dummy = null;
    dummy.oncanplay = null;
    dummy.onloadedmetadata = null;
    dummy.onresize = null;
    dummy.srcObject = null;
  }

  #startDummy(): void {
    if (!getDocument() || !getMediaStreamCtor()) return;
    const dummy = this.#create();
    dummy.muted = true;
    dummy.oncanplay = () => {
      if (this.#dummy !== dummy || this.#started) return;
      this.#started = true;
      this.#readDimensions(dummy);
      this.#callbacks.onStarted();
    };
    if (this.#kind === 'video') {
      const video = dummy as HTMLVideoElement;
      video.onloadedmetadata = () => {
        if (this.#dummy === dummy) this.#readDimensions(video);
      };
      video.onresize = () => {
        if (this.#dummy === dummy && this.#readDimensions(video) && this.#started) this.#callbacks.onDimensionsChanged();
      };
    }
    this.#dummy = dummy;
    this.#put(dummy);
  }

  /** Returns whether the dimensions changed. */
  #readDimensions(el: HTMLMediaElement): boolean {
    if (this.#kind !== 'video') return false;
    const video = el as HTMLVideoElement;
    if (video.videoWidth === this.dimensions.width && video.videoHeight === this.dimensions.height) return false;
    this.dimensions.width = video.videoWidth;
    this.dimensions.height = video.videoHeight;
    return true;
  }

  #put(el: HTMLMediaElement): void {
    const MediaStreamCtor = getMediaStreamCtor();
    if (!MediaStreamCtor) throw new MediaNotSupportedError('MediaStream is not available');
    const current = el.srcObject;
    const stream = current instanceof MediaStreamCtor ? current : new MediaStreamCtor();
    const sameKind = this.#kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks();
    for (const t of sameKind) stream.removeTrack(t);
    stream.addTrack(this.#track);
    // Assigned again even when unchanged: works around https://crbug.com/1052353 like the SDK.
    el.srcObject = stream;
    el.autoplay = true;
    (el as HTMLVideoElement).playsInline = true;
  }

  #create(): HTMLMediaElement {
    const doc = getDocument();
    if (!doc) throw new MediaNotSupportedError('there is no document to create an <audio>/<video> element in');
    return doc.createElement(this.#kind) as HTMLMediaElement;
  }

  #select(selector: string): HTMLMediaElement {
    const doc = getDocument();
    const el = doc?.querySelector(selector);
    if (!el) throw new Error(`Selector matched no element: ${selector}`);
    return el as HTMLMediaElement;
  }
}
