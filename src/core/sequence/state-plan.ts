/**
 * The implicit state of a sequence model (`sequence_batching.state`), resolved once at load:
 * input and output names, datatype, per-sequence shape, the batch axis the model uses for it,
 * and the initial bytes (zeros, or `<model dir>/initial_state/<data_file>`). Beyond Triton, the
 * model parameter `nereid.state_batch_axis` names the axis: "1" for every state, or
 * "state:1,h:0" per state input; default 0. It does not run anything (sequence-batch.ts does).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArg } from '../../common/index.js';
import type { ModelConfig } from '../../protocol/index.js';
import { configToWire, type DataType, ELEMENT_BYTES } from '../../protocol/index.js';
import { ConfinedFileError, confinedFileSync, errnoCode } from '../confined-file.js';

/** Model parameter naming the batch axis of the state tensors. */
export const STATE_BATCH_AXIS_PARAMETER = 'nereid.state_batch_axis';

/** One implicit state tensor. */
export interface StateSpec {
  /** Model input fed with the state. */
  readonly inputName: string;
  /** Model output holding the next state. */
  readonly outputName: string;
  /** Wire datatype. */
  readonly datatype: DataType;
  /** Bytes per element. */
  readonly elementBytes: number;
  /** Axis of the batch dim in the batched tensor (0 when the model does not batch). */
  readonly axis: number;
  /** Shape of one sequence's state at its start (variable dims as 1, or initial_state dims). */
  readonly initialShape: readonly number[];
  /** One sequence's state at its start. */
  readonly initialBytes: Uint8Array;
}

function loadError(modelName: string, message: string): Error {
  return invalidArg(
    'ERR_SEQUENCE_STATE_CONFIG',
    `Cannot serve the state of model '${modelName}': ${message}`,
  );
}

/** Reads `nereid.state_batch_axis` into input name → axis ('' = every state). */
function readAxes(config: ModelConfig): Map<string, number> {
  const axes = new Map<string, number>();
  const text = config.parameters[STATE_BATCH_AXIS_PARAMETER]?.string_value?.trim() ?? '';
  if (text === '') return axes;
  for (const part of text.split(',')) {
    const colon = part.lastIndexOf(':');
    const name = colon < 0 ? '' : part.slice(0, colon).trim();
    const value = (colon < 0 ? part : part.slice(colon + 1)).trim();
    if (!/^[0-9]+$/.test(value)) {
      throw loadError(
        config.name,
        `parameter '${STATE_BATCH_AXIS_PARAMETER}' must be an axis ("1") or "input:axis" pairs ("state:1,h:0"): received "${text}"`,
      );
    }
    axes.set(name, Number(value));
  }
  return axes;
}

/** Resolves the states of `config`; `modelDir` is needed only for initial_state data files. */
export function resolveStates(config: ModelConfig, modelDir: string | undefined): StateSpec[] {
  const states = config.sequence_batching?.state ?? [];
  const axes = readAxes(config);
  const batched = config.max_batch_size > 0;
  return states.map((s, index) => {
    const datatype = configToWire(s.data_type);
    const elementBytes = ELEMENT_BYTES[datatype];
    if (elementBytes === 0)
      throw loadError(
        config.name,
        `state '${s.input_name}' is ${datatype}; only fixed-size types are supported`,
      );
    const axis = batched ? (axes.get(s.input_name) ?? axes.get('') ?? 0) : 0;
    if (axis > s.dims.length) {
      throw loadError(
        config.name,
        `batch axis ${axis} of state '${s.input_name}' is out of range: its dims ${JSON.stringify(s.dims)} allow 0..${s.dims.length}`,
      );
    }
    const initial = s.initial_state[0];
    const initialShape = initial !== undefined ? [...initial.dims] : s.dims.map((d) => (d < 0 ? 1 : d));
    if (initialShape.some((d) => d < 0)) {
      throw loadError(
        config.name,
        `initial_state of '${s.input_name}' has a variable dimension: ${JSON.stringify(initialShape)}`,
      );
    }
    const bytes = initialShape.reduce((a, b) => a * b, 1) * elementBytes;
    let initialBytes = new Uint8Array(bytes);
    if (initial?.data_file !== undefined && initial.data_file !== '') {
      if (modelDir === undefined)
        throw loadError(
          config.name,
          'the model directory is unknown, so initial_state data_file cannot be read',
        );
      const field = `sequence_batching.state[${index}].initial_state[0].data_file`;
      let file: Uint8Array;
      try {
        file = readFileSync(confinedFileSync(join(modelDir, 'initial_state'), initial.data_file, field));
      } catch (err) {
        const why =
          err instanceof ConfinedFileError ? err.message : `${field} cannot be read (${errnoCode(err)})`;
        throw loadError(config.name, why);
      }
      if (file.length < bytes) {
        throw loadError(
          config.name,
          `${field} ${JSON.stringify(initial.data_file)} has ${file.length} bytes but state '${s.input_name}' needs ${bytes}`,
        );
      }
      initialBytes = file.slice(0, bytes);
    }
    return {
      inputName: s.input_name,
      outputName: s.output_name,
      datatype,
      elementBytes,
      axis,
      initialShape,
      initialBytes,
    };
  });
}
