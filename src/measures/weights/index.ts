/** Weight measures: norms of the parameters. */
import type { MeasureGroup } from "../measure.js";
import { weightNormMeasure } from "./weights.js";

export const WEIGHTS: MeasureGroup = {
  measures: {
    "weights/norm": { describe: "total and per-tensor L2 norm of the parameters (the quantity weight decay shrinks)", compute: weightNormMeasure },
  },
};
