/** One subscriber's view of one publication: the id the client sees and the channel carrying it. */
import { randomUUID } from 'node:crypto';
import type { Publication } from './Publication.js';
import type { CloseReason } from './CloseReason.js';

export class Subscription {
  /** The `subscribed` id: for data, the label of the channel the server opens to the subscriber. */
  readonly id = randomUUID();
  closed = false;

  constructor(readonly publication: Publication) {}

  close(_reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.publication.relay?.removeSubscriber(this.id);
  }
}
