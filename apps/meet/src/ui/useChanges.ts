import { useEffect, useState } from 'preact/hooks';

/** A model that says when it changed (a TypedEmitter with a `change` event). */
export interface Changing {
  on(event: 'change', listener: () => void): unknown;
  off(event: 'change', listener: () => void): unknown;
}

/**
 * Re-renders the component whenever `source` emits `change`. The models (CallSession, chat, files,
 * whiteboard) are plain objects that say when they changed; the components read them directly.
 */
export function useChanges(source: Changing): void {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const bump = (): void => setVersion((v) => v + 1);
    source.on('change', bump);
    return () => void source.off('change', bump);
  }, [source]);
}
