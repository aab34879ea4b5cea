/** Grok early warning: predict from the first part of a run whether and when it will grok, scored on held-out runs. */
export { BASE_FEATURES, describeCutoff, earlyWarningFeatures, prefixFeatures, resolveCutoff, type EarlyWarningCutoff } from "./features.js";
export { fitEarlyWarning, predictEarlyWarning, GROK_THRESHOLD, DEFAULT_L2, DEFAULT_L2_WHEN, type EarlyWarningModel, type EarlyWarningOptions, type EarlyWarningPrediction } from "./model.js";
export { evaluateEarlyWarning, type EarlyWarningGroupBy, type EarlyWarningReport, type EvaluateEarlyWarningOptions, type HeldOutPrediction } from "./evaluate.js";
export { formatEarlyWarningReport } from "./report.js";
export { fitLogistic, logisticProbability, type LogisticFit } from "./logistic.js";
export { fitRidge, ridgePredict, type RidgeFit } from "./ridge.js";
export { auc, spearman, ranks, pearson } from "./stats.js";
