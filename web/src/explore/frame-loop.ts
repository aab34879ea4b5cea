/**
 * One animation-frame loop for every trainer on the page. It folds the trainers' new progress into their state in
 * one callback, so the page recomputes and redraws once however many workers post, and at most every other frame
 * (MIN_WAIT_MS: charts read as smooth at 30 Hz, and the frames between cost next to nothing). A fold's drawing can
 * take longer than a frame on a slow or busy machine; then folds are spaced out further (the next waits for what
 * the last one cost, frame included, over DUTY), so most frames stay free and the page keeps animating and answering
 * input. Sections off screen fold at most every OFFSCREEN_MS, and at once when their run stops.
 */
import { flushSync } from "svelte";

export interface Foldable {
  /** Folds the progress received since the last call into reactive state. */
  fold(): void;
  /** Whether the trainer's section is on screen (drawing it can wait otherwise). */
  readonly visible: boolean;
  /** Whether the newest progress must be shown now (the run stopped, or was reset). */
  readonly urgent: boolean;
}

const FRAME_MS = 1000 / 60;
/** A fold and its frame may take at most this share of the time between folds. */
const DUTY = 0.25;
const MIN_WAIT_MS = 30;
const MAX_WAIT_MS = 250;
const OFFSCREEN_MS = 250;

const pending = new Set<Foldable>();
const lastFold = new WeakMap<Foldable, number>();
let frame = 0;
let next = 0;
/** The rAF time of the last fold, until the frame after it measures what it cost. */
let measuring: number | null = null;

/** Asks for `t`'s progress to be folded at a coming frame. */
export function scheduleFold(t: Foldable): void {
  pending.add(t);
  if (frame === 0) frame = requestAnimationFrame(run);
}

export function cancelFold(t: Foldable): void {
  pending.delete(t);
}

function run(now: number): void {
  frame = 0;
  if (measuring !== null) {
    // this frame started when the last fold's frame (script, layout, paint) was done
    const cost = Math.max(0, now - measuring - FRAME_MS);
    next = measuring + Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, cost / DUTY));
    measuring = null;
  }
  if (pending.size === 0) return;
  const due = [...pending].filter((t) => t.urgent || (now >= next && (t.visible || now - (lastFold.get(t) ?? -Infinity) >= OFFSCREEN_MS)));
  if (due.length > 0) {
    for (const t of due) {
      pending.delete(t);
      lastFold.set(t, now);
      t.fold();
    }
    flushSync(); // draw now, inside this frame
    measuring = now;
  }
  frame = requestAnimationFrame(run);
}
