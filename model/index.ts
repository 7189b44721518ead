/**
 * The golden reference model of the tensor-casting primitives: the public API
 * (used by the CLI, the benchmark and, later, the RTL co-simulation).
 *
 * It imports nothing from generator/, sim/, testbench/ or cli/. The arithmetic
 * is specified in docs/MODEL.md; every function documents its order of
 * floating-point operations.
 */
export { ModelError } from './errors';
export { f32, f32bits, bitEqual, firstBitDifference } from './fp32';
export {
  MODES, prepareBags, normalizePaddingIdx, checkIndices, checkOffsets, checkWeight, offsetToBag,
  type Mode, type IndexArray, type Bags, type BagsInput,
} from './bags';
export { gatherReduce, gatherReducePrepared, type ForwardResult, type GatherReduceInput } from './forward';
export {
  castIndices, castPrepared, radixSortPairs, segmentsOf, lookupScales, meanScales,
  type CastedIndex, type CastInput,
} from './casting';
export {
  backwardCasted, backwardExpandCoalesce, castedGatherReduce, expandCoalescePrepared,
  type BackwardInput, type CoalescedGrad,
} from './backward';
export {
  sgdUpdate, adagradUpdate, rowwiseAdagradUpdate, applyOptimizer, stateShape, OPTIMIZER_KINDS,
  type OptimizerSpec,
} from './optim';
export {
  prepareBatched, gatherReduceBatched, gatherReduceBatchedPrepared, castIndicesBatched, castBatchedPrepared,
  castedGatherReduceBatched, backwardCastedBatched, backwardExpandCoalesceBatched, tableGradSlice, castedPerTable,
  type TableSpec, type BatchedInput, type BatchedBags, type BatchedCastedIndex, type BatchedMode,
} from './batched';
export {
  Rng, ZipfSampler, generateWorkload, preset, workloadStats, makeWeights, makeGradOutput, fillUniform,
  PRESET_NAMES, DLRMV2_ROWS, DLRMV2_MULTI_HOT, PRODUCTION_REUSE, reuseCounts, reuseHistograms, reuseBin, reuseBinOf,
  type Workload, type WorkloadSpec, type WorkloadStats, type Pooling, type Distribution, type PresetName, type PresetOptions, type ReuseHistogram,
} from './workload';
export { encodeNpy, decodeNpy, type NpyArray, type NpyData, type NpyDtype } from './npy';
export {
  parseCaseJson, loadCase, runCase, writeCaseOutputs, runCaseDir, writeCaseDir, OUTPUT_FILES,
  readCaseConfig, readNpyFile, expectNpy, checkCaseFiles, CASE_INPUTS,
  type Case, type CaseConfig, type CaseResult, type RunOptions,
} from './casedir';
export {
  isBatchedCaseDir, loadBatchedCase, runBatchedCase, writeBatchedCaseDir,
  type BatchedCase, type BatchedCaseResult,
} from './batchcase';
export {
  traffic, trafficOps, predictCycles, rowCounts, rowCountText, rowBeats, streamBeats, TRAFFIC_PATHS, TRAFFIC_OPTIMIZERS,
  type TrafficShape, type TrafficPath, type TrafficOptimizer, type OpTraffic, type PathTraffic, type MemoryModel,
} from './traffic';
