/**
 * A small typed event emitter with Node's EventEmitter method names (on/once/off/emit/...), written
 * here rather than imported from node:events because this package also runs in browsers unbundled.
 *
 * Every emitter in the client declares its event map next to its class, e.g.
 * `type RoomEvents = { participantConnected: [RemoteParticipant] }`.
 */
// Event maps are object types from event name to the listener's argument tuple.
export type EventMap = { [event: string]: unknown[] };
export type Listener<Args extends unknown[]> = (...args: Args) => void;

export class TypedEmitter<Events extends EventMap> {
  #listeners = new Map<keyof Events, Array<Listener<never[]>>>();

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener as Listener<never[]>);
    this.#listeners.set(event, list);
    return this;
  }

  addListener<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    return this.on(event, listener);
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const wrapper = ((...args: Events[E]) => {
      this.off(event, wrapper);
      listener(...args);
    }) as Listener<Events[E]> & { listener?: unknown };
    wrapper.listener = listener;
    return this.on(event, wrapper);
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const list = this.#listeners.get(event);
    if (!list) return this;
    const index = list.findIndex(
      (l) => l === listener || (l as { listener?: unknown }).listener === listener,
    );
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.#listeners.delete(event);
    return this;
  }

  removeListener<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    return this.off(event, listener);
  }

  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
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
    for (const listener of [...list]) {
      try {
        (listener as Listener<Events[E]>)(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    return true;
  }
}
