/**
 * rewriteGemms: before int8 quantisation, each Gemm with a constant float32 B, alpha = beta = 1 and
 * transA = 0 becomes MatMul(A, B') (+ Add(C)), B transposed once when transB = 1, so a single
 * MatMul path quantises both. The MatMul is named `<gemm name>_MatMul`, which is how
 * --int8-exclude-nodes still finds it by the Gemm's name.
 */
import { invalidArg } from '../../common/index.js';
import { type DecodedOnnxModel, makeTensor, type OnnxProto, readTensor } from '../onnx/index.js';
import {
  floatAttributeOf,
  initializerMap,
  intAttributeOf,
  makeNode,
  NameAllocator,
  useCounts,
} from './graph-edit.js';
import { DT, tensorDims } from './value-types.js';

/** Gemm(A, B const, C) with alpha = beta = 1 and transA = 0 → MatMul(A, B') + Add(C). */
export function rewriteGemms(model: DecodedOnnxModel): void {
  const graph = model.graph;
  const inits = initializerMap(graph);
  const names = new NameAllocator(model);
  const nodes: OnnxProto.INodeProto[] = [];
  for (const node of graph.node ?? []) {
    const b = inits.get(node.input?.[1] ?? '');
    const ok =
      node.opType === 'Gemm' &&
      (node.domain ?? '') === '' &&
      b?.dataType === DT.FLOAT &&
      floatAttributeOf(node, 'alpha', 1) === 1 &&
      floatAttributeOf(node, 'beta', 1) === 1 &&
      intAttributeOf(node, 'transA', 0) === 0;
    if (!ok) {
      nodes.push(node);
      continue;
    }
    let weight = b!.name ?? '';
    if (intAttributeOf(node, 'transB', 0) === 1) {
      const [n, k] = tensorDims(b!) as [number, number];
      const src = readTensor(b!).data as Float32Array;
      const t = new Float32Array(k * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) t[j * n + i] = src[i * k + j]!;
      weight = names.fresh(`${weight}_transposed`);
      graph.initializer!.push(makeTensor(weight, 'float32', [k, n], t));
    }
    const y = node.output![0]!;
    const c = node.input?.[2];
    const mm = c ? names.fresh(`${y}_matmul`) : y;
    nodes.push(
      makeNode('MatMul', [node.input![0]!, weight], [mm], names.fresh(`${node.name || 'Gemm'}_MatMul`)),
    );
    if (c) nodes.push(makeNode('Add', [mm, c], [y], names.fresh(`${node.name || 'Gemm'}_Add`)));
  }
  graph.node = nodes;
  const used = useCounts(graph);
  graph.initializer = (graph.initializer ?? []).filter(
    (t) => (used.get(t.name ?? '') ?? 0) > 0 || !inits.has(t.name ?? ''),
  );
  if (graph.node.length === 0) throw invalidArg('ERR_OPTIMIZE_EMPTY', 'The model has no nodes to quantize');
}
