/**
 * quantizeToInt8: int8 quantisation of a float32 model's main graph, in place. Weights of MatMul,
 * Gemm (rewritten as MatMul + Add) and Conv become per-channel symmetric int8. `dynamic` quantises
 * MatMul activations at run time (DynamicQuantizeLinear + MatMulInteger, which ORT fuses into
 * DynamicQuantizeMatMul) and Conv weights through DequantizeLinear; `static` writes the QDQ format
 * with calibrated uint8 activations, which ORT fuses into QLinearMatMul / QLinearConv. Nodes can
 * be kept float32 by name or position (first/last quantisable node, as onnxruntime.quantization's
 * nodes_to_exclude). Subgraphs stay float32. Calibration (running the model) is not done here:
 * ranges come in as a map.
 */
import { invalidArg } from '../../common/index.js';
import {
  type DecodedOnnxModel,
  makeTensor,
  type OnnxProto,
  opsetVersionOf,
  readTensor,
} from '../onnx/index.js';
import {
  ensureOpset,
  initializerMap,
  intAttribute,
  makeNode,
  NameAllocator,
  promoteConstantNodes,
  useCounts,
} from './graph-edit.js';
import { upgradeOpset9To10 } from './opset-upgrade.js';
import { activationParams, quantizeBias, quantizePerChannel } from './quantize-math.js';
import { rewriteGemms } from './rewrite-gemms.js';
import { DT, tensorDims } from './value-types.js';

/** Dynamic (run-time activation ranges) or static (calibrated) int8 quantisation. */
export type Int8Mode = 'dynamic' | 'static';

/** Options of `quantizeToInt8`. */
export interface Int8Options {
  /** Quantisation mode. */
  mode: Int8Mode;
  /** Calibrated [min, max] per activation tensor; required for every tensor `static` quantises. */
  ranges?: ReadonlyMap<string, readonly [number, number]>;
  /** 7-bit weights ([-64, 64]) and, for static, 7-bit activations ([0, 127]); default false. */
  reduceRange?: boolean;
  /** Names of nodes to keep float32 (a Gemm's name also matches the MatMul it became); default []. */
  excludeNodes?: readonly string[];
  /** Keep the first and/or last quantisable node (in graph order) float32; default []. */
  keepFloat?: readonly Int8KeepFloat[];
}

/** A quantisable node kept float32 by position. */
export type Int8KeepFloat = 'first' | 'last';

/** What quantisation changed. */
export interface Int8Report {
  /** Quantised nodes by operator type. */
  quantized: Record<string, number>;
  /** Nodes left in float32 with the reason. */
  skipped: string[];
  /** Bytes of the float32 weights replaced. */
  floatWeightBytes: number;
  /** Bytes of the int8 weights (plus scales) that replaced them. */
  int8WeightBytes: number;
}

/** A node whose constant weight can be quantised. */
interface Candidate {
  node: OnnxProto.INodeProto;
  kind: 'matmul' | 'conv';
  weight: OnnxProto.ITensorProto;
}

/**
 * Normalises the model for quantisation in place (Constant nodes → initializers, Gemm with a
 * constant B → MatMul + Add) and returns the activations that static calibration must observe
 * (the data input and the output of each quantisable node).
 */
export function prepareForQuantization(model: DecodedOnnxModel): string[] {
  promoteConstantNodes(model);
  rewriteGemms(model);
  const names = new Set<string>();
  for (const c of candidates(model.graph)) {
    names.add(c.node.input![0]!);
    names.add(c.node.output![0]!);
  }
  return [...names];
}

/** Quantises a model prepared by `prepareForQuantization`, in place */
export function quantizeToInt8(model: DecodedOnnxModel, options: Int8Options): Int8Report {
  const report: Int8Report = { quantized: {}, skipped: [], floatWeightBytes: 0, int8WeightBytes: 0 };
  if (options.mode === 'static') upgradeOpset9To10(model);
  const opset = opsetVersionOf(model) ?? 1;
  const qdqDomain = opset >= 13 ? '' : 'com.microsoft';
  if (qdqDomain !== '') ensureOpset(model, 'com.microsoft', 1);
  const names = new NameAllocator(model);
  const graph = model.graph;
  const uses = useCounts(graph);
  const added: OnnxProto.ITensorProto[] = [];
  const before = new Map<OnnxProto.INodeProto, OnnxProto.INodeProto[]>();
  const after = new Map<OnnxProto.INodeProto, OnnxProto.INodeProto[]>();
  const shared = new Map<string, string[]>(); // activation → quantised names (per form)
  const removed = new Set<string>();
  const init = (
    name: string,
    type: Parameters<typeof makeTensor>[1],
    dims: number[],
    v: Parameters<typeof makeTensor>[3],
  ): string => {
    const n = names.fresh(name);
    added.push(makeTensor(n, type, dims, v));
    return n;
  };
  const dq = (inputs: string[], out: string, axis?: number): OnnxProto.INodeProto =>
    makeNode(
      'DequantizeLinear',
      inputs,
      [out],
      names.fresh(`DequantizeLinear_${out}`),
      axis === undefined ? [] : [intAttribute('axis', axis)],
      qdqDomain,
    );
  const q = (inputs: string[], out: string): OnnxProto.INodeProto =>
    makeNode('QuantizeLinear', inputs, [out], names.fresh(`QuantizeLinear_${out}`), [], qdqDomain);
  const dqReady = new Set<string>();
  const all = candidates(graph);
  const kept = keptFloat(all, options);

  for (const c of all) {
    const { node, kind, weight } = c;
    const op = node.opType ?? '';
    const why = kept.get(c);
    if (why !== undefined) {
      report.skipped.push(`${op} "${node.name}": ${why}`);
      continue;
    }
    const x = node.input![0]!;
    const y = node.output![0]!;
    const wName = weight.name ?? '';
    const dims = tensorDims(weight);
    const axis = kind === 'matmul' ? 1 : 0;
    if (options.mode === 'dynamic' && kind === 'matmul' && opset < 11) {
      report.skipped.push(`${op} "${node.name}": opset ${opset} has no DynamicQuantizeLinear (needs 11)`);
      continue;
    }
    const xRange = options.ranges?.get(x);
    const yRange = options.ranges?.get(y);
    if (options.mode === 'static' && (!xRange || !yRange)) {
      report.skipped.push(`${op} "${node.name}": no calibrated range for "${xRange ? y : x}"`);
      continue;
    }
    const w = quantizePerChannel(readTensor(weight).data as Float32Array, dims, axis, options.reduceRange);
    const channels = dims[axis]!;
    const wq = init(`${wName}_quantized`, 'int8', dims, w.values);
    const ws = init(`${wName}_scale`, 'float32', [channels], w.scales);
    const wz = init(`${wName}_zero_point`, 'int8', [channels], new Int8Array(channels));
    report.floatWeightBytes += w.values.length * 4;
    report.int8WeightBytes += w.values.length + channels * 5;
    if ((uses.get(wName) ?? 0) <= 1) removed.add(wName);
    const pre: OnnxProto.INodeProto[] = [];
    const post: OnnxProto.INodeProto[] = [];

    if (options.mode === 'dynamic' && kind === 'matmul') {
      let quantized = shared.get(`dyn:${x}`);
      if (!quantized) {
        quantized = [
          names.fresh(`${x}_quantized`),
          names.fresh(`${x}_scale`),
          names.fresh(`${x}_zero_point`),
        ];
        shared.set(`dyn:${x}`, quantized);
        pre.push(
          makeNode('DynamicQuantizeLinear', [x], quantized, names.fresh(`DynamicQuantizeLinear_${x}`)),
        );
      }
      const [xq, xs, xz] = quantized as [string, string, string];
      const int32 = names.fresh(`${y}_int32`);
      const asFloat = names.fresh(`${y}_unscaled`);
      const scale = names.fresh(`${y}_scale`);
      node.opType = 'MatMulInteger';
      node.input = [xq, wq, xz, wz];
      node.output = [int32];
      post.push(
        makeNode('Cast', [int32], [asFloat], names.fresh(`Cast_${asFloat}`), [intAttribute('to', DT.FLOAT)]),
        makeNode('Mul', [xs, ws], [scale], names.fresh(`Mul_${scale}`)),
        makeNode('Mul', [asFloat, scale], [y], names.fresh(`Mul_${y}`)),
      );
    } else if (options.mode === 'dynamic') {
      const wd = names.fresh(`${wName}_dequantized`);
      pre.push(dq([wq, ws, wz], wd, 0));
      node.input![1] = wd;
    } else {
      const xp = activationParams(xRange![0], xRange![1], options.reduceRange);
      let xd = x;
      if (!dqReady.has(x)) {
        xd = shared.get(`qdq:${x}`)?.[0] ?? '';
        if (xd === '') {
          const s = init(`${x}_scale`, 'float32', [], [xp.scale]);
          const z = init(`${x}_zero_point`, 'uint8', [], [xp.zeroPoint]);
          const xq = names.fresh(`${x}_quantized`);
          xd = names.fresh(`${x}_dequantized`);
          pre.push(q([x, s, z], xq), dq([xq, s, z], xd));
          shared.set(`qdq:${x}`, [xd, s]);
        }
      }
      const xScale = dqReady.has(x) ? (shared.get(`out:${x}`)?.[0] ?? '') : shared.get(`qdq:${x}`)![1]!;
      const xScaleValue = Number((readTensor(added.find((t) => t.name === xScale)!).data as Float32Array)[0]);
      const wd = names.fresh(`${wName}_dequantized`);
      pre.push(dq([wq, ws, wz], wd, axis));
      node.input![0] = xd;
      node.input![1] = wd;
      if (kind === 'conv' && node.input![2]) {
        const bias = initializerMap(graph).get(node.input![2]!);
        if (bias) {
          const b = quantizeBias(readTensor(bias).data as Float32Array, xScaleValue, w.scales);
          const bq = init(`${bias.name}_quantized`, 'int32', [b.values.length], b.values);
          const bs = init(`${bias.name}_scale`, 'float32', [b.values.length], b.scales);
          const bz = init(
            `${bias.name}_zero_point`,
            'int32',
            [b.values.length],
            new Int32Array(b.values.length),
          );
          const bd = names.fresh(`${bias.name}_dequantized`);
          pre.push(dq([bq, bs, bz], bd, 0));
          if ((uses.get(bias.name ?? '') ?? 0) <= 1) removed.add(bias.name ?? '');
          node.input![2] = bd;
        }
      }
      const yp = activationParams(yRange![0], yRange![1], options.reduceRange);
      const raw = names.fresh(`${y}_float`);
      node.output![0] = raw;
      const s = init(`${y}_scale`, 'float32', [], [yp.scale]);
      const z = init(`${y}_zero_point`, 'uint8', [], [yp.zeroPoint]);
      const yq = names.fresh(`${y}_quantized`);
      post.push(q([raw, s, z], yq), dq([yq, s, z], y));
      dqReady.add(y);
      shared.set(`out:${y}`, [s]);
    }
    before.set(node, pre);
    after.set(node, post);
    report.quantized[op] = (report.quantized[op] ?? 0) + 1;
  }
  const nodes: OnnxProto.INodeProto[] = [];
  for (const n of graph.node ?? []) nodes.push(...(before.get(n) ?? []), n, ...(after.get(n) ?? []));
  graph.node = nodes;
  graph.initializer = [...(graph.initializer ?? []).filter((t) => !removed.has(t.name ?? '')), ...added];
  return report;
}

/** The candidates kept float32 with the reason; throws when an excluded name matches no node. */
function keptFloat(all: readonly Candidate[], options: Int8Options): Map<Candidate, string> {
  const kept = new Map<Candidate, string>();
  const excluded = new Set(options.excludeNodes ?? []);
  const matched = new Set<string>();
  for (const c of all) {
    const name = c.node.name ?? '';
    const gemm = name.replace(/_MatMul(_[0-9]+)?$/, '');
    const hit = excluded.has(name) ? name : excluded.has(gemm) ? gemm : undefined;
    if (hit !== undefined) {
      kept.set(c, 'excluded by --int8-exclude-nodes');
      matched.add(hit);
    }
  }
  const missing = [...excluded].filter((n) => !matched.has(n));
  if (missing.length > 0) {
    const names = all.map((c) => `"${c.node.name}"`).join(', ');
    throw invalidArg(
      'ERR_OPTIMIZE_OPTIONS',
      `Option --int8-exclude-nodes names ${missing.map((n) => `"${n}"`).join(', ')}, not a quantizable node of the model: allowed are ${names || 'none'}`,
    );
  }
  const keep = options.keepFloat ?? [];
  if (keep.includes('first') && all.length > 0 && !kept.has(all[0]!))
    kept.set(all[0]!, 'kept float32 by --int8-keep-float first');
  const last = all[all.length - 1];
  if (keep.includes('last') && last && !kept.has(last))
    kept.set(last, 'kept float32 by --int8-keep-float last');
  return kept;
}

function candidates(graph: OnnxProto.IGraphProto): Candidate[] {
  const inits = initializerMap(graph);
  const found: Candidate[] = [];
  for (const node of graph.node ?? []) {
    if ((node.domain ?? '') !== '') continue;
    const weight = inits.get(node.input?.[1] ?? '');
    if (!weight || weight.dataType !== DT.FLOAT || inits.has(node.input?.[0] ?? '')) continue;
    const rank = weight.dims?.length ?? 0;
    if (node.opType === 'MatMul' && rank === 2) found.push({ node, kind: 'matmul', weight });
    else if (node.opType === 'Conv' && rank >= 3) found.push({ node, kind: 'conv', weight });
  }
  return found;
}
