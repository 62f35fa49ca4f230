/**
 * The startup self-check of onnxruntime-node's private binding (ort-binding.ts) and the ONNX
 * backend's fallback to the public InferenceSession when it fails.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendInstance, BackendLogLevel } from '../../../src/backends/backend.js';
import { MessageTransport } from '../../../src/backends/message-transport.js';
import { OnnxBackend } from '../../../src/backends/onnxruntime/onnx-backend.js';
import {
  bindingShapeProblem,
  loadOrtBinding,
  PINNED_ORT_VERSION,
} from '../../../src/backends/onnxruntime/ort-binding.js';
import { RingTransport } from '../../../src/backends/ring-transport.js';
import type { WorkerInstance } from '../../../src/backends/worker-instance.js';
import { bundleWorker, REPO_ROOT } from '../../conformance/bundle-worker.js';
import { execute, float32Of, makeBatch, tensorOf, testContext } from '../../conformance/execute.js';
import { identityModel, tempModelDir, writeModel } from '../../helpers/onnx-fixtures.js';

const open: BackendInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((i) => i.close()));
});

/** A module shaped like onnxruntime-node 1.30's dist/binding.js, minus what `without` names. */
function fakeBinding(without = ''): unknown {
  class InferenceSession {}
  for (const method of ['loadModel', 'run', 'dispose']) {
    if (method !== without) Object.defineProperty(InferenceSession.prototype, method, { value: () => {} });
  }
  const binding: Record<string, unknown> = { InferenceSession, listSupportedBackends: () => [] };
  if (without === 'listSupportedBackends') delete binding.listSupportedBackends;
  return without === 'initOrt' ? { binding } : { binding, initOrt: () => {} };
}

describe('onnxruntime-node binding self-check', () => {
  it('package.json pins onnxruntime-node to exactly the version the native session was checked against', () => {
    const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies['onnxruntime-node']).toBe(PINNED_ORT_VERSION);
  });

  it('loadOrtBinding accepts the installed onnxruntime-node binding', () => {
    const check = loadOrtBinding();
    expect(check.problem).toBeNull();
    expect(typeof check.module!.binding.InferenceSession).toBe('function');
  });

  it('bindingShapeProblem names the function a changed binding lacks', () => {
    expect(bindingShapeProblem(fakeBinding())).toBeNull();
    expect(bindingShapeProblem(fakeBinding('run'))).toBe("the binding's InferenceSession has no run()");
    expect(bindingShapeProblem(fakeBinding('loadModel'))).toBe(
      "the binding's InferenceSession has no loadModel()",
    );
    expect(bindingShapeProblem(fakeBinding('initOrt'))).toBe('dist/binding.js has no initOrt()');
    expect(bindingShapeProblem(fakeBinding('listSupportedBackends'))).toBe(
      'the binding has no listSupportedBackends()',
    );
    expect(bindingShapeProblem({})).toBe('dist/binding.js has no initOrt()');
  });

  it('OnnxBackend runs models through the public InferenceSession on the message transport, and says so once, when the binding fails its self-check', async () => {
    const workerUrl = await bundleWorker('src/backends/onnxruntime/onnx-worker.ts');
    const logs: [BackendLogLevel, string][] = [];
    const modelPath = writeModel(
      tempModelDir(),
      'model.onnx',
      identityModel([{ input: 'a', output: 'a_out', type: 'float32' }]),
    );
    const context = testContext(modelPath, { logger: (level, message) => logs.push([level, message]) });
    const fallback = new OnnxBackend({ workerUrl, ortBindingProblem: () => 'InferenceSession has no run()' });
    const instances = [await fallback.createInstance(context), await fallback.createInstance(context)];
    open.push(...instances);
    for (const instance of instances) {
      expect((instance as WorkerInstance).transport).toBeInstanceOf(MessageTransport);
      const batch = makeBatch(2, [tensorOf('a', 'FP32', [2, 2], new Float32Array([1, 2, 3, 4]))], ['a_out']);
      const { result, error } = await execute(instance, batch);
      expect(error).toBeNull();
      expect(Array.from(float32Of(result!.outputs![0]!))).toEqual([1, 2, 3, 4]);
    }
    const warnings = logs.filter(([, m]) => m.includes("failed Nereid's startup self-check"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]![0]).toBe('error');
    expect(warnings[0]![1]).toContain('InferenceSession has no run()');
    const native = new OnnxBackend({ workerUrl });
    const fast = await native.createInstance(context);
    open.push(fast);
    expect((fast as WorkerInstance).transport).toBeInstanceOf(RingTransport);
  });
});
