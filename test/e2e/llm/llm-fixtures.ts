/**
 * Shared parts of the LLM e2e tests: the real GGUF model they run (`../shared/models/stories260K.gguf`
 * relative to the project root, never copied into the repository), a `describe` that skips with a
 * message when the file is absent outside CI and fails in CI, temporary repositories of llama.cpp
 * models, and in-process greedy decoding with node-llama-cpp as the reference output.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { describe, it } from 'vitest';
import { getOfflineLlama } from '../../../src/backends/llama-cpp/offline-llama.js';
import { REPO_ROOT } from '../../conformance/bundle-worker.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';

/** The test model (see /work/shared/models/README.md). */
export const STORIES_GGUF = resolve(REPO_ROOT, '..', 'shared', 'models', 'stories260K.gguf');

/** Whether the test model is present. */
export const HAVE_GGUF = existsSync(STORIES_GGUF);

/**
 * `describe` for tests that need the GGUF model: runs them when it is present; otherwise skips them
 * with a message, except in CI (`CI=true`), where a missing model is a failure.
 */
export function describeWithGguf(name: string, body: () => void): void {
  if (HAVE_GGUF) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs ../shared/models/stories260K.gguf, which CI must provide', () => {
        throw new Error(`The LLM test model is missing: ${STORIES_GGUF}`);
      });
    });
    return;
  }
  describe.skip(
    `${name} (skipped: ../shared/models/stories260K.gguf is absent; see its README to get it)`,
    body,
  );
}

/** A temporary repository; `remove()` deletes it. */
export interface LlmRepository {
  /** Its directory. */
  dir: string;
  /** Deletes it. */
  remove(): void;
}

/** One model of a temporary repository: config.pbtxt text (null = none) and the model file. */
export interface LlmModelSpec {
  /** config.pbtxt contents, or null to rely on auto-complete. */
  config: string | null;
  /** Bytes of 1/model.gguf instead of a copy of the real model; default the real model. */
  file?: Uint8Array;
}

/**
 * Writes `models` into a temp repository (1/model.gguf a copy of the real model unless given), with
 * links to the example models named in `examples`.
 */
export function writeLlmRepository(
  models: Record<string, LlmModelSpec>,
  examples: string[] = [],
): LlmRepository {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-llm-'));
  for (const name of examples) symlinkSync(join(EXAMPLES_REPOSITORY, name), join(dir, name), 'dir');
  for (const [name, spec] of Object.entries(models)) {
    mkdirSync(join(dir, name, '1'), { recursive: true });
    if (spec.config !== null) writeFileSync(join(dir, name, 'config.pbtxt'), spec.config);
    const file = join(dir, name, '1', 'model.gguf');
    if (spec.file !== undefined) writeFileSync(file, spec.file);
    else copyFileSync(STORIES_GGUF, file); // a copy: the server refuses model files reached through links
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A llama.cpp model config with `parameters` (key → string value) and extra config text. */
export function llamaConfig(parameters: Record<string, string | number>, extra = ''): string {
  const params = Object.entries(parameters)
    .map(([k, v]) => `parameters { key: "${k}" value { string_value: ${JSON.stringify(String(v))} } }`)
    .join('\n');
  return `backend: "llamacpp"\n${params}\n${extra}\n`;
}

/**
 * Greedy continuations of `prompts` decoded in-process by node-llama-cpp (one sequence, one thread,
 * the same tokenization as the server: BOS + the prompt), each `maxTokens` tokens or up to the
 * end-of-generation token, as text continuing the prompt.
 */
export async function inProcessGreedy(prompts: readonly string[], maxTokens: number): Promise<string[]> {
  const llama = await getOfflineLlama({ gpu: false, threads: 1 });
  try {
    const model = await llama.loadModel({ modelPath: STORIES_GGUF });
    const context = await model.createContext({ sequences: 1, contextSize: 256, threads: 1 });
    const out: string[] = [];
    for (const prompt of prompts) {
      const sequence = context.getSequence();
      const tokens = [model.tokens.bos!, ...model.tokenize(prompt)];
      const generated: (typeof tokens)[number][] = [];
      for await (const token of sequence.evaluate(tokens, { temperature: 0 })) {
        if (model.isEogToken(token)) break;
        generated.push(token);
        if (generated.length >= maxTokens) break;
      }
      out.push(model.detokenize(generated, false, tokens));
      sequence.dispose();
    }
    await context.dispose();
    await model.dispose();
    return out;
  } finally {
    await llama.dispose();
  }
}

/** The status and OpenAI error body of a refused call of the `openai` client. */
export async function openAiRefusal(
  call: Promise<unknown>,
): Promise<{ status: number; error: Record<string, unknown> }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof OpenAI.APIError)
      return { status: err.status ?? 0, error: err.error as Record<string, unknown> };
    throw err;
  }
  throw new Error('the call succeeded');
}
