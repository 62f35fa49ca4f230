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
} from './example-repository.js';
export { type MlpModelFiles, type MlpModelWriterOptions, writeMlpModel } from './mlp-model-writer.js';
export { packageRoot } from './package-root.js';
export {
  readTextOrientationModel,
  sha256Hex,
  TEXT_ORIENTATION_FILE,
  TEXT_ORIENTATION_SHA256,
  textOrientationSourcePath,
} from './text-orientation-model.js';
export { writeFileIfChanged } from './write-file-if-changed.js';
