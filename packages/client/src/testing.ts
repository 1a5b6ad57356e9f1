/**
 * A helper for tests and scripts: await one event with a deadline, so a test that waits always ends
 * (ARCHITECTURE.md: "every test that waits has a timeout and asserts an outcome").
 *
 *   const [track] = await waitForEvent(room, 'trackSubscribed', 5000);
 *   const [data] = await waitForEvent(track, 'message', 5000, (d) => d === 'hello');
 */
import type { EventMap, EventsOf, TypedEmitter } from './TypedEmitter.js';

export function waitForEvent<T extends TypedEmitter<EventMap>, E extends keyof EventsOf<T> & string>(
  target: T,
  event: E,
  timeoutMs: number,
  filter?: (...args: EventsOf<T>[E]) => boolean,
): Promise<EventsOf<T>[E]> {
  type Args = EventsOf<T>[E];
  const emitter = target as unknown as TypedEmitter<EventsOf<T>>;
  return new Promise<Args>((resolve, reject) => {
    const listener = (...args: Args) => {
      if (filter && !filter(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}
