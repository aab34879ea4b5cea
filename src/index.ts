/**
 * grokscope as a library (`import { train, loadRun } from "grokscope"`); docs/api.md walks through it.
 *
 *   const s = await train({ preset: "gromov", steps: 150, seed: 1 }, { dataDir: "./runs" });
 *   const run = await loadRun(s.run_id, { dataDir: "./runs" });   // run.series.test_acc.values, run.checkpoints
 *
 * Nothing here writes to stdout or stderr: progress and warnings go to the callbacks passed in (one exception: the
 * "auto" backend's console.warn when WebAssembly cannot start, which src/runs/setup.ts does not route yet).
 */

// Training
export { train, resume, type TrainOptions, type ResumeOptions } from "./runs/library.js";
export { RunInterrupted, type Progress, type RunSummary } from "./runs/run.js";

// Specs and presets
export { composeSpec, mergeSpec, presets, resolveDataDir, withPreset, type RunSpec, type SpecChanges } from "./runs/compose.js";
export { presetSpec } from "./runs/presets/index.js";
export { normalizeSpec, SpecError, type RunConfig } from "./runs/spec.js";
export { applyOverrides } from "./runs/overrides.js";

// Recorded runs and checkpoints
export { computeMeasures, listRuns, loadCheckpoint, loadParams, loadRun, type LoadedRun, type MeasureOptions, type MetricSeries, type StoreLocation } from "./runs/load.js";
export { isParameterTensor } from "./runs/checkpoint.js";
export { readSafetensors, writeSafetensors, type SafeTensor, type SafeTensors, type SafetensorsDtype } from "./runs/safetensors.js";
export { readMetricsParquet, type MetricRow } from "./runs/metrics-file.js";
export { loadLlcRecords } from "./runs/llc-records.js";
export type { LlcHyper, LlcRecord } from "./measures/llc/record.js";
export { estimateLlc, type LlcEstimate, type LlcSettingsInput } from "./measures/llc/llc.js";
export {
  centredGromovJacobian, centredLazyFeatures, featureLearningLlc, lazyFeatureRank, memorizationBracket, memorizationLlc, oneHotDataRank, secantJacobianRank, secantLlc, type SecantLlc,
} from "./measures/llc/basin-llc.js";
export { StoreError, type RunFilter, type RunRecord, type RunStatus } from "./runs/store.js";

// Measures
export { expandMeasureNames, getMeasure, MEASURE_NAMES, MEASURES, resolveMeasures, runMeasure } from "./measures/registry.js";
export { MeasureNotApplicable, type Measure, type MeasureContext, type MeasureDef, type MeasureValue } from "./measures/measure.js";

// Tasks, models, kernels, randomness
export { buildTask, parseTaskConfig, resolveTaskConfig, TASK_NAMES, type TaskConfig, type TaskName } from "./tasks/registry.js";
export type { Dataset, DenseDataset, DenseSplit, Split, TokenDataset, TokenSplit } from "./tasks/dataset.js";
export { buildModel, MODEL_NAMES, parseModelConfig, type ModelConfig, type ModelName } from "./models/registry.js";
export type { ForwardResult, Model } from "./models/model.js";
export { createBackend, type BackendName, type BackendOptions } from "./tensor/backend-select.js";
export type { Backend } from "./tensor/backend.js";
export { fold, keyFromSeed, normals, permutation, truncatedNormals, uniform, type Key } from "./tensor/rng.js";
export { tensor, type Params, type Tensor } from "./tensor/tensor.js";

// Automatic differentiation and model definitions
export * from "./autograd/index.js";
export { defineModel, modelFromDefinition, type Batch, type InitContext, type ModelContext, type ModelDefinition } from "./models/define.js";
export { modelDefinition, MODEL_REGISTRY } from "./models/registry.js";
export { trainingKey } from "./train/loop.js";
export { getLoss, LOSS_NAMES, type Loss, type LossName } from "./train/losses.js";
export { FLUSH_BELOW_CUBIC } from "./tensor/kernels/adam.js";

// Interventions on a recorded run (TransformerLens-style ablation and patching at hook points; docs/interventions.md)
export { interveneRun, loadForIntervention, score, selectionFor, checkpointKeyFrequencies, type InterveneOptions, type InterveneResult, type LoadedCheckpoint, type Scores, type UnitSelection } from "./runs/intervene.js";
