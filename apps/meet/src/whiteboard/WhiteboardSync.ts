/**
 * The shared board: the local StrokeModel kept in step with everyone else's over DataTracks.
 *  - We publish one ordered, reliable LocalDataTrack named "whiteboard" and send our strokes on it
 *    while they are drawn, batched (at most one message per stroke every FLUSH_MS).
 *  - We take whiteboard messages from every remote DataTrack (string messages only): an
 *    official-SDK participant's track may have any name. DataChannel sessions (chat, files) never
 *    reach `trackMessage`, so they are not confused with strokes.
 *  - When someone joins, we send our own strokes again (protocol.ts: repeating is harmless), so
 *    a late joiner sees what is on the board, except the strokes of participants who left.
 */
import { LocalDataTrack, TypedEmitter, type RemoteParticipant, type Room } from '@plaza/client';
import { encodeMessage, parseMessage, quantize, WHITEBOARD_TRACK_NAME, type Point, type WhiteboardMessage } from './protocol.js';
import { StrokeModel } from './StrokeModel.js';

/** How long points of a stroke being drawn are collected before they are sent. */
const FLUSH_MS = 30;

export type WhiteboardEvents = {
  change: [];
};

interface Drawing {
  id: string;
  /** Index in the stroke of the first point not sent yet. */
  sent: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export class WhiteboardSync extends TypedEmitter<WhiteboardEvents> {
  readonly model = new StrokeModel();
  readonly track = new LocalDataTrack({ name: WHITEBOARD_TRACK_NAME });
  /** Messages received that were not whiteboard messages (or broke its rules). */
  invalidMessages = 0;
  #identity = '';
  #room: Room | null = null;
  #drawing: Drawing | null = null;
  readonly #idPrefix = Math.random().toString(36).slice(2, 8);
  #nextId = 0;

  /** Starts syncing with the room we joined (with `track` among the published tracks). */
  attach(room: Room): void {
    this.#room = room;
    this.#identity = room.localParticipant.identity;
    room.on('trackMessage', (data, _track, participant) => this.#receive(data, participant));
    room.on('participantConnected', () => this.#sendOwnStrokes());
  }

  detach(): void {
    if (this.#drawing?.timer) clearTimeout(this.#drawing.timer);
    this.#drawing = null;
    this.#room = null;
  }

  /** Starts a stroke of ours at `point`; returns its id. */
  beginStroke(color: string, width: number, point: Point): string {
    this.endStroke();
    const id = `${this.#idPrefix}-${this.#nextId++}`;
    this.model.apply({ type: 'stroke', id, color, width, start: 0, points: [quantize(point)] }, this.#identity);
    this.#drawing = { id, sent: 0, timer: null };
    this.#scheduleFlush();
    this.emit('change');
    return id;
  }

  extendStroke(points: Point[]): void {
    const drawing = this.#drawing;
    const stroke = drawing && this.model.get(drawing.id);
    if (!stroke || points.length === 0) return;
    const start = stroke.points.length;
    const message = { type: 'stroke', id: stroke.id, color: stroke.color, width: stroke.width, start, points: points.map(quantize) } as const;
    if (!this.model.apply(message, this.#identity)) return;
    this.#scheduleFlush();
    this.emit('change');
  }

  /** The pointer went up: what is left of the stroke goes out now. */
  endStroke(): void {
    if (!this.#drawing) return;
    this.#flush();
    this.#drawing = null;
  }

  clear(): void {
    this.endStroke();
    this.model.clear();
    this.#send({ type: 'clear' });
    this.emit('change');
  }

  #scheduleFlush(): void {
    const drawing = this.#drawing;
    if (drawing && !drawing.timer) drawing.timer = setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    const drawing = this.#drawing;
    if (!drawing) return;
    if (drawing.timer) clearTimeout(drawing.timer);
    drawing.timer = null;
    const stroke = this.model.get(drawing.id);
    if (!stroke || drawing.sent >= stroke.points.length) return;
    for (const message of StrokeModel.messagesFor({ ...stroke, points: stroke.points.slice(drawing.sent) })) {
      this.#send({ ...message, start: drawing.sent + (message.start ?? 0) });
    }
    drawing.sent = stroke.points.length;
  }

  #sendOwnStrokes(): void {
    for (const stroke of this.model.strokes()) {
      if (stroke.author !== this.#identity) continue;
      for (const message of StrokeModel.messagesFor(stroke)) this.#send(message);
    }
  }

  #send(message: WhiteboardMessage): void {
    // Before the room is joined there is nobody to send to (the model still records our strokes).
    if (this.#room) this.track.send(encodeMessage(message));
  }

  #receive(data: unknown, participant: RemoteParticipant): void {
    if (typeof data !== 'string') return; // binary data on some other app's track: not for us
    const message = parseMessage(data);
    if (!message) {
      this.invalidMessages++;
      return;
    }
    if (this.model.apply(message, participant.identity)) this.emit('change');
  }
}
