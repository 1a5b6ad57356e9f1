/**
 * The shared whiteboard ("Quick Draw"): draw with a mouse, pen or finger; pick a colour; clear.
 * The canvas is redrawn from the StrokeModel once per animation frame when something changed.
 */
import type { JSX, TargetedPointerEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Point } from '../whiteboard/protocol.js';
import type { Stroke } from '../whiteboard/StrokeModel.js';
import type { WhiteboardSync } from '../whiteboard/WhiteboardSync.js';
import { useChanges } from './useChanges.js';

export const COLORS = [
  { name: 'Red', value: '#e63946' },
  { name: 'Orange', value: '#f08c00' },
  { name: 'Green', value: '#2b8a3e' },
  { name: 'Blue', value: '#1c64f2' },
  { name: 'Purple', value: '#7048e8' },
  { name: 'Black', value: '#1a1d23' },
] as const;
/** Line width in thousandths of the board's width (protocol.ts). */
const LINE_WIDTH = 4;

export function Whiteboard({ board }: { board: WhiteboardSync }): JSX.Element {
  useChanges(board);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const pointer = useRef<number | null>(null);
  const [color, setColor] = useState<string>(COLORS[0].value);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    let frame = 0;
    const redraw = (): void => {
      frame = 0;
      draw(canvas, board.model.strokes());
    };
    const schedule = (): void => {
      frame ||= requestAnimationFrame(redraw);
    };
    // The canvas keeps its backing store at the element's size in device pixels: sharp lines.
    const resize = new ResizeObserver(() => {
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.round(canvas.clientWidth * ratio);
      canvas.height = Math.round(canvas.clientHeight * ratio);
      redraw();
    });
    resize.observe(canvas);
    board.on('change', schedule);
    return () => {
      resize.disconnect();
      board.off('change', schedule);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [board]);

  const toPoint = (e: PointerEvent): Point => {
    const rect = canvasRef.current!.getBoundingClientRect();
    return [clamp01((e.clientX - rect.left) / rect.width), clamp01((e.clientY - rect.top) / rect.height)];
  };
  const onPointerDown = (e: TargetedPointerEvent<HTMLCanvasElement>): void => {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    pointer.current = e.pointerId;
    board.beginStroke(color, LINE_WIDTH, toPoint(e));
  };
  const onPointerMove = (e: TargetedPointerEvent<HTMLCanvasElement>): void => {
    if (e.pointerId !== pointer.current) return;
    // A fast pointer moves further than one event per frame shows: take every sampled position.
    const events = e.getCoalescedEvents?.() ?? [];
    board.extendStroke((events.length > 0 ? events : [e]).map(toPoint));
  };
  const onPointerEnd = (e: TargetedPointerEvent<HTMLCanvasElement>): void => {
    if (e.pointerId !== pointer.current) return;
    pointer.current = null;
    board.endStroke();
  };

  return (
    <section class="board" aria-labelledby="board-title">
      <div class="board-tools">
        <h2 id="board-title">Whiteboard</h2>
        <fieldset class="palette">
          <legend class="visually-hidden">Colour</legend>
          {COLORS.map((c) => (
            <label class="swatch" key={c.value} style={{ '--swatch': c.value }} title={c.name}>
              <input type="radio" name="colour" value={c.value} checked={color === c.value} onChange={() => setColor(c.value)} />
              <span class="visually-hidden">{c.name}</span>
            </label>
          ))}
        </fieldset>
        <button type="button" onClick={() => board.clear()} disabled={board.model.size === 0}>
          Clear
        </button>
      </div>
      <canvas
        ref={canvasRef}
        class="board-canvas"
        data-testid="whiteboard"
        data-stroke-count={board.model.size}
        role="img"
        aria-label={`Shared whiteboard, ${board.model.size} ${board.model.size === 1 ? 'stroke' : 'strokes'}`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerEnd}
        onPointerCancel={onPointerEnd}
      />
    </section>
  );
}

function draw(canvas: HTMLCanvasElement, strokes: Stroke[]): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  for (const stroke of strokes) {
    const [first, ...rest] = stroke.points;
    if (!first) continue;
    const lineWidth = Math.max(1, (stroke.width / 1000) * width);
    if (rest.length === 0) {
      // A dot: a path of one point draws nothing.
      ctx.fillStyle = stroke.color;
      ctx.beginPath();
      ctx.arc(first[0] * width, first[1] * height, lineWidth / 2, 0, Math.PI * 2);
      ctx.fill();
      continue;
    }
    ctx.strokeStyle = stroke.color;
    ctx.lineWidth = lineWidth;
    ctx.beginPath();
    ctx.moveTo(first[0] * width, first[1] * height);
    for (const [x, y] of rest) ctx.lineTo(x * width, y * height);
    ctx.stroke();
  }
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));
