/**
 * NativeSession drives onnxruntime-node's native binding directly (synchronous runs). These tests
 * run tiny models on the test's own thread, which is fine for a test (the server only ever
 * constructs NativeSession inside ONNX worker threads).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { NativeSession } from '../../../src/backends/onnxruntime/native-session.js';
import { identityModel, tempModelDir, writeModel } from '../../helpers/onnx-fixtures.js';

function twoIdentities(): string {
  const bytes = identityModel([
    { input: 'a', output: 'a_out', type: 'float32' },
    { input: 'b', output: 'b_out', type: 'int64', shape: ['batch', 3] },
  ]);
  return writeModel(tempModelDir(), 'model.onnx', bytes);
}

describe('NativeSession', () => {
  it('NativeSession reads names and metadata in graph order (symbolic dims as -1, ORT type names)', () => {
    const session = new NativeSession(twoIdentities(), {});
    expect(session.inputNames).toEqual(['a', 'b']);
    expect(session.outputNames).toEqual(['a_out', 'b_out']);
    expect(session.inputMetadata).toEqual([
      { name: 'a', isTensor: true, type: 'float32', shape: [-1, 2] },
      { name: 'b', isTensor: true, type: 'int64', shape: [-1, 3] },
    ]);
    session.dispose();
  });

  it('NativeSession runs synchronously and returns every output, or only the fetched ones', () => {
    const session = new NativeSession(twoIdentities(), {});
    const feeds = {
      a: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [2, 2]),
      b: new ort.Tensor('int64', new BigInt64Array([1n, 2n, 3n]), [1, 3]),
    };
    const all = session.run(feeds, []);
    expect(Object.keys(all).sort()).toEqual(['a_out', 'b_out']);
    expect(Array.from(all.a_out!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(all.a_out!.dims).toEqual([2, 2]);
    expect(Array.from(all.b_out!.data as BigInt64Array)).toEqual([1n, 2n, 3n]);
    const one = session.run(feeds, ['b_out']);
    expect(Object.keys(one)).toEqual(['b_out']);
    session.dispose();
  });

  it('NativeSession answers as the public API does when no requested execution provider has a backend', () => {
    // "dml" (DirectML) exists only on Windows builds of onnxruntime-node.
    expect(() => new NativeSession(twoIdentities(), { executionProviders: ['dml'] })).toThrow(
      /no available backend found.*\[dml\] backend not found/,
    );
    const session = new NativeSession(twoIdentities(), { executionProviders: ['dml', 'cpu'] });
    expect(session.droppedProviders).toEqual(['dml']);
    session.dispose();
  });

  it('NativeSession surfaces onnxruntime load errors (missing file, corrupt model)', () => {
    expect(() => new NativeSession('/nonexistent/model.onnx', {})).toThrow(
      /No such file|doesn't exist|Load model/i,
    );
    const corrupt = writeModel(tempModelDir(), 'model.onnx', new Uint8Array([1, 2, 3, 4, 5]));
    expect(() => new NativeSession(corrupt, {})).toThrow();
  });
});
