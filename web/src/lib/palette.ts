/**
 * Okabe & Ito's colour-blind-safe palette ("Color Universal Design", 2008): distinguishable under the common colour
 * vision deficiencies. Train and test also differ by dash, so curves read in grey too.
 */
export const OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"] as const;

export const TRAIN = { color: "#0072B2", dash: [] as number[] }; // blue, solid
export const TEST = { color: "#D55E00", dash: [6, 4] }; // vermillion, dashed

export const MARKERS = { memorize: "#009E73", grok: "#CC79A7", weights: "#6b7280" }; // weights: the checkpoint shown

export const colorAt = (i: number): string => OKABE_ITO[i % OKABE_ITO.length];
