/**
 * Unit: the LLM example of the bundled repository is copied in from the shared GGUF when it
 * exists (config and copy written once, a link of an earlier version replaced: the server refuses
 * model files reached through links), and left out with a one-line note when it does not (a stale
 * link removed, a GGUF the user put there kept).
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../src/config/index.js';
import { LLM_EXAMPLE_CONFIG, placeLlmExample } from '../../../src/tools/examples/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nereid-llm-example-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('placeLlmExample', () => {
  it('copies the shared GGUF in as a regular file and writes the config once', () => {
    const gguf = join(dir, 'stories260K.gguf');
    writeFileSync(gguf, 'GGUF');
    const repo = join(dir, 'repo');
    expect(placeLlmExample(repo, gguf)).toEqual({
      written: ['stories/config.pbtxt', 'stories/1/model.gguf'],
      unchanged: [],
      note: null,
    });
    expect(lstatSync(join(repo, 'stories', '1', 'model.gguf')).isFile()).toBe(true);
    expect(readFileSync(join(repo, 'stories', '1', 'model.gguf'), 'utf8')).toBe('GGUF');
    expect(parseModelConfig(readFileSync(join(repo, 'stories', 'config.pbtxt'), 'utf8'))).toMatchObject({
      name: 'stories',
      backend: 'llamacpp',
    });
    expect(placeLlmExample(repo, gguf)).toMatchObject({
      written: [],
      unchanged: ['stories/config.pbtxt', 'stories/1/model.gguf'],
    });
    expect(LLM_EXAMPLE_CONFIG).toContain('"max_num_seqs" value { string_value: "32" }');
  });

  it('replaces a link left by an earlier version with a copy', () => {
    const gguf = join(dir, 'stories260K.gguf');
    writeFileSync(gguf, 'GGUF');
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'stories', '1'), { recursive: true });
    symlinkSync(gguf, join(repo, 'stories', '1', 'model.gguf'));
    expect(placeLlmExample(repo, gguf).written).toContain('stories/1/model.gguf');
    expect(lstatSync(join(repo, 'stories', '1', 'model.gguf')).isFile()).toBe(true);
    expect(readFileSync(join(repo, 'stories', '1', 'model.gguf'), 'utf8')).toBe('GGUF');
  });

  it('leaves the example out with a note on how to get the GGUF, dropping a stale link but keeping a file put there', () => {
    const gguf = join(dir, 'stories260K.gguf');
    writeFileSync(gguf, 'GGUF');
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'stories', '1'), { recursive: true });
    symlinkSync(gguf, join(repo, 'stories', '1', 'model.gguf'));
    rmSync(gguf);
    const result = placeLlmExample(repo, gguf);
    expect(result.note).toMatch(
      /^LLM example 'stories' left out: \.\.\/shared\/models\/stories260K\.gguf was not found \(get stories260K\.gguf from Hugging Face ggml-org\/models/,
    );
    expect(existsSync(join(repo, 'stories'))).toBe(false);
    mkdirSync(join(repo, 'stories', '1'), { recursive: true });
    writeFileSync(join(repo, 'stories', '1', 'model.gguf'), 'mine');
    expect(placeLlmExample(repo, gguf).note).toBeNull();
    expect(readFileSync(join(repo, 'stories', '1', 'model.gguf'), 'utf8')).toBe('mine');
  });
});
