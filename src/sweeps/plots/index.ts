/** Sweep charts: Vega-Lite specs (JSON with their data inline, for the CLI and the web lab) and their rendering. */
export { CLASS_COLORS, PHASE_RULES, phaseDiagramData, phaseDiagramSpec, RULE_TITLES, type PhaseDatum, type PhaseDiagramOptions, type PhaseRule } from "./phase-diagram.js";
export { grokStepData, grokStepSpec, type GrokStepDatum, type GrokStepOptions } from "./grok-steps.js";
export { axisOrder, type LayoutOptions } from "./layout.js";
export { renderPng, renderSvg, type PngOptions } from "./render.js";
