/**
 * Entry point of the config layer: parse config.pbtxt, normalize to Triton's JSON form with its
 * defaults, auto-complete from a model file, validate against Triton's rules, and write back as
 * text or Triton's JSON. Typical load path:
 *   const partial = parsePartialModelConfig(text, path);
 *   const { config, completed } = autoCompleteConfig(partial, metadata, { defaultMaxBatchSize: 4, strict: false, modelName });
 *   const resolved = validateModelConfig(config, { modelName });
 */

export {
  type AutoCompleteBackend,
  type AutoCompleteOptions,
  type AutoCompleteResult,
  autoCompleteConfig,
} from './auto-complete-config.js';
export { ERR_CONFIG_SYNTAX, ERR_INVALID_CONFIG } from './config-error.js';
export {
  type FieldSpec,
  type MessageSpec,
  MODEL_CONFIG_SPEC,
  type ScalarType,
  type ValueType,
} from './config-schema.js';
export { formatTextProto } from './format-text-proto.js';
export * from './llama-cpp-parameters.js';
export { modelConfigToJson } from './model-config-json.js';
export type { ModelFileMetadata, NumericText, TensorMetadata } from './model-file-metadata.js';
export {
  type DeepPartial,
  defaultInstanceCount,
  isEnsemble,
  type NormalizeOptions,
  normalizeModelConfig,
  type PartialModelConfig,
  SEQUENCE_IDLE_DEFAULT_US,
} from './normalize-model-config.js';
export { parseModelConfig, parsePartialModelConfig } from './parse-model-config.js';
export * from './sampling-parameters.js';
export {
  parseTextProto,
  type TextField,
  type TextIdentifier,
  type TextMessage,
  type TextNumber,
  type TextPosition,
  type TextString,
  type TextValue,
} from './text-proto-parser.js';
export { type ValidateContext, validateModelConfig } from './validate-model-config.js';
