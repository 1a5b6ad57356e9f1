/**
 * The size cap of a DataChannel session relay, applied as messages stream through: a message in
 * several fragments (same sequence, in order: FragmentStart with `total`, middles, FragmentEnd) is
 * never reassembled here, only counted, so the relay holds no message in memory.
 *
 * A message is refused as soon as it is known to be too big (its declared total, or what arrived
 * so far, passes the cap or the declared total); the rest of its fragments are then dropped quietly.
 * A fragment that continues no message in progress (its start was never seen) cannot be checked
 * and no receiver could use it: it is dropped as malformed.
 */
import { EnvelopeFlag, isFirstFragment, WHOLE_MESSAGE, type Envelope } from '@plaza/protocol';

/**
 * forward: pass it on. reject: refuse the message (tell the publisher), forward nothing of it.
 * refused: a later fragment of a message already refused. orphan: a fragment of no known message.
 */
export type GateVerdict = 'forward' | 'reject' | 'refused' | 'orphan';

interface InProgress {
  sequence: number;
  total: number;
  received: number;
  refused: boolean;
}

export class FragmentGate {
  private current: InProgress | null = null;

  constructor(readonly maxMessageBytes: number) {}

  admit(e: Envelope): GateVerdict {
    const size = e.payload.length;
    // A whole message stands alone; it may come between another's fragments without disturbing them.
    if ((e.flags & WHOLE_MESSAGE) === WHOLE_MESSAGE) return size > this.maxMessageBytes ? 'reject' : 'forward';
    if (isFirstFragment(e.flags)) {
      // A new start abandons a message left unfinished (its receivers drop the partial one).
      const total = e.total ?? 0;
      const refused = total > this.maxMessageBytes || size > total;
      this.current = { sequence: e.sequence, total, received: size, refused };
      return refused ? 'reject' : 'forward';
    }
    const message = this.current;
    if (message?.sequence !== e.sequence) return 'orphan';
    if ((e.flags & EnvelopeFlag.FragmentEnd) !== 0) this.current = null;
    if (message.refused) return 'refused';
    message.received += size;
    // total <= the cap was checked at the start, so this bounds both.
    if (message.received > message.total) {
      message.refused = true;
      return 'reject';
    }
    return 'forward';
  }
}
