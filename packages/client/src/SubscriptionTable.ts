/**
 * Which incoming data channel or media m-section carries which remote track, from independent sources:
 *  - `subscribed: {revision, tracks: [{sid, id} | {sid, error}]}` in room state (v2/room.js _update),
 *  - the data channels the server opens, whose label is that `id` (data/receiver.js),
 *  - the server's sendonly audio/video m-sections, whose msid track id is that `id`
 *    (PeerConnectionV2 `mediaReceivers`).
 * Either can come first; the table keeps all until Room matches them to publications.
 */
import type { ParsedSubscribed } from '@plaza/protocol';
import type { DataTrackReceiver, ReceivableChannel } from './DataTrackReceiver.js';
import type { MediaTrackReceiver } from './MediaTransceivers.js';
import { TypedEmitter } from './TypedEmitter.js';

export type SubscriptionTableEvents = {
  /** A channel or media section arrived or went: subscriptions may need matching again. */
  changed: [];
};

export interface SubscriptionError {
  code: number;
  message: string;
}

export class SubscriptionTable extends TypedEmitter<SubscriptionTableEvents> {
  #revision = 0;
  readonly #idBySid = new Map<string, string>();
  readonly #failures = new Map<string, SubscriptionError>();
  readonly #receivers = new Map<string, DataTrackReceiver>();
  #mediaReceivers = new Map<string, MediaTrackReceiver>();

  /** Applies a `subscribed` state if its revision is newer. Returns whether it was applied. */
  updateSubscribed(subscribed: ParsedSubscribed): boolean {
    if (subscribed.revision <= this.#revision) return false;
    this.#revision = subscribed.revision;
    const current = new Set<string>();
    for (const entry of subscribed.tracks) {
      if (entry.id) {
        this.#failures.delete(entry.sid);
        this.#idBySid.set(entry.sid, entry.id);
        current.add(entry.sid);
      } else if (entry.error && !this.#failures.has(entry.sid)) {
        this.#failures.set(entry.sid, { code: entry.error.code, message: entry.error.message });
      }
    }
    for (const sid of [...this.#idBySid.keys()]) {
      if (!current.has(sid)) this.#idBySid.delete(sid);
    }
    return true;
  }

  /** The subscription id (channel label) of a track SID, if subscribed. */
  idFor(trackSid: string): string | undefined {
    return this.#idBySid.get(trackSid);
  }

  /** Returns and forgets a subscription failure for the track SID. */
  takeFailure(trackSid: string): SubscriptionError | undefined {
    const failure = this.#failures.get(trackSid);
    this.#failures.delete(trackSid);
    return failure;
  }

  /** The open channel labelled `id`, if it has arrived. */
  receiverFor(id: string): DataTrackReceiver | undefined {
    const receiver = this.#receivers.get(id);
    return receiver && !receiver.closed ? receiver : undefined;
  }

  /** The media receiver carrying subscription `id`, if its m-section has arrived. */
  mediaReceiverFor(id: string): MediaTrackReceiver | undefined {
    return this.#mediaReceivers.get(id);
  }

  /** Replaces the media receivers (the peer connection reports all of them on each change). */
  setMediaReceivers(receivers: Iterable<MediaTrackReceiver>): void {
    this.#mediaReceivers = new Map([...receivers].map((r) => [r.id, r]));
    this.emit('changed');
  }

  /**
   * A channel the server opened: the subscription it carries resumes on it if it was suspended by a
   * transport replacement (same label), else it is a new one (`create` wraps it).
   */
  addChannel(channel: ReceivableChannel, create: (channel: ReceivableChannel) => DataTrackReceiver): void {
    const existing = this.#receivers.get(channel.label);
    if (existing?.suspended) existing.rebind(channel);
    else this.addReceiver(create(channel));
  }

  /**
   * The transport is being replaced: every data subscription waits for its channel on the new one.
   * Those that do not get it within `timeoutMs` (the server ended them meanwhile) are closed.
   */
  suspendAll(timeoutMs: number): void {
    const suspended = [...this.#receivers.values()];
    for (const receiver of suspended) receiver.suspend();
    if (suspended.length === 0) return;
    const timer = setTimeout(() => {
      for (const receiver of suspended) if (receiver.suspended) receiver.close();
    }, timeoutMs);
    (timer as { unref?: () => void }).unref?.();
  }

  addReceiver(receiver: DataTrackReceiver): void {
    this.#receivers.get(receiver.id)?.close(); // a re-subscription reusing the label replaces the old channel
    this.#receivers.set(receiver.id, receiver);
    receiver.onClose(() => {
      if (this.#receivers.get(receiver.id) === receiver) this.#receivers.delete(receiver.id);
      this.emit('changed');
    });
    this.emit('changed');
  }

  /** Closes every channel (room disconnected). */
  close(): void {
    for (const receiver of this.#receivers.values()) receiver.close();
    this.#receivers.clear();
    this.#mediaReceivers.clear();
    this.#idBySid.clear();
    this.#failures.clear();
  }
}
