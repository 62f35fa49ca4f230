/**
 * What a model file declares about its inputs and outputs, as a backend reads it off the main
 * thread: the facts config auto-complete (auto-complete-config.ts) fills a config from. Backends
 * produce it (Backend.inspect), the config layer consumes it; it lives here, below both.
 */
import type { DataType, ModelConfig } from '../protocol/index.js';

/** Tensor metadata read from a model file (used to auto-complete a config). */
export interface TensorMetadata {
  /** Tensor name. */
  name: string;
  /** Wire datatype, or null when the framework type has no wire equivalent. */
  datatype: DataType | null;
  /** Full shape as the file declares it; -1 for symbolic or unknown dims. */
  shape: number[];
  /**
   * For a BYTES input the model parses into numbers: the text each element must be, so that a bad
   * element is refused before the model runs; absent when the model takes any bytes.
   */
  numericText?: NumericText;
}

/**
 * What a numeric-text element looks like, as C's `strtoll` / `strtod` read it (what ONNX Runtime's
 * Cast uses): optional leading whitespace and sign, then digits ('integer', within int64), or a
 * decimal or hex number, `inf` or `nan` ('float').
 */
export type NumericText = 'integer' | 'float';

/** Input/output metadata of a model file. */
export interface ModelFileMetadata {
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  /**
   * The config as the model completed it itself (a JS model's static autoCompleteConfig), used
   * in place of the given config before the generic auto-complete; absent when not applicable.
   */
  config?: ModelConfig;
}
