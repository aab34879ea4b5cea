/**
 * Drawing a matrix as a heatmap on a canvas, shared by the run page's weight viewer and the Explore page's figures:
 * the cells (one pixel per entry, scaled up without smoothing, framed), a vertical colour bar with its end (and
 * middle) values, and a rotated axis title. Each figure keeps its own layout, ticks and titles around these.
 */
export type Rgb = readonly [number, number, number];

const FRAME = "#9ca3af";
const INK = "#1a1a1a";

/** The canvas sized to `width` × `height` CSS pixels at the device's pixel ratio, cleared; its context in CSS pixels. */
export function prepareCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** The grid's placement: top-left corner (x, y) and one cell's size, in CSS pixels. */
export interface CellLayout {
  readonly x: number;
  readonly y: number;
  readonly cellW: number;
  readonly cellH: number;
}

/** Draws a [rows, cols] grid whose cell (r, c) has colour `color(r, c)`, and a frame around it. */
export function drawCells(ctx: CanvasRenderingContext2D, rows: number, cols: number, color: (r: number, c: number) => Rgb, at: CellLayout): void {
  const img = new ImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [R, G, B] = color(r, c);
      const o = 4 * (r * cols + c);
      img.data[o] = R;
      img.data[o + 1] = G;
      img.data[o + 2] = B;
      img.data[o + 3] = 255;
    }
  }
  const tile = new OffscreenCanvas(cols, rows);
  tile.getContext("2d")!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, at.x, at.y, cols * at.cellW, rows * at.cellH);
  ctx.strokeStyle = FRAME;
  ctx.lineWidth = 1;
  ctx.strokeRect(at.x - 0.5, at.y - 0.5, cols * at.cellW + 1, rows * at.cellH + 1);
}

export interface ColorBar {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Colour at t ∈ [0, 1]: 1 at the top of the bar, 0 at its bottom. */
  readonly color: (t: number) => Rgb;
  /** Texts beside the bar's top and bottom, and (optionally) its middle. */
  readonly top: string;
  readonly middle?: string;
  readonly bottom: string;
  /** How far the end texts sit inside the bar's ends (CSS pixels). */
  readonly inset: number;
}

/** Draws a framed vertical colour bar and its values on the right (text left-aligned, middle baseline, 11px). */
export function drawColorBar(ctx: CanvasRenderingContext2D, bar: ColorBar): void {
  const { x, y, width, height } = bar;
  for (let i = 0; i < height; i++) {
    const [r, g, b] = bar.color(1 - (i + 0.5) / height);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(x, y + i, width, 1);
  }
  ctx.strokeStyle = FRAME;
  ctx.lineWidth = 1;
  ctx.strokeRect(x - 0.5, y - 0.5, width + 1, height + 1);
  ctx.fillStyle = INK;
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  ctx.fillText(bar.top, x + width + 4, y + bar.inset);
  if (bar.middle !== undefined) ctx.fillText(bar.middle, x + width + 4, y + height / 2);
  ctx.fillText(bar.bottom, x + width + 4, y + height - bar.inset);
}

/** Draws `text` centred on (x, y), rotated to read bottom to top (a y-axis title). */
export function drawVerticalText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.fillText(text, 0, 0);
  ctx.restore();
}
