import { describe, expect, it } from 'vitest';
import { parseModelConfig, validateModelConfig } from '../../../src/config/index.js';
import { InferenceRequest } from '../../../src/core/inference-request.js';
import {
  BatchRow,
  ControlInputs,
  EMPTY_ROW,
  extractState,
  resolveStates,
  Sequence,
  SlotAllocator,
  stitchStates,
} from '../../../src/core/sequence/index.js';
import { decodeBytesStrings } from '../../../src/protocol/bytes-tensor.js';
import { RecordingSink } from '../core/dynamic-batcher-harness.js';

function config(body: string) {
  return validateModelConfig(
    parseModelConfig(`name: "m"
backend: "onnxruntime"
max_batch_size: 4
input [ { name: "INPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
output [ { name: "OUTPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
${body}`),
    { modelName: 'm' },
  );
}

function row(id: bigint | string, start: boolean, end: boolean): BatchRow {
  const parameters = { sequence_id: id, sequence_start: start, sequence_end: end };
  const request = new InferenceRequest({ modelName: 'm', parameters, inputs: [], sink: new RecordingSink() });
  return new BatchRow(new Sequence(id), request);
}

describe('sequence parts', () => {
  it('SlotAllocator hands out the lowest position first, spread over the instances', () => {
    const slots = new SlotAllocator(2, 3);
    const got: string[] = [];
    const ref = { instance: 0, position: 0 };
    while (slots.acquire(ref)) got.push(`${ref.instance}:${ref.position}`);
    expect(got).toEqual(['0:0', '1:0', '0:1', '1:1', '0:2', '1:2']);
    slots.release(1, 2);
    slots.release(0, 1);
    slots.acquire(ref);
    expect(ref).toEqual({ instance: 0, position: 1 });
  });

  it('stitchStates and extractState round-trip states along batch axis 1', () => {
    const a = new Float32Array([1, 2, 3, 4]); // per sequence [2, 2]
    const b = new Float32Array([5, 6, 7, 8]);
    const stitched = stitchStates([new Uint8Array(a.buffer), new Uint8Array(b.buffer)], [2, 2], 1, 4);
    expect([...new Float32Array(stitched.buffer)]).toEqual([1, 2, 5, 6, 3, 4, 7, 8]); // [2, 2 rows, 2]
    const back = extractState(stitched, [2, 2, 2], 1, 1, 4);
    expect([...new Float32Array(back.buffer)]).toEqual([5, 6, 7, 8]);
  });

  it('ControlInputs writes fp32 and bool flags and a STRING correlation id per row', () => {
    const controls = new ControlInputs(
      config(`sequence_batching {
  control_input [
    { name: "S" control [ { kind: CONTROL_SEQUENCE_START fp32_false_true: [ 0.5, 2.5 ] } ] },
    { name: "E" control [ { kind: CONTROL_SEQUENCE_END bool_false_true: [ false, true ] } ] },
    { name: "ID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_STRING } ] }
  ]
}`),
    );
    const tensors = controls.build([row('a', true, false), EMPTY_ROW, row('bc', false, true)]);
    expect(tensors.map((t) => [t.name, t.datatype, t.shape])).toEqual([
      ['S', 'FP32', [3, 1]],
      ['E', 'BOOL', [3, 1]],
      ['ID', 'BYTES', [3, 1]],
    ]);
    expect([...new Float32Array(tensors[0]!.data.slice().buffer)]).toEqual([2.5, 0.5, 0.5]);
    expect([...tensors[1]!.data]).toEqual([0, 0, 1]);
    expect(decodeBytesStrings(tensors[2]!.data)).toEqual(['a', '', 'bc']);
  });

  it('ControlInputs writes a UINT64 correlation id beyond 2^53 exactly', () => {
    const controls = new ControlInputs(
      config(
        'sequence_batching { control_input [ { name: "ID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 } ] } ] }',
      ),
    );
    const big = (1n << 64n) - 1n;
    const [t] = controls.build([row(big, true, false)]);
    expect(new BigUint64Array(t!.data.slice().buffer)[0]).toBe(big);
  });

  it('resolveStates reads nereid.state_batch_axis per state and refuses an axis out of range', () => {
    const body = (axis: string) => `sequence_batching {
  state [ { input_name: "h" output_name: "hn" data_type: TYPE_FP32 dims: [ 2, 8 ] },
          { input_name: "c" output_name: "cn" data_type: TYPE_FP32 dims: [ 8 ] } ]
}
parameters { key: "nereid.state_batch_axis" value { string_value: "${axis}" } }`;
    const states = resolveStates(config(body('h:1,c:0')), undefined);
    expect(states.map((s) => [s.inputName, s.axis, s.initialBytes.length])).toEqual([
      ['h', 1, 64],
      ['c', 0, 32],
    ]);
    expect(() => resolveStates(config(body('2')), undefined)).toThrow(
      /batch axis 2 of state 'c' is out of range: its dims \[8\] allow 0..1/,
    );
  });
});
