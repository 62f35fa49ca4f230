/**
 * Checks the responses a JavaScript model returns or sends before they leave the worker: a list
 * of well-formed tensors, each output declared in the config with the config's datatype, no name
 * twice; answers in the config's output order. A failed check fails that one request.
 */
import { Status } from '../../common/errors.js';
import { configToWire, type DataType } from '../../protocol/datatypes.js';
import type { ModelConfig, Tensor } from '../../protocol/index.js';
import type { ModelResponse } from './model-api-types.js';
import { ModelError } from './model-error.js';
import { checkTensor } from './tensor-helpers.js';

/** Validates model responses against the config's outputs. */
export class OutputChecker {
  private readonly datatypes = new Map<string, DataType>();
  private readonly order = new Map<string, number>();

  constructor(config: ModelConfig) {
    config.output.forEach((o, i) => {
      this.datatypes.set(o.name, configToWire(o.data_type));
      this.order.set(o.name, i);
    });
  }

  /** The response's tensors in config order; throws a ModelError saying what is wrong. */
  check(response: ModelResponse): Tensor[] {
    if (!Array.isArray(response)) {
      throw new ModelError(
        `A response must be an array of tensors or an Error: received ${describe(response)}`,
        Status.INTERNAL,
        'ERR_MODEL_RESPONSE',
      );
    }
    const tensors = response as Tensor[];
    for (let i = 0; i < tensors.length; i++) {
      const t = tensors[i]!;
      checkTensor(t);
      const expected = this.datatypes.get(t.name);
      if (expected === undefined) {
        throw new ModelError(
          `Model returned output '${t.name}', which the config does not declare: declared ${[...this.datatypes.keys()].map((n) => `'${n}'`).join(', ') || 'none'}`,
          Status.INTERNAL,
          'ERR_MODEL_RESPONSE',
        );
      }
      if (expected !== t.datatype) {
        throw new ModelError(
          `Model returned output '${t.name}' as ${t.datatype} but the config declares ${expected}`,
          Status.INTERNAL,
          'ERR_MODEL_RESPONSE',
        );
      }
      for (let j = 0; j < i; j++) {
        if (tensors[j]!.name === t.name) {
          throw new ModelError(
            `Model returned output '${t.name}' twice`,
            Status.INTERNAL,
            'ERR_MODEL_RESPONSE',
          );
        }
      }
    }
    if (tensors.length < 2) return tensors.slice();
    return tensors.slice().sort((a, b) => this.order.get(a.name)! - this.order.get(b.name)!);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'object';
}
