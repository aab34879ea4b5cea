export type { Measure, MeasureContext, MeasureValue } from "./measure.js";
export { paramOf } from "./measure.js";
export { MEASURES, MEASURE_NAMES, getMeasure, runMeasure } from "./registry.js";
export { weightNorms, weightNormMeasure } from "./weights.js";
export { fourierIpr, iprFromPower, meanNeuronIpr, neuronIprs, rfftPower } from "./fourier.js";
export type { FourierIprOptions, NeuronIprOptions } from "./fourier.js";
export { firstStepReaching, grokDelay, grokStep, memorizeStep } from "./grokking.js";
export type { EvalRecord } from "./grokking.js";
