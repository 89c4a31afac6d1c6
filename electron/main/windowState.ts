/**
 * Remembered window geometry. The file lives in userData and may be edited, truncated by a
 * crash, or written on a machine whose monitors have since changed, so it is parsed as
 * `unknown`, and restored bounds are clamped to a display that is actually connected.
 */
import { z } from 'zod';
import { DEFAULT_WINDOW_SIZE, MIN_WINDOW_SIZE } from './windowOptions';

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface WindowState {
  readonly x?: number;
  readonly y?: number;
  readonly width: number;
  readonly height: number;
  readonly maximized: boolean;
}

const Coordinate = z.number().int().min(-100_000).max(100_000);
const Size = z.number().int().min(1).max(100_000);

const WindowStateSchema = z.object({
  x: Coordinate.optional(),
  y: Coordinate.optional(),
  width: Size,
  height: Size,
  maximized: z.boolean().default(false),
});

export const DEFAULT_WINDOW_STATE: WindowState = { ...DEFAULT_WINDOW_SIZE, maximized: false };

/** Part of the window that must lie on a display for the saved position to be kept. */
export const MIN_VISIBLE = { width: 100, height: 50 } as const;

/** Parses stored state; anything malformed yields undefined (the caller uses defaults). */
export function parseWindowState(value: unknown): WindowState | undefined {
  const parsed = WindowStateSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { x, y, width, height, maximized } = parsed.data;
  return x !== undefined && y !== undefined ? { x, y, width, height, maximized } : { width, height, maximized };
}

/**
 * Fits saved state to the displays connected now (their work areas, primary first).
 * The size is capped to the display the window lands on and never below the minimum; the
 * position is dropped (the OS centres the window) when too little of the window would be
 * visible on any display, e.g. after a monitor was unplugged.
 */
export function clampWindowState(state: WindowState, workAreas: readonly Rect[]): WindowState {
  const primary = workAreas[0];
  if (primary === undefined) return state;
  const placed = state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : undefined;
  const host = placed ? workAreas.find((area) => visibleEnough({ ...placed, ...size(state) }, area)) : undefined;
  const area = host ?? primary;
  const width = clamp(state.width, Math.min(MIN_WINDOW_SIZE.width, area.width), area.width);
  const height = clamp(state.height, Math.min(MIN_WINDOW_SIZE.height, area.height), area.height);
  if (!host || !placed) return { width, height, maximized: state.maximized };
  return {
    x: clamp(placed.x, area.x, area.x + area.width - width),
    y: clamp(placed.y, area.y, area.y + area.height - height),
    width,
    height,
    maximized: state.maximized,
  };
}

function visibleEnough(window: Rect, area: Rect): boolean {
  const overlapWidth = Math.min(window.x + window.width, area.x + area.width) - Math.max(window.x, area.x);
  const overlapHeight = Math.min(window.y + window.height, area.y + area.height) - Math.max(window.y, area.y);
  return overlapWidth >= MIN_VISIBLE.width && overlapHeight >= MIN_VISIBLE.height;
}

function size(state: WindowState): { width: number; height: number } {
  return { width: state.width, height: state.height };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}
