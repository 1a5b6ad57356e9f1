/**
 * The board's content: strokes in the order they were started, each owned by the participant who
 * drew it. Applying the same message twice changes nothing (points are placed by index), so
 * catching a late joiner up by sending strokes again is safe (protocol.ts).
 */
import { MAX_POINTS_PER_MESSAGE, MAX_POINTS_PER_STROKE, type Point, type StrokeMessage, type WhiteboardMessage } from './protocol.js';

export interface Stroke {
  id: string;
  /** Identity of the participant who drew it. */
  author: string;
  color: string;
  width: number;
  points: Point[];
}

/** Strokes on one board; a participant drawing past this has its new strokes ignored. */
export const MAX_STROKES = 5_000;

export class StrokeModel {
  readonly #strokes = new Map<string, Stroke>();

  get size(): number {
    return this.#strokes.size;
  }

  strokes(): Stroke[] {
    return [...this.#strokes.values()];
  }

  get(id: string): Stroke | undefined {
    return this.#strokes.get(id);
  }

  /** Applies a message from `author`; returns whether the board changed. */
  apply(message: WhiteboardMessage, author: string): boolean {
    if (message.type === 'clear') return this.clear();
    return this.#applyStroke(message, author);
  }

  clear(): boolean {
    if (this.#strokes.size === 0) return false;
    this.#strokes.clear();
    return true;
  }

  /** A stroke as messages of at most MAX_POINTS_PER_MESSAGE points each (to send it again). */
  static messagesFor(stroke: Stroke): StrokeMessage[] {
    const messages: StrokeMessage[] = [];
    for (let start = 0; start < stroke.points.length; start += MAX_POINTS_PER_MESSAGE) {
      const points = stroke.points.slice(start, start + MAX_POINTS_PER_MESSAGE);
      messages.push({ type: 'stroke', id: stroke.id, color: stroke.color, width: stroke.width, start, points });
    }
    return messages;
  }

  #applyStroke(message: StrokeMessage, author: string): boolean {
    let stroke = this.#strokes.get(message.id);
    if (!stroke) {
      if (this.#strokes.size >= MAX_STROKES) return false;
      stroke = { id: message.id, author, color: message.color, width: message.width, points: [] };
      this.#strokes.set(stroke.id, stroke);
    } else if (stroke.author !== author) {
      return false; // ids are random: this is someone else writing into a stroke that is not theirs
    }
    // A start beyond the end (a message we never got) continues the line from where we are.
    let index = Math.min(message.start ?? 0, stroke.points.length);
    let changed = false;
    for (const [x, y] of message.points) {
      if (index >= MAX_POINTS_PER_STROKE) break;
      const current = stroke.points[index];
      if (!current || current[0] !== x || current[1] !== y) {
        stroke.points[index] = [x, y];
        changed = true;
      }
      index++;
    }
    return changed;
  }
}
