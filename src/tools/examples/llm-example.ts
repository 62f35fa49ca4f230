/**
 * The LLM example of the bundled repository: `stories`, the 260K-parameter TinyStories LLaMA (MIT)
 * served by the llama.cpp backend with 32 sequence slots. The GGUF file comes from no npm package,
 * so it is linked in from `../shared/models/stories260K.gguf` (beside the package) when that file
 * exists, config.pbtxt included; the folder is generated and git-ignored. Without the file the
 * example is left out and a one-line note says how to get it; everything else serves as before.
 */
import { existsSync, lstatSync, mkdirSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';
import { writeFileIfChanged } from './write-file-if-changed.js';

/** Name of the LLM example model. */
export const LLM_EXAMPLE = 'stories';

/** The GGUF file the example serves, beside the package (`../shared/models/stories260K.gguf`). */
export function sharedGgufPath(): string {
  return join(packageRoot(), '..', 'shared', 'models', 'stories260K.gguf');
}

/** The example's config.pbtxt. */
export const LLM_EXAMPLE_CONFIG = `# TinyStories 260K (llama2.c, MIT) as GGUF, served by llama.cpp: see docs/llm.md.
name: "stories"
backend: "llamacpp"
max_batch_size: 0
instance_group [ { kind: KIND_CPU count: 1 } ]
parameters { key: "max_num_seqs" value { string_value: "32" } }
parameters { key: "context_length" value { string_value: "512" } }
parameters { key: "threads" value { string_value: "1" } }
`;

/** What placing the example did. */
export interface LlmExampleResult {
  /** Files (relative to the repository) written or linked. */
  written: string[];
  /** Files (relative to the repository) already in place. */
  unchanged: string[];
  /** A one-line note when the example was left out (no GGUF), else null. */
  note: string | null;
}

/** Places the LLM example into `repository`, linking to `source` (default sharedGgufPath()). */
export function placeLlmExample(repository: string, source: string = sharedGgufPath()): LlmExampleResult {
  const result: LlmExampleResult = { written: [], unchanged: [], note: null };
  const modelDir = join(repository, LLM_EXAMPLE);
  const link = join(modelDir, '1', 'model.gguf');
  if (!existsSync(source)) {
    // A link left from an earlier run would point nowhere: drop the generated folder.
    if (isSymlink(link) && !existsSync(link)) rmSync(modelDir, { recursive: true, force: true });
    if (!existsSync(link)) {
      result.note = `LLM example '${LLM_EXAMPLE}' left out: ../shared/models/stories260K.gguf was not found (get stories260K.gguf from Hugging Face ggml-org/models, tinyllamas/stories260K.gguf, MIT, into that folder and run npm run examples again; see docs/llm.md)`;
    }
    return result;
  }
  const config = join(LLM_EXAMPLE, 'config.pbtxt');
  (writeFileIfChanged(join(repository, config), Buffer.from(LLM_EXAMPLE_CONFIG))
    ? result.written
    : result.unchanged
  ).push(config);
  const target = realpathSync(source);
  const relative = join(LLM_EXAMPLE, '1', 'model.gguf');
  if (isSymlink(link) && readlinkSync(link) === target) {
    result.unchanged.push(relative);
    return result;
  }
  if (existsSync(link) && !isSymlink(link)) {
    result.unchanged.push(relative); // a GGUF the user put there himself stays
    return result;
  }
  rmSync(link, { force: true });
  mkdirSync(join(modelDir, '1'), { recursive: true });
  symlinkSync(target, link);
  result.written.push(relative);
  return result;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
