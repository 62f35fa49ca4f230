/**
 * buildExampleRepository: (re)writes the bundled example model repository into a folder:
 * `<model>/1/model.onnx` for every example and, when the target is not the bundled folder
 * itself, the hand-written `config.pbtxt` and label files copied from it; the bundled folder also
 * gets the Silero VAD model and the LLM example (llm-example.ts). Files are written only
 * when missing or different, so a second run rewrites nothing. Model contents live elsewhere.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SYNTHETIC_EXAMPLE_MODELS } from './example-models.js';
import { placeLlmExample } from './llm-example.js';
import { packageRoot } from './package-root.js';
import { buildSileroVadModel } from './silero-vad-model.js';
import { readTextOrientationModel } from './text-orientation-model.js';
import { writeFileIfChanged } from './write-file-if-changed.js';

/** Names of the example models, in the order they are written. */
export const EXAMPLE_MODEL_NAMES: readonly string[] = [
  ...Object.keys(SYNTHETIC_EXAMPLE_MODELS),
  'text_orientation',
];

/** The Silero VAD example (sequence batching), written after the models above, into the bundled repository only. */
export const SILERO_VAD_EXAMPLE = 'silero_vad';

/** What one run of `buildExampleRepository` did. */
export interface ExampleRepositoryResult {
  /** Absolute path of the repository folder. */
  outDir: string;
  /** Files (relative to outDir) that were created or rewritten. */
  written: string[];
  /** Files (relative to outDir) that already held the right bytes. */
  unchanged: string[];
  /** One-line notes on examples left out (the LLM example without its GGUF file). */
  notes: string[];
}

/** Absolute path of the bundled repository: `<package root>/examples/model_repository`. */
export function bundledRepositoryDir(): string {
  return join(packageRoot(), 'examples', 'model_repository');
}

/** Writes the example repository into `outDir` (default: the bundled folder) */
export function buildExampleRepository(outDir: string = bundledRepositoryDir()): ExampleRepositoryResult {
  const out = resolve(outDir);
  const source = bundledRepositoryDir();
  const result: ExampleRepositoryResult = { outDir: out, written: [], unchanged: [], notes: [] };
  const put = (relative: string, data: Uint8Array): void => {
    (writeFileIfChanged(join(out, relative), data) ? result.written : result.unchanged).push(relative);
  };
  for (const name of EXAMPLE_MODEL_NAMES) {
    if (out !== source) {
      for (const file of modelDirFiles(join(source, name)))
        put(join(name, file), readFileSync(join(source, name, file)));
    }
    const build = SYNTHETIC_EXAMPLE_MODELS[name];
    put(join(name, '1', 'model.onnx'), build ? build() : readTextOrientationModel());
  }
  // The real stateful model of the sequence-batching examples (Silero VAD from a dev dependency),
  // written into the bundled repository only, like the JavaScript examples that live there.
  if (out === source) put(join(SILERO_VAD_EXAMPLE, '1', 'model.onnx'), buildSileroVadModel());
  // The LLM example (a GGUF from beside the package), into the bundled repository only as well.
  if (out === source) {
    const llm = placeLlmExample(out);
    result.written.push(...llm.written);
    result.unchanged.push(...llm.unchanged);
    if (llm.note !== null) result.notes.push(llm.note);
  }
  return result;
}

/** The plain files directly inside a model folder (config.pbtxt, label files), sorted. */
function modelDirFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}
