/**
 * One subscriber's view of one publication: the id the client sees (a data channel label, or the
 * msid track id of a server send m-section) and what carries it.
 */
import { randomUUID } from 'node:crypto';
import type { MediaLine } from '../media/MediaLine.js';
import type { PeerEndpoint } from '../media/PeerEndpoint.js';
import type { Publication } from './Publication.js';
import type { CloseReason } from './CloseReason.js';

export class Subscription {
  /** The `subscribed` id: for data, the label of the channel the server opens to the subscriber. */
  readonly id = randomUUID();
  closed = false;
  /** Media: the subscriber's server line, given back to its endpoint on close (m-section reuse). */
  mediaLine: MediaLine | null = null;
  releaseMedia: ((line: MediaLine) => void) | null = null;
  /** The subscriber's peer connection that carries it (a new one takes it over: Room.moveTransport). */
  endpoint: PeerEndpoint | null = null;

  constructor(readonly publication: Publication) {}

  close(_reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.publication.relay?.removeSubscriber(this.id);
    this.publication.forwarder?.removeSubscriber(this.id);
    if (this.mediaLine) this.releaseMedia?.(this.mediaLine);
    this.mediaLine = null;
  }
}
