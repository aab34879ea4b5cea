/** Rank measures (and the SVD they and the complexity measure use). */
import type { MeasureGroup } from "../measure.js";
import { RANK_MEASURES } from "./rank.js";

// Effective rank of each weight matrix and of the hidden representation; relative change from init (regime).
export const RANK: MeasureGroup = { measures: RANK_MEASURES };
