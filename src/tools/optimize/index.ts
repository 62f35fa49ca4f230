/**
 * The model optimizer behind `nereid optimize`: float16 conversion, int8 quantisation (dynamic and
 * static QDQ), ORT offline graph optimisation and accelerator config blocks, with accuracy and
 * speed measured against the source in worker threads.
 */
export {
  type AcceleratorPrecision,
  acceleratorFor,
  type GpuExecutionProvider,
  withAccelerator,
} from './accelerator-config.js';
export {
  AccuracyAccumulator,
  type AccuracyReport,
  type AccuracyThresholds,
  type OutputAccuracy,
} from './accuracy-report.js';
export {
  ALWAYS_FLOAT32_INPUTS,
  convertToFloat16,
  DEFAULT_FP16_BLOCK_LIST,
  type Float16Options,
  type Float16Report,
} from './float16-converter.js';
export { promoteConstantNodes } from './graph-edit.js';
export {
  generateSamples,
  type InputSpec,
  loadSamples,
  rowSamples,
  type Sample,
  stackBatch,
} from './input-data.js';
export {
  type Int8KeepFloat,
  type Int8Mode,
  type Int8Options,
  type Int8Report,
  prepareForQuantization,
  quantizeToInt8,
} from './int8-quantizer.js';
export type { ModelIo, WireTensor } from './measure-protocol.js';
export { MeasureSession, type MeasureSessionOptions } from './measure-session.js';
export { type OptimizeResult, optimizeModel, weightBytes } from './model-optimizer.js';
export {
  type GraphLevel,
  type OptimizeOptions,
  type ResolvedOptimizeOptions,
  resolveOptimizeOptions,
  variantLabel,
} from './optimize-options.js';
export { formatOptimizeDetails, formatOptimizeTable, optimizeReportJson } from './optimize-report.js';
export {
  activationParams,
  type CalibrationMethod,
  quantizeBias,
  quantizePerChannel,
  RangeCollector,
} from './quantize-math.js';
export { measureSpeed, median, type SpeedFigures, type SpeedReport } from './speed-report.js';
export { adaptFeeds } from './tensor-cast.js';
export { openTrainingStepRunner, type TrainingStepRunnerOptions } from './training-step-runner.js';
export { inferValueTypes, type ValueTypes } from './value-types.js';
export { buildVariant, optimizeGraph, type VariantBuild } from './variant-builder.js';
