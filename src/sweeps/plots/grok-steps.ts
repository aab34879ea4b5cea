/**
 * The spread of grok steps over seeds, per grid cell, as a Vega-Lite spec: a heatmap of the median grok step
 * (text: median, and the 10–90% range below it), or an error-bar chart (point = median, bar = 10th to 90th
 * percentile) along one axis. Percentiles are those of `grokStepStats` (type 7), over the seeds that grokked.
 */
import type { CellAggregate } from "../aggregate.js";
import { channelFields, FONT, fixedNote, positionEncoding, resolveLayout, withFacets, type LayoutOptions } from "./layout.js";

export interface GrokStepOptions extends LayoutOptions {
  /** "heatmap" (default when y is given) or "errorbar" (default otherwise; y, if given, becomes the colour). */
  readonly kind?: "heatmap" | "errorbar";
}

export interface GrokStepDatum {
  readonly x: string;
  /** The y axis value (heatmap), or the colour series (error bars). */
  readonly y?: string;
  readonly series?: string;
  readonly facet?: string;
  readonly row?: string;
  readonly median: number | null;
  readonly p10: number | null;
  readonly p90: number | null;
  readonly n: number;
  readonly n_grokked: number;
  readonly grokked: string;
  readonly fraction_text: string;
  readonly median_text: string;
  readonly range: string;
}

/** 28000 → "28k", 1500 → "1.5k", 750 → "750". */
const si = (x: number): string => {
  const a = Math.abs(x);
  if (a >= 1e6) return `${+(x / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(x / 1e3).toPrecision(3)}k`;
  return `${+x.toPrecision(3)}`;
};

const kindOf = (opts: GrokStepOptions): "heatmap" | "errorbar" => opts.kind ?? (opts.y === undefined ? "errorbar" : "heatmap");

function build(cells: readonly CellAggregate[], opts: GrokStepOptions) {
  const kind = kindOf(opts);
  // in an error-bar chart the y axis is the grok step; a y sweep axis is drawn as the colour series
  const series = kind === "errorbar" ? opts.y : undefined;
  const layout = resolveLayout(cells, opts, "grok-step chart");
  const values: GrokStepDatum[] = layout.cells.map((c) => {
    const g = c.grok;
    const { y, ...fields } = channelFields(layout, c);
    return {
      ...(fields as { x: string }),
      ...(y === undefined ? {} : series === undefined ? { y } : { series: y }),
      median: g.median,
      p10: g.p10,
      p90: g.p90,
      n: g.n,
      n_grokked: g.n_grokked,
      grokked: `${g.n_grokked}/${g.n} grokked`,
      fraction_text: `${g.n_grokked}/${g.n}`,
      median_text: g.median === null ? "none" : si(g.median),
      range: g.p10 === null ? "" : `${si(g.p10)}–${si(g.p90!)}`,
    };
  });
  return { kind, series, layout, values };
}

/** One datum per drawn cell (also what the web lab reads). */
export function grokStepData(cells: readonly CellAggregate[], opts: GrokStepOptions): GrokStepDatum[] {
  return build(cells, opts).values;
}

export function grokStepSpec(cells: readonly CellAggregate[], opts: GrokStepOptions): Record<string, unknown> {
  const { kind, series, layout, values } = build(cells, opts);
  const tooltip = [
    ...Object.entries(layout.keys).map(([ch, k]) => ({ field: series !== undefined && ch === "y" ? "series" : ch, title: k })),
    { field: "median", title: "median grok step" },
    { field: "p10", title: "10th percentile" },
    { field: "p90", title: "90th percentile" },
    { field: "grokked", title: "seeds" },
  ];
  let chart: Record<string, unknown>;
  if (kind === "heatmap") {
    if (layout.keys.y === undefined) throw new Error("grok-step chart: a heatmap needs y (or use kind: \"errorbar\")");
    const medians = values.map((v) => v.median).filter((m): m is number => m !== null);
    // the low half of viridis is dark: white text there
    const mid = medians.length ? (Math.min(...medians) + Math.max(...medians)) / 2 : 0;
    const textColor = { condition: { test: `datum.median != null && datum.median < ${mid}`, value: "white" }, value: "black" };
    chart = {
      data: { values },
      width: { step: 60 },
      height: { step: 46 },
      encoding: positionEncoding(layout),
      layer: [
        { mark: { type: "rect", stroke: "white", strokeWidth: 1, color: "#d9d9d9" }, encoding: { tooltip } },
        {
          transform: [{ filter: "datum.median != null" }],
          mark: { type: "rect", stroke: "white", strokeWidth: 1 },
          encoding: {
            color: { field: "median", type: "quantitative", scale: { scheme: "viridis", zero: false }, legend: { title: "median grok step", format: "~s" } },
            tooltip,
          },
        },
        ...[
          { field: "median_text", fontSize: 11, dy: -10 },
          { field: "range", fontSize: 8, dy: 3 },
          { field: "grokked", fontSize: 8, dy: 13 },
        ].map(({ field, fontSize, dy }) => ({
          mark: { type: "text", fontSize, dy },
          encoding: { text: { field }, color: textColor },
        })),
      ],
    };
  } else {
    const x = positionEncoding(layout).x as Record<string, unknown>;
    const color = series === undefined ? {} : { color: { field: "series", type: "ordinal", sort: layout.order.y, title: series, scale: { scheme: { name: "viridis", extent: [0, 0.85] } } } };
    const xOffset = series === undefined ? {} : { xOffset: { field: "series", type: "ordinal", sort: layout.order.y } };
    const onlyGrokked = { filter: "datum.median != null" };
    const ink = series === undefined ? { color: "#31688e" } : {};
    chart = {
      data: { values },
      // with an offset channel the step is that of one series within an x value
      width: { step: series === undefined ? 56 : 22 },
      height: 260,
      encoding: { x, ...xOffset, ...color },
      layer: [
        { transform: [onlyGrokked], mark: { type: "rule", strokeWidth: 2, ...ink }, encoding: { y: { field: "p10", type: "quantitative", title: "grok step (median, 10–90% over seeds)" }, y2: { field: "p90" }, tooltip } },
        { transform: [onlyGrokked], mark: { type: "point", filled: true, size: 60, opacity: 1, ...ink }, encoding: { y: { field: "median", type: "quantitative" }, tooltip } },
        // how many seeds grokked, along the top (cells where none did keep their place on the x axis)
        { mark: { type: "text", fontSize: 8, baseline: "top", color: "#444" }, encoding: { y: { value: 2 }, text: { field: "fraction_text" } } },
      ],
    };
  }
  const note = fixedNote(layout);
  const top = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { anchor: "start", offset: 10, text: opts.title ?? (kind === "heatmap" ? "Median grok step over seeds (below: 10–90% range)" : "Grok step over seeds: median and 10–90% range"), ...(note ? { subtitle: note } : {}) },
    background: "white",
    config: { font: FONT, axis: { labelFontSize: 11, titleFontSize: 13 }, view: { stroke: kind === "heatmap" ? null : "#ddd" } },
  };
  return withFacets(layout, chart, top);
}
