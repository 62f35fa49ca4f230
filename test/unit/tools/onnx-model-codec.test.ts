import { readFileSync } from 'node:fs';
import { Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { textOrientationSourcePath } from '../../../src/tools/examples/index.js';
import {
  allInitializers,
  allNodes,
  attr,
  decodeOnnxModel,
  encodeOnnxModel,
  int64ToNumber,
  OnnxGraphBuilder,
  readTensor,
  walkGraphs,
} from '../../../src/tools/onnx/index.js';
import { runModel } from './ort-run.js';
import { renderTextLine } from './text-line-image.js';

/** A model with an If whose then-branch holds another If: three levels of graphs. */
function nestedIfModel(): Uint8Array {
  const leaf = (name: string, op: string) =>
    new OnnxGraphBuilder({ graphName: name })
      .initializer(`${name}_k`, 'float32', [1], [2])
      .node(op, ['x', `${name}_k`], [`${name}_out`])
      .output(`${name}_out`, 'float32', [1])
      .toGraph();
  const inner = new OnnxGraphBuilder({ graphName: 'outer_then' })
    .node('If', ['cond'], ['inner_out'], {
      attributes: {
        then_branch: attr.graph(leaf('inner_then', 'Mul')),
        else_branch: attr.graph(leaf('inner_else', 'Sub')),
      },
    })
    .output('inner_out', 'float32', [1])
    .toGraph();
  return new OnnxGraphBuilder()
    .input('cond', 'bool', [])
    .input('x', 'float32', [1])
    .node('If', ['cond'], ['y'], {
      attributes: { then_branch: attr.graph(inner), else_branch: attr.graph(leaf('outer_else', 'Add')) },
    })
    .output('y', 'float32', [1])
    .toBytes();
}

describe('decodeOnnxModel and encodeOnnxModel', () => {
  it('decodeOnnxModel then encodeOnnxModel gives back the same bytes', () => {
    const bytes = nestedIfModel();
    expect(Buffer.from(encodeOnnxModel(decodeOnnxModel(bytes))).equals(Buffer.from(bytes))).toBe(true);
  });

  it('decodeOnnxModel rejects bytes that are not an ONNX model with ERR_ONNX_DECODE', () => {
    expect(() => decodeOnnxModel(new Uint8Array([0xff, 0xff, 0xff, 0x01]))).toThrowError(
      /Cannot decode ONNX model/,
    );
    expect(() => decodeOnnxModel(new Uint8Array(0))).toThrowError(/it has no graph/);
  });

  it('encodeOnnxModel accepts an edited plain object and ORT runs the rewritten model', async () => {
    const model = decodeOnnxModel(nestedIfModel());
    const plain = model.toJSON(); // a plain object, as an optimizer might produce
    plain.graph.node[0].name = 'renamed_if';
    const rewritten = decodeOnnxModel(encodeOnnxModel(plain));
    expect(rewritten.graph.node[0]!.name).toBe('renamed_if');
    const out = await runModel(encodeOnnxModel(plain), {
      cond: new Tensor('bool', [true], []),
      x: new Tensor('float32', Float32Array.from([3]), [1]),
    });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([6]); // inner_then: x * 2
  });

  it('decodeOnnxModel reads the real PaddleOCR classifier and re-encoding keeps its outputs', async () => {
    const bytes = readFileSync(textOrientationSourcePath());
    const model = decodeOnnxModel(bytes);
    const nodes = allNodes(model);
    expect(nodes.length).toBeGreaterThan(10);
    expect(nodes.some((n) => n.opType === 'Conv')).toBe(true);
    const reencoded = encodeOnnxModel(model);
    const image = renderTextLine('HELLO', 4);
    const feeds = () => ({ x: new Tensor('float32', image, [1, 3, 48, 192]) });
    const original = await runModel(bytes, feeds());
    const copy = await runModel(reencoded, feeds());
    expect(Array.from(copy['softmax_0.tmp_0']!.data as Float32Array)).toEqual(
      Array.from(original['softmax_0.tmp_0']!.data as Float32Array),
    );
  });
});

describe('walkGraphs', () => {
  it('walkGraphs visits the main graph and every nested subgraph with its attribute path', () => {
    const model = decodeOnnxModel(nestedIfModel());
    const seen: string[] = [];
    walkGraphs(model.graph, (g, path) => seen.push(`${path.attributes.join('/')}:${g.name}`));
    expect(seen).toEqual([
      ':main',
      'then_branch:outer_then',
      'then_branch/then_branch:inner_then',
      'then_branch/else_branch:inner_else',
      'else_branch:outer_else',
    ]);
  });

  it('allNodes and allInitializers include the nodes and initializers of subgraphs', () => {
    const model = decodeOnnxModel(nestedIfModel());
    expect(allNodes(model).map((n) => n.opType)).toEqual(['If', 'If', 'Mul', 'Sub', 'Add']);
    const inits = allInitializers(model);
    expect(inits.map((t) => t.name)).toEqual(['inner_then_k', 'inner_else_k', 'outer_else_k']);
    expect(inits.map((t) => Array.from(readTensor(t).data as Float32Array))).toEqual([[2], [2], [2]]);
  });

  it('walkGraphs lets a visitor edit initializers in place before re-encoding', async () => {
    const model = decodeOnnxModel(nestedIfModel());
    walkGraphs(model.graph, (g) => {
      for (const t of g.initializer ?? []) {
        const values = readTensor(t).data as Float32Array;
        t.rawData = new Uint8Array(Float32Array.from(values, (v) => v * 5).buffer);
      }
    });
    const out = await runModel(encodeOnnxModel(model), {
      cond: new Tensor('bool', [false], []),
      x: new Tensor('float32', Float32Array.from([1]), [1]),
    });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([1 + 2 * 5]); // outer_else: x + k
  });
});

describe('int64ToNumber', () => {
  it('int64ToNumber converts decoded Long values and rejects values past 2^53', () => {
    const model = decodeOnnxModel(nestedIfModel());
    expect(int64ToNumber(model.irVersion)).toBe(8);
    expect(int64ToNumber(12n)).toBe(12);
    expect(() => int64ToNumber(2n ** 60n)).toThrowError(/outside the safe integer range/);
  });
});
