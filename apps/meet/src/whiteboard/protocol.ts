/**
 * The whiteboard protocol: plain JSON strings on a DataTrack, so that an app written against the
 * official twilio-video SDK can draw along (apps/meet/README.md, "Whiteboard protocol").
 *
 *   {"type":"stroke","id":"k2f9x1-3","color":"#e63946","width":4,"start":0,"points":[[0.25,0.5],[0.26,0.52]]}
 *   {"type":"clear"}
 *
 * - Coordinates are fractions of the board's width and height (0..1, the board is 4:3), so
 *   screens of any size draw the same picture.
 * - `width` is the line width in thousandths of the board's width (4 = 4 px on a 1000 px board).
 * - A stroke travels as it is drawn, in several messages with the same `id`: `start` is the index
 *   of the message's first point in the stroke (default 0). Placing points by index rather than
 *   appending them makes a repeated message harmless, which is how a late joiner is caught up
 *   (every participant sends its own strokes again when someone joins).
 * - `clear` clears everyone's board.
 * Received messages are untrusted: anything that does not match is ignored.
 */

export type Point = [x: number, y: number];

export interface StrokeMessage {
  type: 'stroke';
  id: string;
  color: string;
  width: number;
  start?: number;
  points: Point[];
}

export interface ClearMessage {
  type: 'clear';
}

export type WhiteboardMessage = StrokeMessage | ClearMessage;

/** The DataTrack Plaza Meet publishes its strokes on (it accepts strokes from any DataTrack). */
export const WHITEBOARD_TRACK_NAME = 'whiteboard';
/** Points in one message: keeps a message far below any data channel's size limit (~10 KB). */
export const MAX_POINTS_PER_MESSAGE = 500;
/** Points in one stroke; later points of a longer stroke are dropped. */
export const MAX_POINTS_PER_STROKE = 20_000;
export const MAX_ID_LENGTH = 64;
export const MIN_WIDTH = 1;
export const MAX_WIDTH = 50;
const COLOR = /^#[0-9a-fA-F]{6}$/;

/** Four decimals are a tenth of a pixel on a 1000 px board: no visible loss, shorter messages. */
const round = (v: number): number => Math.round(v * 10_000) / 10_000;

/** A point as it travels. Our own strokes are kept this way too, so every board holds the same numbers. */
export const quantize = ([x, y]: Point): Point => [round(x), round(y)];

export function encodeMessage(message: WhiteboardMessage): string {
  if (message.type === 'clear') return JSON.stringify({ type: 'clear' });
  const { id, color, width, start = 0, points } = message;
  return JSON.stringify({ type: 'stroke', id, color, width, start, points: points.map(quantize) });
}

/** The message in `data`, or null if it is not a valid whiteboard message. */
export function parseMessage(data: unknown): WhiteboardMessage | null {
  if (typeof data !== 'string' || data.length > 64 * 1024) return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'clear':
      return { type: 'clear' };
    case 'stroke':
      return parseStroke(m);
    default:
      return null;
  }
}

function parseStroke(m: Record<string, unknown>): StrokeMessage | null {
  const { id, color, width, points } = m;
  const start = m.start ?? 0;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return null;
  if (typeof color !== 'string' || !COLOR.test(color)) return null;
  if (typeof width !== 'number' || !(width >= MIN_WIDTH && width <= MAX_WIDTH)) return null;
  if (!Number.isInteger(start) || (start as number) < 0 || (start as number) >= MAX_POINTS_PER_STROKE) return null;
  if (!Array.isArray(points) || points.length === 0 || points.length > MAX_POINTS_PER_MESSAGE) return null;
  const parsed: Point[] = [];
  for (const p of points) {
    if (!Array.isArray(p) || p.length !== 2) return null;
    const [x, y] = p as unknown[];
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return null;
    // A point just off the board (a pointer that left it mid-stroke) is drawn at the edge.
    parsed.push([clamp01(x), clamp01(y)]);
  }
  return { type: 'stroke', id, color: color.toLowerCase(), width, start: start as number, points: parsed };
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));
