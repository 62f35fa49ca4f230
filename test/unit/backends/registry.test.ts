import { describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/backends/backend.js';
import { BackendRegistry, createDefaultBackendRegistry } from '../../../src/backends/registry.js';

function fakeBackend(name: string, platforms: string[]): Backend {
  return {
    name,
    platforms,
    defaultModelFilename: 'model.bin',
    implicitState: false,
    inspect: () => Promise.reject(new Error('not used')),
    createInstance: () => Promise.reject(new Error('not used')),
  };
}

describe('BackendRegistry', () => {
  it('the default backends say whether they carry implicit sequence state: onnxruntime does, javascript and llamacpp do not', () => {
    const registry = createDefaultBackendRegistry();
    const carries = (backend: string) => registry.resolve({ name: 'm', backend, platform: '' }).implicitState;
    expect([carries('onnxruntime'), carries('javascript'), carries('llamacpp')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('createDefaultBackendRegistry registers the onnxruntime backend for onnxruntime_onnx, the javascript and the llamacpp backends', () => {
    const registry = createDefaultBackendRegistry();
    const onnx = registry.resolve({ name: 'm', backend: '', platform: 'onnxruntime_onnx' });
    expect(onnx.name).toBe('onnxruntime');
    expect(onnx.defaultModelFilename).toBe('model.onnx');
    expect(registry.resolve({ name: 'm', backend: 'onnxruntime', platform: '' })).toBe(onnx);
    expect(registry.list().map((b) => b.name)).toEqual(['onnxruntime', 'javascript', 'llamacpp']);
    expect(registry.get('javascript')?.defaultModelFilename).toBe('model.js');
    expect(registry.get('llamacpp')?.defaultModelFilename).toBe('model.gguf');
    expect(registry.get('onnxruntime')).toBe(onnx);
  });

  it('BackendRegistry prefers backend over platform and rejects a platform of another backend', () => {
    const registry = new BackendRegistry();
    registry.register(fakeBackend('a', ['pa']));
    registry.register(fakeBackend('b', ['pb']));
    expect(registry.resolve({ name: 'm', backend: 'b', platform: 'pb' }).name).toBe('b');
    expect(() => registry.resolve({ name: 'm', backend: 'a', platform: 'pb' })).toThrow(
      'Platform "pb" of model "m" does not match backend "a": allowed "pa"',
    );
  });

  it('BackendRegistry names the available choices when a backend or platform is unknown or missing', () => {
    const registry = createDefaultBackendRegistry();
    expect(() => registry.resolve({ name: 'm', backend: 'python', platform: '' })).toThrow(
      expect.objectContaining({
        status: 'INVALID_ARG',
        code: 'ERR_UNKNOWN_BACKEND',
        message: 'Unknown backend "python" for model "m": available "onnxruntime", "javascript", "llamacpp"',
      }),
    );
    expect(() => registry.resolve({ name: 'm', backend: '', platform: 'tensorrt_plan' })).toThrow(
      'Unknown platform "tensorrt_plan" for model "m": available "onnxruntime_onnx"',
    );
    expect(() => registry.resolve({ name: 'm', backend: '', platform: '' })).toThrow(
      'Model "m" sets neither backend nor platform: set backend to one of "onnxruntime", "javascript", "llamacpp"',
    );
  });

  it('BackendRegistry refuses a second backend with a taken name or platform', () => {
    const registry = createDefaultBackendRegistry();
    expect(() => registry.register(fakeBackend('onnxruntime', []))).toThrow(
      expect.objectContaining({
        status: 'ALREADY_EXISTS',
        message: 'Backend "onnxruntime" is already registered',
      }),
    );
    expect(() => registry.register(fakeBackend('other', ['onnxruntime_onnx']))).toThrow(
      'Platform "onnxruntime_onnx" of backend "other" is already served by backend "onnxruntime"',
    );
  });
});
