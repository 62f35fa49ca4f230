/**
 * The LLM example of the bundled repository: `stories`, the 260K-parameter TinyStories LLaMA (MIT)
 * served by the llama.cpp backend with 32 sequence slots. The GGUF file comes from no npm package,
 * so it is copied in from `../shared/models/stories260K.gguf` (beside the package) when that file
 * exists, config.pbtxt included; the folder is generated and git-ignored. A copy, not a link: the
 * server refuses a model file reached through a symbolic link (docs/security.md). Without the file
 * the example is left out and a one-line note says how to get it; everything else serves as before.
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
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

/**
 * Places the LLM example into `repository`, copying `source` (default sharedGgufPath()); a model
 * file already there (a copy, or a GGUF the user put there) stays, a link an earlier version left
 * is replaced by a copy.
 */
export function placeLlmExample(repository: string, source: string = sharedGgufPath()): LlmExampleResult {
  const result: LlmExampleResult = { written: [], unchanged: [], note: null };
  const modelDir = join(repository, LLM_EXAMPLE);
  const file = join(modelDir, '1', 'model.gguf');
  if (!existsSync(source)) {
    // A link left by an earlier version would point nowhere: drop the generated folder.
    if (isSymlink(file) && !existsSync(file)) rmSync(modelDir, { recursive: true, force: true });
    if (!existsSync(file)) {
      result.note = `LLM example '${LLM_EXAMPLE}' left out: ../shared/models/stories260K.gguf was not found (get stories260K.gguf from Hugging Face ggml-org/models, tinyllamas/stories260K.gguf, MIT, into that folder and run npm run examples again; see docs/llm.md)`;
    }
    return result;
  }
  const config = join(LLM_EXAMPLE, 'config.pbtxt');
  (writeFileIfChanged(join(repository, config), Buffer.from(LLM_EXAMPLE_CONFIG))
    ? result.written
    : result.unchanged
  ).push(config);
  const relative = join(LLM_EXAMPLE, '1', 'model.gguf');
  if (existsSync(file) && !isSymlink(file)) {
    result.unchanged.push(relative);
    return result;
  }
  rmSync(file, { force: true });
  mkdirSync(join(modelDir, '1'), { recursive: true });
  copyFileSync(source, file);
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
