import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  defaultIntraOpThreads,
  resolveOnnxSessionPlan,
} from '../../../src/backends/onnxruntime/onnx-session-options.js';
import type { ModelConfig } from '../../../src/protocol/model-config.js';
import { testConfig, testContext } from '../../conformance/execute.js';

function plan(config: Partial<ModelConfig>, context: Parameters<typeof testContext>[1] = {}) {
  return resolveOnnxSessionPlan(
    testContext('/models/m/1/model.onnx', { config: testConfig('m', config), ...context }),
  );
}

const params = (entries: Record<string, string>) =>
  Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, { string_value: v }]));

const withAccelerators = (
  gpu: { name: string; parameters: Record<string, string> }[],
): Partial<ModelConfig> => ({
  optimization: {
    ...testConfig('m').optimization,
    execution_accelerators: { gpu_execution_accelerator: gpu, cpu_execution_accelerator: [] },
  },
});

describe('resolveOnnxSessionPlan', () => {
  it('defaultIntraOpThreads leaves one core to the main thread and divides the rest among instances', () => {
    expect(defaultIntraOpThreads(2, 1)).toBe(1);
    expect(defaultIntraOpThreads(1, 1)).toBe(1);
    expect(defaultIntraOpThreads(16, 1)).toBe(15);
    expect(defaultIntraOpThreads(16, 2)).toBe(7);
    expect(defaultIntraOpThreads(16, 1000)).toBe(1);
  });

  it('resolveOnnxSessionPlan divides the cores but one among instances and silences ORT warnings by default', () => {
    const { worker } = plan({}, { instanceCount: 2 });
    expect(worker.sessionOptions).toMatchObject({
      graphOptimizationLevel: 'all',
      intraOpNumThreads: Math.max(1, Math.floor((availableParallelism() - 1) / 2)),
      executionMode: 'sequential',
      logSeverityLevel: 3,
      executionProviders: ['cpu'],
    });
    expect(plan({}, { instanceCount: 1000 }).worker.sessionOptions.intraOpNumThreads).toBe(1);
    expect(worker.gpu).toBe(false);
  });

  for (const [key, field, what, byDefault, set, zero] of [
    ['nereid.answer_poll_us', 'answerPollUs', 'lets the main thread watch for a fast answer', 0, 250, 0],
    ['nereid.max_in_flight', 'maxInFlight', 'pipelines executions per instance', 16, 1, 1],
    [
      'nereid.input_slab_bytes',
      'inputSlabBytes',
      'gives each instance an input slab',
      2 * 1024 * 1024,
      65536,
      0,
    ],
  ] as const) {
    it(`resolveOnnxSessionPlan ${what} (${byDefault} by default) unless ${key} says otherwise`, () => {
      expect(plan({})[field]).toBe(byDefault);
      expect(plan({ parameters: params({ [key]: String(set) }) })[field]).toBe(set);
      expect(plan({ parameters: params({ [key]: '0' }) })[field]).toBe(zero);
      for (const bad of ['two', '-5']) {
        expect(() => plan({ parameters: params({ [key]: bad }) })).toThrow(
          `parameters.${key} of model "m" must be a non-negative integer: received "${bad}"`,
        );
      }
    });
  }

  it('resolveOnnxSessionPlan refuses an input slab over 1 GiB', () => {
    expect(() => plan({ parameters: params({ 'nereid.input_slab_bytes': String(2 ** 30 + 1) }) })).toThrow(
      `parameters.nereid.input_slab_bytes of model "m" must be at most ${2 ** 30}: received "${2 ** 30 + 1}"`,
    );
  });

  it("resolveOnnxSessionPlan maps optimization.graph.level the way Triton's ORT backend does", () => {
    const level = (l: number) =>
      plan({ optimization: { ...testConfig('m').optimization, graph: { level: l } } }).worker.sessionOptions
        .graphOptimizationLevel;
    expect([-1, 0, 1, 2].map(level)).toEqual(['basic', 'all', 'extended', 'disabled']);
    const odd = plan({ optimization: { ...testConfig('m').optimization, graph: { level: 7 } } });
    expect(odd.worker.sessionOptions.graphOptimizationLevel).toBe('all');
    expect(odd.warnings).toEqual([
      'optimization.graph.level 7 of model "m" is not one of -1, 0, 1, 2: using all optimizations',
    ]);
  });

  it('resolveOnnxSessionPlan reads the thread, execution-mode and memory parameters', () => {
    const { worker } = plan({
      parameters: params({
        intra_op_thread_count: '3',
        inter_op_thread_count: '2',
        execution_mode: '1',
        enable_mem_arena: '0',
        enable_mem_pattern: 'true',
        'session.use_device_allocator_for_initializers': '1',
      }),
    });
    expect(worker.sessionOptions).toMatchObject({
      intraOpNumThreads: 3,
      interOpNumThreads: 2,
      executionMode: 'parallel',
      enableCpuMemArena: false,
      enableMemPattern: true,
      extra: { 'session.use_device_allocator_for_initializers': '1' },
    });
  });

  it('resolveOnnxSessionPlan rejects malformed parameters naming the key and the value', () => {
    expect(() => plan({ parameters: params({ execution_mode: '2' }) })).toThrow(
      'parameters.execution_mode of model "m" must be "0" (sequential) or "1" (parallel): received "2"',
    );
    expect(() => plan({ parameters: params({ enable_mem_arena: 'yes' }) })).toThrow(
      'parameters.enable_mem_arena of model "m" must be "0", "1", "true" or "false": received "yes"',
    );
    expect(() => plan({ parameters: params({ inter_op_thread_count: '-1' }) })).toThrow(/received "-1"/);
  });

  it('resolveOnnxSessionPlan puts TensorRT, then CUDA, then CPU on a KIND_GPU instance with Triton keys mapped', () => {
    const p = plan(
      withAccelerators([
        {
          name: 'tensorrt',
          parameters: {
            precision_mode: 'FP16',
            max_workspace_size_bytes: '1073741824',
            trt_engine_cache_enable: 'true',
            trt_engine_cache_path: '/tmp/trt',
          },
        },
        { name: 'cuda', parameters: { cudnn_conv_use_max_workspace: '0' } },
      ]),
      { kind: 'KIND_GPU', deviceId: 1 },
    );
    expect(p.worker.sessionOptions.executionProviders).toEqual([
      { name: 'tensorrt', deviceId: 1 },
      { name: 'cuda', deviceId: 1 },
      'cpu',
    ]);
    expect(p.providerOptions.tensorrt).toEqual({
      trt_fp16_enable: '1',
      trt_max_workspace_size: '1073741824',
      trt_engine_cache_enable: '1',
      trt_engine_cache_path: '/tmp/trt',
    });
    expect(p.providerOptions.cuda).toEqual({ cudnn_conv_use_max_workspace: '0' });
    expect(p.worker.gpu).toBe(true);
    expect(p.worker.unappliedProviderOptions).toContain('tensorrt.trt_fp16_enable=1');
  });

  it('resolveOnnxSessionPlan maps the legacy CUDA model parameters to CUDA EP options', () => {
    const p = plan(
      {
        parameters: params({
          cudnn_conv_algo_search: '1',
          arena_extend_strategy: '1',
          gpu_mem_limit: '4294967200',
        }),
      },
      { kind: 'KIND_GPU', deviceId: 0 },
    );
    expect(p.providerOptions.cuda).toEqual({
      cudnn_conv_algo_search: 'HEURISTIC',
      arena_extend_strategy: 'kSameAsRequested',
      gpu_mem_limit: '4294967200',
    });
    expect(p.worker.sessionOptions.executionProviders).toEqual([{ name: 'cuda', deviceId: 0 }, 'cpu']);
  });

  it('resolveOnnxSessionPlan rejects unknown accelerators and TensorRT parameters', () => {
    expect(() =>
      plan(withAccelerators([{ name: 'rocm', parameters: {} }]), { kind: 'KIND_GPU', deviceId: 0 }),
    ).toThrow('Unknown gpu_execution_accelerator "rocm" of model "m": allowed "tensorrt", "cuda"');
    expect(() =>
      plan(withAccelerators([{ name: 'tensorrt', parameters: { precision_mode: 'FP8' } }]), {
        kind: 'KIND_GPU',
        deviceId: 0,
      }),
    ).toThrow('TensorRT precision_mode of model "m" must be "FP32", "FP16" or "INT8": received "FP8"');
    expect(() =>
      plan(withAccelerators([{ name: 'tensorrt', parameters: { bogus: '1' } }]), {
        kind: 'KIND_GPU',
        deviceId: 0,
      }),
    ).toThrow('Unknown parameter "bogus" for the TensorRT execution accelerator of model "m"');
  });

  it('resolveOnnxSessionPlan ignores GPU accelerators on a CPU instance with a warning, as Triton does', () => {
    const p = plan(withAccelerators([{ name: 'tensorrt', parameters: {} }]));
    expect(p.worker.sessionOptions.executionProviders).toEqual(['cpu']);
    expect(p.warnings).toEqual([
      'gpu_execution_accelerator of model "m" is ignored on KIND_CPU instance "m_0"',
    ]);
  });

  it('resolveOnnxSessionPlan reads nereid.cpu_fallback and refuses the openvino CPU accelerator', () => {
    expect(plan({ parameters: params({ 'nereid.cpu_fallback': 'true' }) }).worker.cpuFallback).toBe(true);
    expect(plan({}).worker.cpuFallback).toBe(false);
    const openvino: Partial<ModelConfig> = {
      optimization: {
        ...testConfig('m').optimization,
        execution_accelerators: {
          gpu_execution_accelerator: [],
          cpu_execution_accelerator: [{ name: 'openvino', parameters: {} }],
        },
      },
    };
    expect(() => plan(openvino)).toThrow(
      /cpu_execution_accelerator "openvino" of model "m" is not available in onnxruntime-node/,
    );
  });
});
