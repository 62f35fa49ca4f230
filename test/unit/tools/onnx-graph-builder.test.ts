import { Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import {
  attr,
  decodeOnnxModel,
  describeValueInfo,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  makeTensor,
  OnnxGraphBuilder,
  onnx,
  opsetVersionOf,
  readTensor,
} from '../../../src/tools/onnx/index.js';
import { modelMetadata, runModel } from './ort-run.js';

function addModel(): OnnxGraphBuilder {
  return new OnnxGraphBuilder()
    .input('a', 'float32', ['batch', 3])
    .initializer('b', 'float32', [3], [1, 2, 3])
    .node('Add', ['a', 'b'], ['c'])
    .output('c', 'float32', ['batch', 3]);
}

describe('OnnxGraphBuilder', () => {
  it('OnnxGraphBuilder declares numeric, symbolic and unknown dims that ORT reports back', async () => {
    const bytes = new OnnxGraphBuilder()
      .input('x', 'float32', ['batch', 4, null])
      .node('Identity', ['x'], ['y'])
      .output('y', 'float32', ['batch', 4, null])
      .toBytes();
    const graph = decodeOnnxModel(bytes).graph;
    expect(describeValueInfo(graph.input![0]!)).toEqual({
      name: 'x',
      type: 'float32',
      shape: ['batch', 4, null],
    });
    const meta = await modelMetadata(bytes);
    expect(meta.inputNames).toEqual(['x']);
    const shape = (meta.inputMetadata[0] as { shape: unknown[] }).shape;
    expect(shape[0]).toBe('batch');
    expect(shape[1]).toBe(4);
  });

  it('OnnxGraphBuilder writes the default opset 17 and IR 8 and extra domains in sorted order', () => {
    const model = decodeOnnxModel(addModel().opset('com.microsoft', 1).toBytes());
    expect(Number(model.irVersion)).toBe(8);
    expect(opsetVersionOf(model)).toBe(17);
    expect(opsetVersionOf(model, 'com.microsoft')).toBe(1);
    expect(model.opsetImport.map((o) => o.domain)).toEqual(['', 'com.microsoft']);
    expect(model.producerName).toBe('nereid');
  });

  it('OnnxGraphBuilder produces a model ORT runs with an initializer broadcast over the batch', async () => {
    const input = Float32Array.from([1, 1, 1, 10, 20, 30]);
    const out = await runModel(addModel().toBytes(), { a: new Tensor('float32', input, [2, 3]) });
    expect(out.c!.dims).toEqual([2, 3]);
    expect(Array.from(out.c!.data as Float32Array)).toEqual(
      Array.from(input, (v, i) => v + [1, 2, 3][i % 3]!),
    );
  });

  it('OnnxGraphBuilder emits identical bytes for identical declarations', () => {
    const first = addModel().toBytes();
    const second = addModel().toBytes();
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
    const different = new OnnxGraphBuilder()
      .input('a', 'float32', ['batch', 3])
      .initializer('b', 'float32', [3], [1, 2, 4])
      .node('Add', ['a', 'b'], ['c'])
      .output('c', 'float32', ['batch', 3])
      .toBytes();
    expect(Buffer.from(first).equals(Buffer.from(different))).toBe(false);
  });

  it('OnnxGraphBuilder encodes int, float, string, ints, floats and tensor attributes with their types', () => {
    const T = onnx.AttributeProto.AttributeType;
    const bytes = new OnnxGraphBuilder()
      .input('x', 'float32', [2])
      .node('Custom', ['x'], ['y'], {
        domain: 'test.domain',
        attributes: {
          i: attr.int(7),
          f: attr.float(0.25),
          s: 'hello',
          is: attr.ints([1, -2, 3]),
          fs: attr.floats([0.5, 1.5]),
          ss: attr.strings(['a', 'b']),
          t: attr.tensor(makeTensor('', 'int64', [2], [5n, -6n])),
        },
      })
      .output('y', 'float32', [2])
      .toBytes();
    const node = decodeOnnxModel(bytes).graph.node[0]!;
    expect(node.domain).toBe('test.domain');
    const byName = new Map(node.attribute!.map((a) => [a.name, a]));
    expect(byName.get('i')!.type).toBe(T.INT);
    expect(Number(byName.get('i')!.i)).toBe(7);
    expect(byName.get('f')!.type).toBe(T.FLOAT);
    expect(byName.get('f')!.f).toBe(0.25);
    expect(byName.get('s')!.type).toBe(T.STRING);
    expect(new TextDecoder().decode(byName.get('s')!.s)).toBe('hello');
    expect(byName.get('is')!.ints!.map(Number)).toEqual([1, -2, 3]);
    expect(byName.get('fs')!.floats).toEqual([0.5, 1.5]);
    expect(byName.get('ss')!.strings!.map((b) => new TextDecoder().decode(b))).toEqual(['a', 'b']);
    expect(byName.get('t')!.type).toBe(T.TENSOR);
    expect(Array.from(readTensor(byName.get('t')!.t!).data as BigInt64Array)).toEqual([5n, -6n]);
  });

  it('OnnxGraphBuilder runs a Constant node whose value is a tensor attribute', async () => {
    const bytes = new OnnxGraphBuilder()
      .input('x', 'int32', [3])
      .node('Constant', [], ['k'], {
        attributes: { value: attr.tensor(makeTensor('k', 'int32', [3], [4, 5, 6])) },
      })
      .node('Mul', ['x', 'k'], ['y'])
      .output('y', 'int32', [3])
      .toBytes();
    const out = await runModel(bytes, { x: new Tensor('int32', Int32Array.from([1, -2, 3]), [3]) });
    expect(Array.from(out.y!.data as Int32Array)).toEqual([4, -10, 18]);
  });

  it('OnnxGraphBuilder encodes If subgraphs that ORT executes for both branches', async () => {
    const thenBranch = new OnnxGraphBuilder({ graphName: 'then' })
      .node('Add', ['x', 'x'], ['then_out'])
      .output('then_out', 'float32', [2])
      .toGraph();
    const elseBranch = new OnnxGraphBuilder({ graphName: 'else' })
      .node('Neg', ['x'], ['else_out'])
      .output('else_out', 'float32', [2])
      .toGraph();
    const bytes = new OnnxGraphBuilder()
      .input('cond', 'bool', [])
      .input('x', 'float32', [2])
      .node('If', ['cond'], ['y'], {
        attributes: { then_branch: attr.graph(thenBranch), else_branch: attr.graph(elseBranch) },
      })
      .output('y', 'float32', [2])
      .toBytes();
    const decoded = decodeOnnxModel(bytes).graph.node[0]!;
    expect(decoded.attribute!.map((a) => a.g?.name)).toEqual(['then', 'else']);
    const x = new Tensor('float32', Float32Array.from([1.5, -2]), [2]);
    const whenTrue = await runModel(bytes, { cond: new Tensor('bool', [true], []), x });
    const whenFalse = await runModel(bytes, { cond: new Tensor('bool', [false], []), x });
    expect(Array.from(whenTrue.y!.data as Float32Array)).toEqual([3, -4]);
    expect(Array.from(whenFalse.y!.data as Float32Array)).toEqual([-1.5, 2]);
  });

  it('OnnxGraphBuilder rejects a name defined twice with ERR_ONNX_BUILDER', () => {
    const b = new OnnxGraphBuilder().input('x', 'float32', [1]);
    expect(() => b.node('Relu', ['x'], ['x'])).toThrowError(/Name "x" .* is already defined/);
    try {
      b.initializer('x', 'float32', [1], [0]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ServerError);
      expect((err as ServerError).code).toBe('ERR_ONNX_BUILDER');
    }
  });

  it('OnnxGraphBuilder rejects a negative dim and an unknown element type', () => {
    expect(() => new OnnxGraphBuilder().input('x', 'float32', [-1])).toThrowError(/invalid dim -1/);
    expect(() => new OnnxGraphBuilder().input('x', 'complex' as never, [1])).toThrowError(
      /Unknown ONNX element type "complex"/,
    );
  });
});

describe('makeTensor', () => {
  it('makeTensor round-trips float32, float16, int8, int32, int64, bool and string initializers', () => {
    const cases = [
      { type: 'float32', values: [1.5, -2.25, 0], expected: [1.5, -2.25, 0] },
      { type: 'int8', values: [-128, 0, 127], expected: [-128, 0, 127] },
      { type: 'int32', values: [-2147483648, 7, 2147483647], expected: [-2147483648, 7, 2147483647] },
      { type: 'int64', values: [-(2n ** 63n), 0n, 2n ** 62n], expected: [-(2n ** 63n), 0n, 2n ** 62n] },
      { type: 'bool', values: [true, false, true], expected: [1, 0, 1] },
      { type: 'string', values: ['a', '', 'ünï'], expected: ['a', '', 'ünï'] },
    ] as const;
    for (const c of cases) {
      const read = readTensor(
        onnx.TensorProto.decode(onnx.TensorProto.encode(makeTensor('t', c.type, [3], c.values)).finish()),
      );
      expect(read.type).toBe(c.type);
      expect(read.dims).toEqual([3]);
      expect(Array.from(read.data as ArrayLike<unknown>)).toEqual(c.expected);
    }
    const half = readTensor(makeTensor('h', 'float16', [3], [1, -0.5, 65504]));
    expect(Array.from(half.data as Uint16Array, float16BitsToFloat32)).toEqual([1, -0.5, 65504]);
  });

  it('makeTensor rejects a value count that does not match the dims, and out-of-range integers', () => {
    expect(() => makeTensor('w', 'float32', [2, 2], [1, 2, 3])).toThrowError(
      'Tensor "w" of shape [2,2] needs 4 values: received 3',
    );
    expect(() => makeTensor('q', 'int8', [1], [128])).toThrowError(/value 128 at index 0 is not a int8/);
  });

  it('makeTensor float16 initializers feed an ORT graph that casts them to float32', async () => {
    const values = [0.1, 1000.7, -2.71];
    const bytes = new OnnxGraphBuilder()
      .input('x', 'float32', [3])
      .initializer('h', 'float16', [3], values)
      .node('Cast', ['h'], ['hf'], { attributes: { to: attr.int(1) } })
      .node('Add', ['x', 'hf'], ['y'])
      .output('y', 'float32', [3])
      .toBytes();
    const out = await runModel(bytes, { x: new Tensor('float32', new Float32Array(3), [3]) });
    const expected = values.map((v) => float16BitsToFloat32(float32ToFloat16Bits(v)));
    expect(Array.from(out.y!.data as Float32Array)).toEqual(expected);
  });
});

describe('float16', () => {
  it('float32ToFloat16Bits rounds to nearest even and handles subnormals, overflow and NaN', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(2 ** -26)).toBe(0x0000); // below half of it
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie rounds to even (down)
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie rounds to even (up)
    expect(float32ToFloat16Bits(70000)).toBe(0x7c00);
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(Number.NaN)))).toBe(true);
    for (let bits = 0; bits < 0x7c00; bits += 37) {
      expect(float32ToFloat16Bits(float16BitsToFloat32(bits))).toBe(bits);
    }
  });
});
