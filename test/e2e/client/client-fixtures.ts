/**
 * Model repository for the client e2e tests, written to a temporary directory: `identity_all`
 * (one ONNX Identity per datatype ORT supports except FP16, IN_<DT> → OUT_<DT>, dims [-1]),
 * `identity_fp16` (the same for FP16, which cannot travel as JSON) and `slow` (an
 * FP32 [1] input expanded to a 2048×2048 matrix multiplied by itself, so a call stays in flight
 * long enough to cancel or time out) and `reshape` (X reshaped to the shape in S, so a request
 * whose S does not fit X fails inside ONNX Runtime: a model run that fails, a 500). Plus symlinks
 * to the bundled example models.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attr, type OnnxElementType, OnnxGraphBuilder } from '../../../src/tools/onnx/index.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';

/** Wire datatype → ONNX element type, for every datatype ORT's Identity takes (FP16 in its own model). */
export const IDENTITY_TYPES: Readonly<Record<string, OnnxElementType>> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};

/** Side of the square matrix the `slow` model multiplies. */
export const SLOW_MATRIX_SIZE = 2048;

function configType(datatype: string): string {
  return datatype === 'BYTES' ? 'TYPE_STRING' : `TYPE_${datatype}`;
}

function identity(
  model: string,
  types: Readonly<Record<string, OnnxElementType>>,
): { model: Uint8Array; config: string } {
  const b = new OnnxGraphBuilder({ graphName: model });
  const names = Object.keys(types);
  for (const dt of names) b.input(`IN_${dt}`, types[dt]!, ['n']);
  for (const dt of names) b.node('Identity', [`IN_${dt}`], [`OUT_${dt}`]);
  for (const dt of names) b.output(`OUT_${dt}`, types[dt]!, ['n']);
  const tensors = (kind: string) =>
    names.map((dt) => `  { name: "${kind}_${dt}" data_type: ${configType(dt)} dims: [ -1 ] }`).join(',\n');
  const config = `name: "${model}"
backend: "onnxruntime"
max_batch_size: 0
input [
${tensors('IN')}
]
output [
${tensors('OUT')}
]
instance_group [ { kind: KIND_CPU count: 1 } ]
`;
  return { model: b.toBytes(), config };
}

function slow(): { model: Uint8Array; config: string } {
  const n = SLOW_MATRIX_SIZE;
  const b = new OnnxGraphBuilder({ graphName: 'slow' });
  b.input('X', 'float32', [1]);
  b.initializer('square', 'int64', [2], [n, n]);
  b.node('Expand', ['X', 'square'], ['A']);
  b.node('MatMul', ['A', 'A'], ['B']);
  b.node('ReduceMean', ['B'], ['Y'], { attributes: { keepdims: attr.int(1) } });
  b.output('Y', 'float32', [1, 1]);
  const config = `name: "slow"
backend: "onnxruntime"
max_batch_size: 0
input [ { name: "X" data_type: TYPE_FP32 dims: [ 1 ] } ]
output [ { name: "Y" data_type: TYPE_FP32 dims: [ 1, 1 ] } ]
instance_group [ { kind: KIND_CPU count: 1 } ]
`;
  return { model: b.toBytes(), config };
}

function reshape(): { model: Uint8Array; config: string } {
  const b = new OnnxGraphBuilder({ graphName: 'reshape' });
  b.input('X', 'float32', ['n']);
  b.input('S', 'int64', [2]);
  b.node('Reshape', ['X', 'S'], ['Y']);
  b.output('Y', 'float32', ['a', 'b']);
  const config = `name: "reshape"
backend: "onnxruntime"
max_batch_size: 0
input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] }, { name: "S" data_type: TYPE_INT64 dims: [ 2 ] } ]
output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
instance_group [ { kind: KIND_CPU count: 1 } ]
`;
  return { model: b.toBytes(), config };
}

/** A temporary repository with the client test models; `remove()` deletes it. */
export interface ClientRepository {
  /** Repository directory. */
  dir: string;
  /** Deletes the directory. */
  remove(): void;
}

/** Writes the client test repository (identity_all, identity_fp16, slow, reshape, and the bundled examples linked in). */
export function writeClientRepository(): ClientRepository {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-client-'));
  const models = {
    identity_all: identity('identity_all', IDENTITY_TYPES),
    identity_fp16: identity('identity_fp16', { FP16: 'float16' }),
    slow: slow(),
    reshape: reshape(),
  };
  for (const [name, built] of Object.entries(models)) {
    mkdirSync(join(dir, name, '1'), { recursive: true });
    writeFileSync(join(dir, name, '1', 'model.onnx'), built.model);
    writeFileSync(join(dir, name, 'config.pbtxt'), built.config);
  }
  for (const name of [
    'simple',
    'simple_int8',
    'simple_string',
    'custom_identity_int32',
    'text_orientation',
  ]) {
    symlinkSync(join(EXAMPLES_REPOSITORY, name), join(dir, name), 'dir');
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
