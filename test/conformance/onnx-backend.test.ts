import { expect } from 'vitest';
import type { BackendInstance, ExecutionBatch } from '../../src/backends/backend.js';
import { OnnxBackend } from '../../src/backends/onnxruntime/onnx-backend.js';
import type { WorkerInstance } from '../../src/backends/worker-instance.js';
import type { Tensor } from '../../src/protocol/tensor.js';
import { PADDLE_CLS_MODEL } from '../helpers/onnx-fixtures.js';
import { runBackendConformance } from './backend.case.js';
import { bundleWorker } from './bundle-worker.js';
import { float32Of, makeBatch, tensorOf, testContext } from './execute.js';

const ROW = 3 * 48 * 192;
const OUTPUT = 'softmax_0.tmp_0';
/** The ONNX backend on each transport: native session on rings, the public-API fallback on messages. */
const variants = [
  { name: 'onnxruntime', problem: null },
  { name: 'onnxruntime (public session, message transport)', problem: 'forced by the conformance test' },
] as const;

function clsBatch(rows: number): ExecutionBatch {
  const x = new Float32Array(rows * ROW).map((_, i) => Math.cos(i * 0.0007) * 0.8);
  return makeBatch(rows, [tensorOf('x', 'FP32', [rows, 3, 48, 192], x)], [OUTPUT]);
}

for (const variant of variants) {
  let backend: OnnxBackend | null = null;
  runBackendConformance({
    name: variant.name,
    backend: async () => {
      backend ??= new OnnxBackend({
        workerUrl: await bundleWorker('src/backends/onnxruntime/onnx-worker.ts'),
        ortBindingProblem: () => variant.problem,
      });
      return backend;
    },
    context: (index, count) =>
      testContext(PADDLE_CLS_MODEL, { modelName: 'cls', instanceName: `cls_${index}`, instanceCount: count }),
    batch: clsBatch,
    checkOutputs: (batch: ExecutionBatch, outputs: Tensor[]) => {
      expect(outputs).toHaveLength(1);
      expect(outputs[0]).toMatchObject({ name: OUTPUT, datatype: 'FP32', shape: [batch.batchSize, 2] });
      const p = float32Of(outputs[0]!);
      for (let r = 0; r < batch.batchSize; r++) expect(p[2 * r]! + p[2 * r + 1]!).toBeCloseTo(1, 5);
    },
    failingBatch: () => makeBatch(1, [tensorOf('x', 'FP32', [1, 3, 48], new Float32Array(144))], [OUTPUT]),
    heavyBatch: () => clsBatch(24),
    crash: (instance: BackendInstance) =>
      (instance as WorkerInstance).abort('killed by the conformance test'),
  });
}
