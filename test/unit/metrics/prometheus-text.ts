/**
 * A small parser of the Prometheus text exposition format for tests: samples with their labels
 * and values, and the declared TYPE of each family. Independent of prom-client, so tests check
 * the text a scraper reads.
 */

/** One sample line. */
export interface PromSample {
  /** Sample name (`nv_inference_count`, `nereid_batch_size_bucket`). */
  name: string;
  /** Labels in the order written. */
  labels: Record<string, string>;
  /** Label names in the order written. */
  labelOrder: string[];
  /** Value. */
  value: number;
}

/** A parsed exposition. */
export interface PromText {
  /** Every sample. */
  samples: PromSample[];
  /** Declared TYPE per family name. */
  types: Map<string, string>;
  /** Declared HELP per family name. */
  help: Map<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses exposition text; throws on a line that is not a comment, blank or sample. */
export function parsePromText(text: string): PromText {
  const samples: PromSample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const sp = rest.indexOf(' ');
      help.set(rest.slice(0, sp), rest.slice(sp + 1));
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (m === null) throw new Error(`Not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const labelOrder: string[] = [];
    for (const l of (m[3] ?? '').matchAll(LABEL)) {
      labels[l[1]!] = l[2]!;
      labelOrder.push(l[1]!);
    }
    const raw = m[4]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    samples.push({ name: m[1]!, labels, labelOrder, value });
  }
  return { samples, types, help };
}

/** Samples named `name` whose labels include every entry of `labels`. */
export function findSamples(text: PromText, name: string, labels: Record<string, string> = {}): PromSample[] {
  return text.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

/** The value of the one sample named `name` with exactly `labels`; throws when absent. */
export function sampleValue(text: PromText, name: string, labels: Record<string, string>): number {
  const want = Object.keys(labels).length;
  const found = findSamples(text, name, labels).filter((s) => Object.keys(s.labels).length === want);
  if (found.length !== 1) {
    throw new Error(`Expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
  }
  return found[0]!.value;
}
