/**
 * upgradeOpset9To10: moves an ai.onnx opset 9 model to opset 10 in place, which static int8 needs
 * (QLinearConv / QLinearMatMul exist from opset 10, and ORT emits them when it fuses QDQ). Between
 * 9 and 10 only Slice and TopK change form (attributes became inputs); other operators that
 * changed are refused rather than guessed. Later opset steps are not handled.
 */
import { unsupported } from '../../common/index.js';
import {
  type DecodedOnnxModel,
  int64ToNumber,
  makeTensor,
  opsetVersionOf,
  walkGraphs,
} from '../onnx/index.js';
import { NameAllocator } from './graph-edit.js';

/** Operators whose opset 10 form is not compatible with opset 9 and that we do not rewrite. */
const REFUSED: ReadonlySet<string> = new Set(['Upsample']);

/** Upgrades `model` from opset 9 to 10; a no-op at opset >= 10; throws ERR_OPTIMIZE_OPSET otherwise */
export function upgradeOpset9To10(model: DecodedOnnxModel): boolean {
  const version = opsetVersionOf(model) ?? 0;
  if (version >= 10) return false;
  if (version !== 9) {
    throw unsupported(
      'ERR_OPTIMIZE_OPSET',
      `Static int8 needs ai.onnx opset >= 10: the model has opset ${version}, and only 9 can be upgraded`,
    );
  }
  const names = new NameAllocator(model);
  walkGraphs(model.graph, (g) => {
    for (const node of g.node ?? []) {
      if ((node.domain ?? '') !== '') continue;
      const op = node.opType ?? '';
      if (REFUSED.has(op)) {
        throw unsupported(
          'ERR_OPTIMIZE_OPSET',
          `Cannot upgrade node "${node.name}" (${op}) from opset 9 to 10 for static int8`,
        );
      }
      if (op !== 'Slice' && op !== 'TopK') continue;
      const attrs = new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
      const ints = (name: string): number[] | undefined =>
        attrs.get(name)?.ints?.map((v) => int64ToNumber(v));
      const addInput = (base: string, values: number[]): string => {
        const name = names.fresh(`${node.name || op}_${base}`);
        (g.initializer ??= []).push(makeTensor(name, 'int64', [values.length], values.map(BigInt)));
        return name;
      };
      if (op === 'Slice') {
        const starts = ints('starts') ?? [];
        const extra = [addInput('starts', starts), addInput('ends', ints('ends') ?? [])];
        const axes = ints('axes');
        if (axes) extra.push(addInput('axes', axes));
        node.input = [node.input![0]!, ...extra];
        node.attribute = [];
      } else {
        const k = attrs.get('k')?.i;
        node.input = [node.input![0]!, addInput('k', [int64ToNumber(k ?? 1)])];
        node.attribute = (node.attribute ?? []).filter((a) => a.name !== 'k');
      }
    }
  });
  for (const o of model.opsetImport ?? [])
    if ((o.domain ?? '') === '' || o.domain === 'ai.onnx') o.version = 10;
  return true;
}
