/**
 * The batching benchmark's physical limit: the model alone in ONNX Runtime worker threads (no
 * server, no HTTP), run back to back at each batch size; the best rows/s is the limit. Tries one
 * worker using every core and one worker per core, and keeps the better.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ExecutionBatch, ExecutionResult } from '../../src/backends/index.js';
import { OnnxBackend } from '../../src/backends/index.js';
import { normalizeModelConfig } from '../../src/config/index.js';
import type { Tensor } from '../../src/protocol/tensor.js';

/** Rows per second at one batch size and layout. */
export interface LimitPoint {
  batchSize: number;
  workers: number;
  rowsPerS: number;
}

/** Measures the model in `modelDir` (version 1) with input `input` per row. */
export async function measurePhysicalLimit(
  modelDir: string,
  inputName: string,
  rowShape: number[],
  rowBytes: Uint8Array,
  outputName: string,
  batchSizes: number[],
  durationMs = 2000,
): Promise<{ best: LimitPoint; points: LimitPoint[] }> {
  const cores = availableParallelism();
  const points: LimitPoint[] = [];
  for (const workers of [1, cores]) {
    const intra = Math.max(1, Math.floor(cores / workers));
    const config = normalizeModelConfig({
      name: 'limit',
      backend: 'onnxruntime',
      max_batch_size: Math.max(...batchSizes),
      parameters: { intra_op_thread_count: { string_value: String(intra) } },
    });
    config.default_model_filename = 'model.onnx';
    const backend = new OnnxBackend();
    const instances = await Promise.all(
      Array.from({ length: workers }, (_, i) =>
        backend.createInstance({
          modelName: 'limit',
          version: 1,
          modelDir,
          versionDir: join(modelDir, '1'),
          modelPath: join(modelDir, '1', 'model.onnx'),
          config,
          instanceName: `limit_${i}`,
          kind: 'KIND_CPU',
          deviceId: -1,
          instanceCount: workers,
        }),
      ),
    );
    for (const b of batchSizes) {
      const data = new Uint8Array(rowBytes.length * b);
      for (let r = 0; r < b; r++) data.set(rowBytes, r * rowBytes.length);
      const input: Tensor = { name: inputName, datatype: 'FP32', shape: [b, ...rowShape], data };
      const batch: ExecutionBatch = {
        batchSize: b,
        inputs: [input],
        outputNames: [outputName],
        requests: [],
      };
      const run = (i: number) =>
        new Promise<ExecutionResult>((resolve, reject) =>
          instances[i]!.execute(batch, { onResult: resolve, onError: reject }),
        );
      for (let i = 0; i < 3; i++) await Promise.all(instances.map((_, k) => run(k)));
      let rows = 0;
      const start = performance.now();
      await Promise.all(
        instances.map(async (_, k) => {
          while (performance.now() - start < durationMs) {
            await run(k);
            rows += b;
          }
        }),
      );
      const elapsed = (performance.now() - start) / 1000;
      points.push({ batchSize: b, workers, rowsPerS: rows / elapsed });
    }
    await Promise.all(instances.map((i) => i.close()));
  }
  const best = points.reduce((a, p) => (p.rowsPerS > a.rowsPerS ? p : a));
  return { best, points };
}
