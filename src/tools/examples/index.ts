/**
 * The bundled example model repository (its generator and model builders) and helpers that
 * write synthetic model folders for benchmarks.
 */
export {
  buildIdentityInt32Model,
  buildSimpleModel,
  buildSimpleStringModel,
  SIMPLE_ROW_SIZE,
  SYNTHETIC_EXAMPLE_MODELS,
} from './example-models.js';
export {
  buildExampleRepository,
  bundledRepositoryDir,
  EXAMPLE_MODEL_NAMES,
  type ExampleRepositoryResult,
  SILERO_VAD_EXAMPLE,
} from './example-repository.js';
export {
  LLM_EXAMPLE,
  LLM_EXAMPLE_CONFIG,
  type LlmExampleResult,
  placeLlmExample,
  sharedGgufPath,
} from './llm-example.js';
export { type MlpModelFiles, type MlpModelWriterOptions, writeMlpModel } from './mlp-model-writer.js';
export { packageRoot } from './package-root.js';
export {
  buildSileroVadModel,
  readSileroVadSource,
  SILERO_VAD_CONTEXT_SAMPLES,
  SILERO_VAD_INPUT_SAMPLES,
  SILERO_VAD_SAMPLE_RATE_HZ,
  SILERO_VAD_SHA256,
  SILERO_VAD_WINDOW_SAMPLES,
  sileroVadSourcePath,
} from './silero-vad-model.js';
export {
  readTextOrientationModel,
  sha256Hex,
  TEXT_ORIENTATION_FILE,
  TEXT_ORIENTATION_SHA256,
  textOrientationSourcePath,
} from './text-orientation-model.js';
export { writeFileIfChanged } from './write-file-if-changed.js';
