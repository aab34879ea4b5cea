/** Vertical step markers (memorized, grokked, a weight-decay change…) drawn on a uPlot chart's canvas. */
import type uPlot from "uplot";

export interface StepMarker {
  readonly x: number;
  readonly label: string;
  /** Line and label colour (default near-black). */
  readonly color?: string;
}

/**
 * A uPlot plugin drawing each marker as a dashed vertical line with its label beside the top; labels of neighbouring
 * markers are stacked in up to four rows so they do not overwrite each other. Markers outside the x range (or at
 * x ≤ 0 on a log x axis) are skipped.
 */
export function stepMarkerPlugin(markers: readonly StepMarker[], logX = false): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const ctx = u.ctx, dpr = devicePixelRatio || 1;
        ctx.save();
        markers.forEach((m, i) => {
          if (logX && m.x <= 0) return;
          const px = u.valToPos(m.x, "x", true);
          if (!(px >= u.bbox.left && px <= u.bbox.left + u.bbox.width)) return;
          const color = m.color ?? "#1a1a1a";
          ctx.strokeStyle = color;
          ctx.lineWidth = 1.5 * dpr;
          ctx.setLineDash([3 * dpr, 3 * dpr]);
          ctx.beginPath();
          ctx.moveTo(px, u.bbox.top);
          ctx.lineTo(px, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = color;
          ctx.font = `${11 * dpr}px sans-serif`;
          ctx.textAlign = "left"; // uPlot leaves the axes' alignment set
          ctx.textBaseline = "alphabetic";
          ctx.fillText(m.label, px + 4 * dpr, u.bbox.top + (12 + 13 * (i % 4)) * dpr);
        });
        ctx.restore();
      },
    },
  };
}
