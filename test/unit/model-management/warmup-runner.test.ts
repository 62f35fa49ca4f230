/**
 * Unit: runWarmup builds each model_warmup batch (zero, random or file data, batch_size rows,
 * reshape applied) and runs it `count` times (0 = once) on every instance; an instance error
 * names the warmup and the instance. Instances here record batches instead of running a model.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BackendInstance, ExecutionBatch, ExecutionSink } from '../../../src/backends/backend.js';
import { ServerError, Status } from '../../../src/common/errors.js';
import { normalizeModelConfig, type PartialModelConfig } from '../../../src/config/index.js';
import { runWarmup } from '../../../src/core/model-management/index.js';
import { ModelPlan } from '../../../src/core/model-plan.js';

const dir = mkdtempSync(join(tmpdir(), 'nereid-warmup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

class RecordingInstance implements BackendInstance {
  readonly batches: ExecutionBatch[] = [];
  constructor(
    readonly name: string,
    private readonly failWith: ServerError | null = null,
  ) {}
  execute(batch: ExecutionBatch, sink: ExecutionSink): void {
    this.batches.push(batch);
    const fail = this.failWith;
    queueMicrotask(() =>
      fail !== null
        ? sink.onError(fail)
        : sink.onResult({
            outputs: [],
            perRequest: null,
            computeInputNs: 0,
            computeInferNs: 0,
            computeOutputNs: 0,
          }),
    );
  }
  onExit(): void {}
  async close(): Promise<void> {}
}

function model(partial: PartialModelConfig) {
  const config = normalizeModelConfig({
    name: 'm',
    backend: 'onnxruntime',
    max_batch_size: 4,
    input: [{ name: 'X', data_type: 'TYPE_INT32', dims: [2], reshape: { shape: [1, 2] } }],
    output: [{ name: 'Y', data_type: 'TYPE_INT32', dims: [2] }],
    ...partial,
  });
  return { config, plan: new ModelPlan(config, new Map()) };
}

describe('runWarmup', () => {
  it('runs zero, random and file warmups count times on every instance with batch_size rows', async () => {
    mkdirSync(join(dir, 'warmup'), { recursive: true });
    writeFileSync(join(dir, 'warmup', 'x.bin'), Buffer.from(new Int32Array([5, 6]).buffer));
    const { config, plan } = model({
      model_warmup: [
        {
          name: 'z',
          batch_size: 3,
          count: 2,
          inputs: { X: { data_type: 'TYPE_INT32', dims: [2], zero_data: true } },
        },
        {
          name: 'r',
          batch_size: 1,
          count: 0,
          inputs: { X: { data_type: 'TYPE_INT32', dims: [2], random_data: true } },
        },
        {
          name: 'f',
          batch_size: 2,
          count: 1,
          inputs: { X: { data_type: 'TYPE_INT32', dims: [2], input_data_file: 'x.bin' } },
        },
      ],
    });
    const instances = [new RecordingInstance('m_0'), new RecordingInstance('m_1')];
    await runWarmup(config, plan, instances, dir);
    for (const instance of instances) {
      expect(instance.batches.map((b) => b.batchSize)).toEqual([3, 3, 1, 2]);
      expect(instance.batches[0]!.inputs[0]!.shape).toEqual([3, 1, 2]);
      expect([...instance.batches[0]!.inputs[0]!.data]).toEqual(new Array(24).fill(0));
      expect(instance.batches[2]!.inputs[0]!.data.length).toBe(8);
      const file = instance.batches[3]!.inputs[0]!;
      expect([...new Int32Array(file.data.slice().buffer)]).toEqual([5, 6, 5, 6]);
      expect(instance.batches[3]!.outputNames).toEqual(['Y']);
    }
  });

  it('does nothing without model_warmup and names the warmup and instance when one fails', async () => {
    const plain = model({});
    const idle = new RecordingInstance('m_0');
    await runWarmup(plain.config, plain.plan, [idle], dir);
    expect(idle.batches).toEqual([]);

    const { config, plan } = model({
      model_warmup: [
        {
          name: 'z',
          batch_size: 1,
          count: 1,
          inputs: { X: { data_type: 'TYPE_INT32', dims: [2], zero_data: true } },
        },
      ],
    });
    const failing = new RecordingInstance('m_1', new ServerError(Status.INTERNAL, 'ERR_BACKEND', 'kaput'));
    await expect(runWarmup(config, plan, [new RecordingInstance('m_0'), failing], dir)).rejects.toThrow(
      "warmup 'z' failed on instance 'm_1': kaput",
    );
  });
});
