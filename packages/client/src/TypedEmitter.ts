/**
 * A small typed event emitter with Node's EventEmitter method names (on/once/off/emit/...), written
 * here rather than imported from node:events because this package also runs in browsers unbundled.
 *
 * Every emitter in the client declares its event map next to its class, e.g.
 * `type RoomEvents = { participantConnected: [RemoteParticipant] }`.
 */
// Event maps are object types from event name to the listener's argument tuple.
export type EventMap = { [event: string]: unknown[] };
/**
 * Listener parameters are checked bivariantly (method-style), so `(data: ArrayBuffer) => ...` is
 * accepted where data is `string | ArrayBuffer`: twilio-video's typings accept any listener, and
 * ported apps often annotate the narrower type they know they receive.
 */
export type Listener<Args extends unknown[]> = { bivarianceHack(...args: Args): void }['bivarianceHack'];

/**
 * Some events carry one of several argument shapes, written as a union of tuples (e.g. Room's
 * trackSubscribed: `[RemoteAudioTrack, RemoteAudioTrackPublication, RemoteParticipant] | [...]`).
 * The first overload of on()/once()/off() takes a listener for all of them (its parameters are
 * typed contextually as the unions); the second also accepts a listener written for one shape,
 * e.g. `(track: RemoteDataTrack) => ...`, as apps ported from twilio-video often are.
 */
export type ListenerForOne<Args extends unknown[]> = Args extends unknown ? Listener<Args> : never;

/** The event map of an emitter type, e.g. EventsOf<Room> = RoomEvents. */
export type EventsOf<T> = T extends { readonly _eventMap?: infer E } ? (E extends EventMap ? E : never) : never;

/** How listeners are stored: the event map guarantees the arguments match at the call sites. */
type StoredListener = Listener<unknown[]> & { listener?: unknown };

export class TypedEmitter<Events extends EventMap> {
  /** Type-only: lets helpers recover a subclass's event map (see EventsOf). Never set at runtime. */
  declare readonly _eventMap?: Events;
  #listeners = new Map<keyof Events, StoredListener[]>();

  // Listener arrays are copy-on-write: on/off replace them, so emit() can iterate the current array
  // without copying it (emit runs per data message; adding and removing listeners is rare).
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this;
  on<E extends keyof Events>(event: E, listener: ListenerForOne<Events[E]>): this;
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]> | ListenerForOne<Events[E]>): this {
    const list = this.#listeners.get(event) ?? [];
    this.#listeners.set(event, [...list, listener as unknown as StoredListener]);
    return this;
  }

  addListener<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this;
  addListener<E extends keyof Events>(event: E, listener: ListenerForOne<Events[E]>): this;
  addListener<E extends keyof Events>(event: E, listener: Listener<Events[E]> | ListenerForOne<Events[E]>): this {
    return this.on(event, listener as Listener<Events[E]>);
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this;
  once<E extends keyof Events>(event: E, listener: ListenerForOne<Events[E]>): this;
  once<E extends keyof Events>(event: E, listener: Listener<Events[E]> | ListenerForOne<Events[E]>): this {
    const wrapper = ((...args: Events[E]) => {
      this.off(event, wrapper);
      (listener as Listener<Events[E]>)(...args);
    }) as Listener<Events[E]> & { listener?: unknown };
    wrapper.listener = listener;
    return this.on(event, wrapper);
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this;
  off<E extends keyof Events>(event: E, listener: ListenerForOne<Events[E]>): this;
  off<E extends keyof Events>(event: E, listener: Listener<Events[E]> | ListenerForOne<Events[E]>): this {
    const list = this.#listeners.get(event);
    if (!list) return this;
    const index = list.findIndex((l) => (l as unknown) === listener || l.listener === listener);
    if (index < 0) return this;
    if (list.length === 1) this.#listeners.delete(event);
    else this.#listeners.set(event, [...list.slice(0, index), ...list.slice(index + 1)]);
    return this;
  }

  removeListener<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this;
  removeListener<E extends keyof Events>(event: E, listener: ListenerForOne<Events[E]>): this;
  removeListener<E extends keyof Events>(event: E, listener: Listener<Events[E]> | ListenerForOne<Events[E]>): this {
    return this.off(event, listener as Listener<Events[E]>);
  }

  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
  }

  /** Events with at least one listener (Node's EventEmitter#eventNames). */
  eventNames(): Array<keyof Events> {
    return [...this.#listeners.keys()];
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /**
   * Calls the listeners in order. A throwing app listener must not leave our state half-updated (we
   * emit from inside signaling handlers), so its error is rethrown on a fresh microtask instead:
   * it still surfaces as an uncaught exception, as it would with Node's EventEmitter.
   */
  emit<E extends keyof Events>(event: E, ...args: Events[E]): boolean {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) return false;
    for (const listener of list) {
      try {
        listener(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    return true;
  }
}
