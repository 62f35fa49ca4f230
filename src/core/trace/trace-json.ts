/**
 * Triton's JSON trace format for one finished trace tree: for each trace (root first, then its
 * children depth first) an entry `{"id", "model_name", "model_version", "request_id"?,
 * "parent_id"?}`, one `{"id", "timestamps": [{"name", "ns"}]}` entry per recorded activity in the
 * order they happen, and at the TENSORS level one `{"id", "activity", "tensor"}` entry per captured
 * tensor. Entries are joined with commas; the file writer adds the brackets. Triton's
 * `trace_summary.py` reads this. Times are process.hrtime ns, as Triton's steady clock.
 */
import { clockToHrtimeNs } from '../../common/index.js';
import type { Tensor } from '../../protocol/index.js';
import { decodeBytesStrings, viewAsTypedArray } from '../../protocol/index.js';
import type { RequestTrace } from './request-trace.js';
import { TRACE_ACTIVITY_NAMES } from './trace-activity.js';

/** Tensors larger than this many bytes are written with an empty "data" (a trace file stays readable). */
export const TRACE_TENSOR_MAX_BYTES = 1024 * 1024;

/** The entries of `root` and its descendants, comma-separated, without brackets. */
export function traceEntries(root: RequestTrace): string {
  const parts: string[] = [];
  appendTrace(parts, root);
  return parts.join(',');
}

function appendTrace(parts: string[], trace: RequestTrace): void {
  const version = trace.modelVersion === '' ? -1 : Number(trace.modelVersion);
  let head = `{"id":${trace.id},"model_name":${JSON.stringify(trace.modelName)},"model_version":${Number.isInteger(version) ? version : -1}`;
  if (trace.requestId !== '') head += `,"request_id":${JSON.stringify(trace.requestId)}`;
  if (trace.parent !== null) head += `,"parent_id":${trace.parent.id}`;
  parts.push(`${head}}`);
  const stamps = trace.stamps;
  for (let a = 0; a < stamps.length; a++) {
    const ns = stamps[a]!;
    if (ns < 0) continue;
    parts.push(
      `{"id":${trace.id},"timestamps":[{"name":"${TRACE_ACTIVITY_NAMES[a]}","ns":${Math.round(clockToHrtimeNs(ns))}}]}`,
    );
  }
  for (const { activity, tensor } of trace.tensors ?? []) {
    parts.push(`{"id":${trace.id},"activity":"${activity}","tensor":${tensorJson(tensor)}}`);
  }
  for (const child of trace.children ?? []) appendTrace(parts, child);
}

/** Triton's tensor object: data and shape as comma-separated text, dtype its name. */
function tensorJson(t: Tensor): string {
  return JSON.stringify({
    name: t.name,
    data: t.data.length > TRACE_TENSOR_MAX_BYTES ? '' : tensorText(t),
    shape: t.shape.join(','),
    dtype: t.datatype,
  });
}

/** Elements as Triton writes them: numbers joined by commas, BYTES as quoted strings, FP16/BF16 empty. */
function tensorText(t: Tensor): string {
  switch (t.datatype) {
    case 'FP16':
    case 'BF16':
      return '';
    case 'BYTES':
      return decodeBytesStrings(t.data, t.name)
        .map((s) => `"${s}"`)
        .join(',');
    case 'BOOL':
      return Array.from(t.data, (b) => (b === 0 ? 0 : 1)).join(',');
    default:
      return Array.from(viewAsTypedArray(t.datatype, t.data) as ArrayLike<number | bigint>, String).join(',');
  }
}
