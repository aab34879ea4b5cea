/**
 * Which axis of a sweep goes where on a chart: x, y, a column facet, a row facet; every other axis must be fixed to
 * one value. Axis values become strings exactly as written in the spec (0.01 stays "0.01", 1e-7 stays "1e-7"), and
 * numeric axes are ordered numerically, others in the order the sweep lists them.
 */
import type { CellAggregate } from "../aggregate.js";
import type { AxisValue } from "../types.js";

export interface LayoutOptions {
  /** Axis key on the x axis. */
  readonly x: string;
  /** Axis key on the y axis (none: one row). */
  readonly y?: string;
  /** Axis key whose values are columns of small charts (default: the first axis not on x or y, if any). */
  readonly facet?: string;
  /** Axis key whose values are rows of small charts (default: the next unused axis, if any). */
  readonly row?: string;
  /** The value every remaining axis is held at (only cells with these values are drawn). */
  readonly fixed?: Readonly<Record<string, AxisValue>>;
  readonly title?: string;
}

export type Channel = "x" | "y" | "facet" | "row";

export interface Layout {
  /** Channel → axis key, for the channels used. */
  readonly keys: Partial<Record<Channel, string>>;
  /** Channel → the axis values as strings, in display order. */
  readonly order: Partial<Record<Channel, string[]>>;
  /** The cells drawn (those matching `fixed`). */
  readonly cells: readonly CellAggregate[];
  readonly fixed: Readonly<Record<string, AxisValue>>;
}

/** Sans-serif faces in order of preference; a rasterizer takes the first it has. */
export const FONT = "Helvetica Neue, Helvetica, Arial, DejaVu Sans, Liberation Sans, sans-serif";

export const label = (v: AxisValue): string => String(v);

/** The distinct values of one axis among `cells`, as labels: numeric ascending, or first-seen order. */
export function axisOrder(cells: readonly CellAggregate[], key: string): string[] {
  const seen = new Map<string, AxisValue>();
  for (const c of cells) if (!seen.has(label(c.cell[key]))) seen.set(label(c.cell[key]), c.cell[key]);
  const values = [...seen.values()];
  if (values.every((v) => typeof v === "number")) (values as number[]).sort((a, b) => a - b);
  return values.map(label);
}

export function resolveLayout(cells: readonly CellAggregate[], opts: LayoutOptions, what: string): Layout {
  if (cells.length === 0) throw new Error(`${what}: no cells to draw (no finished runs)`);
  const axes = Object.keys(cells[0].cell);
  const fixed = opts.fixed ?? {};
  const keys: Partial<Record<Channel, string>> = { x: opts.x };
  if (opts.y !== undefined) keys.y = opts.y;
  const unused = () => axes.filter((a) => !Object.values(keys).includes(a) && !(a in fixed));
  keys.facet = opts.facet ?? unused()[0];
  keys.row = opts.row ?? unused()[0];
  for (const ch of ["x", "y", "facet", "row"] as const) {
    const k = keys[ch];
    if (k === undefined) delete keys[ch];
    else if (!axes.includes(k)) throw new Error(`${what}: ${ch} "${k}" is not an axis of the sweep (axes: ${axes.join(", ") || "none"})`);
  }
  const used = Object.values(keys);
  if (new Set(used).size !== used.length) throw new Error(`${what}: an axis is on two channels (${JSON.stringify(keys)})`);
  for (const [k, v] of Object.entries(fixed)) {
    if (!axes.includes(k)) throw new Error(`${what}: fixed "${k}" is not an axis of the sweep (axes: ${axes.join(", ")})`);
    if (used.includes(k)) throw new Error(`${what}: "${k}" is both drawn and fixed`);
    const values = axisOrder(cells, k);
    if (!values.includes(label(v))) throw new Error(`${what}: fixed ${k}=${label(v)} is not one of its values (${values.join(", ")})`);
  }
  const left = unused();
  if (left.length) throw new Error(`${what}: axis "${left[0]}" is not drawn; fix its value (fixed: { "${left[0]}": … }) or choose it as x, y, facet or row`);
  const drawn = cells.filter((c) => Object.entries(fixed).every(([k, v]) => label(c.cell[k]) === label(v)));
  const order: Partial<Record<Channel, string[]>> = {};
  for (const [ch, k] of Object.entries(keys) as [Channel, string][]) order[ch] = axisOrder(drawn, k);
  return { keys, order, cells: drawn, fixed };
}

/** The channel fields of one cell's datum: { x: "0.01", y: "64", … }. */
export function channelFields(layout: Layout, cell: CellAggregate): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [ch, k] of Object.entries(layout.keys)) out[ch] = label(cell.cell[k]);
  return out;
}

/** Vega-Lite encodings of the discrete channels; numeric y runs upward, as on a phase diagram. */
export function positionEncoding(layout: Layout): Record<string, unknown> {
  const enc: Record<string, unknown> = {
    x: { field: "x", type: "ordinal", sort: layout.order.x, title: layout.keys.x, axis: { labelAngle: 0 } },
  };
  if (layout.keys.y !== undefined) enc.y = { field: "y", type: "ordinal", sort: [...layout.order.y!].reverse(), title: layout.keys.y };
  return enc;
}

/** Wraps a layered chart in column/row facets when the layout has them. */
export function withFacets(layout: Layout, chart: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> {
  const { keys, order } = layout;
  if (keys.facet === undefined && keys.row === undefined) return { ...top, ...chart };
  const facet: Record<string, unknown> = {};
  if (keys.facet !== undefined) facet.column = { field: "facet", type: "ordinal", sort: order.facet, title: keys.facet, header: { labelFontSize: 12, titleFontSize: 13 } };
  if (keys.row !== undefined) facet.row = { field: "row", type: "ordinal", sort: order.row, title: keys.row, header: { labelFontSize: 12, titleFontSize: 13 } };
  const { data, ...inner } = chart;
  return { ...top, data, facet, spec: inner, resolve: { scale: { x: "shared", y: "shared" } } };
}

/** A subtitle naming the fixed axes. */
export function fixedNote(layout: Layout): string | undefined {
  const parts = Object.entries(layout.fixed).map(([k, v]) => `${k} = ${label(v)}`);
  return parts.length ? parts.join(", ") : undefined;
}
