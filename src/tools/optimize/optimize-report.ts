/**
 * Formats optimisation results for people and machines: a table of variants (size, p50 at
 * batch 1, best-batch throughput, max abs error, top-1 agreement) next to the source, the
 * per-output accuracy lines, and a JSON form. Measuring is done elsewhere.
 */
import type { OptimizeResult } from './model-optimizer.js';

/** One table row. */
interface Row {
  variant: string;
  size: string;
  p50: string;
  throughput: string;
  maxAbs: string;
  top1: string;
}

/** The table of `results` (all of the same model), source first, as text */
export function formatOptimizeTable(results: readonly OptimizeResult[]): string {
  if (results.length === 0) return '';
  const first = results[0]!;
  const rows: Row[] = [
    {
      variant: `source (v${first.sourceVersion})`,
      size: mb(first.sizes.sourceFileBytes),
      p50: first.speed ? `${first.speed.source.p50Batch1Ms.toFixed(3)} ms` : '-',
      throughput: first.speed
        ? `${first.speed.source.bestThroughputPerS.toFixed(0)}/s @${first.speed.source.bestBatch}`
        : '-',
      maxAbs: '0',
      top1: first.accuracy.top1Agreement === null ? '-' : '100.00%',
    },
    ...results.map((r) => ({
      variant: `${r.variant} (v${r.toVersion})${r.accuracy.flagged ? ' FLAGGED' : ''}`,
      size: `${mb(r.sizes.variantFileBytes)} (${ratio(r.sizes.variantFileBytes / r.sizes.sourceFileBytes)})`,
      p50: r.speed ? `${r.speed.variant.p50Batch1Ms.toFixed(3)} ms (${ratio(r.speed.speedupBatch1)})` : '-',
      throughput: r.speed
        ? `${r.speed.variant.bestThroughputPerS.toFixed(0)}/s @${r.speed.variant.bestBatch} (${ratio(r.speed.speedupThroughput)})`
        : '-',
      maxAbs: r.accuracy.maxAbsError.toExponential(2),
      top1: r.accuracy.top1Agreement === null ? '-' : `${(r.accuracy.top1Agreement * 100).toFixed(2)}%`,
    })),
  ];
  const header: Row = {
    variant: 'variant',
    size: 'size',
    p50: 'p50 @1',
    throughput: 'best throughput',
    maxAbs: 'max abs err',
    top1: 'top-1',
  };
  const keys = Object.keys(header) as (keyof Row)[];
  const widths = keys.map((k) => Math.max(...[header, ...rows].map((r) => r[k].length)));
  const line = (r: Row): string => `| ${keys.map((k, i) => r[k].padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [`Model "${first.model}"`, line(header), rule, ...rows.map(line)].join('\n');
}

/** Per-output accuracy lines and notes of one result, as text */
export function formatOptimizeDetails(result: OptimizeResult): string {
  const lines = [`${result.variant}: accuracy on ${result.rows} rows`];
  for (const o of result.accuracy.outputs) {
    const top1 =
      o.top1Agreement === null ? '' : `, top-1 ${(o.top1Agreement * 100).toFixed(2)}% of ${o.rows}`;
    lines.push(
      `  ${o.name}: max abs ${o.maxAbsError.toExponential(3)}, mean abs ${o.meanAbsError.toExponential(3)}, max rel ${o.maxRelError.toExponential(3)}, cosine ${o.cosine.toFixed(6)}${top1}`,
    );
  }
  for (const r of result.accuracy.reasons) lines.push(`  FLAGGED: ${r}`);
  const w = result.sizes;
  lines.push(
    `  weights: ${mb(w.sourceWeightBytes)} -> ${mb(w.variantWeightBytes)} (${ratio(w.variantWeightBytes / Math.max(1, w.sourceWeightBytes))})`,
  );
  for (const n of result.notes) lines.push(`  note: ${n}`);
  if (result.modelPath)
    lines.push(`  wrote ${result.modelPath}${result.configUpdated ? ' and config.pbtxt' : ''}`);
  return lines.join('\n');
}

/** The JSON form of `results` (what `--report` writes). */
export function optimizeReportJson(results: readonly OptimizeResult[]): string {
  return `${JSON.stringify({ generatedAt: new Date().toISOString(), results }, null, 2)}\n`;
}

function mb(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function ratio(r: number): string {
  return `${r.toFixed(2)}x`;
}
