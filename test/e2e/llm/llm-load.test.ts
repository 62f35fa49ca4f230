/**
 * E2E: loading llama.cpp models from a repository: a GGUF without config.pbtxt auto-completed with
 * the vLLM tensor interface, corrupt, truncated and non-GGUF files and bad parameters leaving only
 * their model UNAVAILABLE with the reason (the server and the other models serve on), KIND_GPU on a
 * machine without CUDA refused unless nereid.cpu_fallback is set, and unload/reload in explicit mode.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpClient } from '../../../src/client/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import {
  describeWithGguf,
  type LlmRepository,
  llamaConfig,
  STORIES_GGUF,
  writeLlmRepository,
} from './llm-fixtures.js';

let repo: LlmRepository;
let t: TestServer;
let client: HttpClient;

function corrupted(): Uint8Array {
  const bytes = new Uint8Array(readFileSync(STORIES_GGUF));
  // Overwrite the tensor-info region (after the header) with a pattern: sizes and offsets become nonsense.
  for (let i = 4096; i < 200_000; i += 7) bytes[i] = (i * 31) & 0xff;
  return bytes;
}

describeWithGguf('loading llama.cpp models', () => {
  beforeAll(async () => {
    const real = readFileSync(STORIES_GGUF);
    repo = writeLlmRepository({
      auto: { config: null },
      truncated: { config: null, file: real.subarray(0, real.length - 4096) },
      cut_header: { config: null, file: real.subarray(0, 600_000) },
      not_gguf: { config: null, file: Buffer.from('this is not a model at all') },
      corrupt: { config: null, file: corrupted() },
      bad_param: { config: llamaConfig({ max_num_seqs: 0 }) },
      too_long: { config: llamaConfig({ context_length: 4096 }) },
      gpu: { config: llamaConfig({ max_num_seqs: 2 }, 'instance_group [ { kind: KIND_GPU } ]') },
      gpu_fallback: {
        config: llamaConfig(
          { max_num_seqs: 2, 'nereid.cpu_fallback': 'true' },
          'instance_group [ { kind: KIND_GPU } ]',
        ),
      },
    });
    t = await startTestServer({ modelRepositories: [repo.dir] });
    client = new HttpClient(t.baseUrl);
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await t?.close();
    repo?.remove();
  });

  it('serves a GGUF without config.pbtxt with the auto-completed vLLM interface', async () => {
    const config = await client.modelConfig('auto');
    expect(config).toMatchObject({
      backend: 'llamacpp',
      max_batch_size: 0,
      model_transaction_policy: { decoupled: true },
    });
    expect(config.input.map((i: { name: string }) => i.name)).toContain('sampling_parameters');
    const answer = await client.generate('auto', {
      text_input: 'Once upon a time',
      parameters: { max_tokens: 4 },
    });
    expect(answer.text_output).toMatch(/^Once upon a time/);
  });

  it('leaves a model with a corrupt, truncated or foreign file or bad parameters UNAVAILABLE with the reason', async () => {
    const index = await client.repositoryIndex();
    const reason = (name: string) => index.find((r) => r.name === name)!;
    expect(reason('truncated')).toMatchObject({ state: 'UNAVAILABLE' });
    // The tensor data does not fit the file (what llama.cpp would say too, but only in its log).
    for (const name of ['truncated', 'cut_header']) {
      expect(reason(name).reason).toMatch(
        new RegExp(
          `Cannot load GGUF file '1/model.gguf' of model "${name}": the data of tensor '[^']+' \\(\\d+ bytes at byte \\d+\\) is not within the file \\(\\d+ bytes\\): the file is truncated or damaged`,
        ),
      );
    }
    expect(reason('not_gguf').reason).toContain(
      `File '1/model.gguf' of model "not_gguf" is not a GGUF file: it starts with "this" instead of "GGUF"`,
    );
    // A length in the header beyond the file is caught before node-llama-cpp's reader sees it.
    expect(reason('corrupt')).toMatchObject({ state: 'UNAVAILABLE' });
    expect(reason('corrupt').reason).toMatch(
      /of model "corrupt": metadata value \d+ \('tokenizer.ggml.tokens'\)\[\d+\] of \d+ bytes at byte \d+ runs past the end of the file \(1185376 bytes\)/,
    );
    expect(reason('bad_param').reason).toContain(
      'parameters["max_num_seqs"] of model "bad_param" must be an integer in [1, 256]: received "0"',
    );
    expect(reason('too_long').reason).toContain(
      `parameters["context_length"] of model "too_long" must be at most the model's training context of 2048 tokens: received 4096`,
    );
    for (const row of index) expect(row.reason).not.toContain(repo.dir);
    expect(reason('auto')).toMatchObject({ state: 'READY' });
  });

  it('refuses KIND_GPU without CUDA unless nereid.cpu_fallback lets it run on the CPU', async () => {
    const index = await client.repositoryIndex();
    const gpu = index.find((r) => r.name === 'gpu')!;
    expect(gpu.state).toBe('UNAVAILABLE');
    expect(gpu.reason).toMatch(
      /Cannot load model "gpu" on a GPU: CUDA is not available .*nereid.cpu_fallback/,
    );
    expect(index.find((r) => r.name === 'gpu_fallback')!.state).toBe('READY');
    const answer = await client.generate('gpu_fallback', {
      text_input: 'The cat',
      parameters: { max_tokens: 3 },
    });
    expect(answer.text_output).toMatch(/^The cat/);
  });
});

describeWithGguf('unloading and reloading a llama.cpp model', () => {
  it('unloads a model (its worker exits) and loads it again in explicit mode', async () => {
    const r = writeLlmRepository({
      stories: { config: llamaConfig({ max_num_seqs: 2, context_length: 128 }) },
    });
    const s = await startTestServer({
      modelRepositories: [r.dir],
      modelControlMode: 'explicit',
      startupModels: ['stories'],
    });
    const c = new HttpClient(s.baseUrl);
    try {
      expect(
        (await c.generate('stories', { text_input: 'The sun', parameters: { max_tokens: 3 } })).text_output,
      ).toMatch(/^The sun/);
      await c.unloadModel('stories');
      expect(await c.isModelReady('stories')).toBe(false);
      await c.loadModel('stories');
      expect(
        (await c.generate('stories', { text_input: 'The sun', parameters: { max_tokens: 3 } })).text_output,
      ).toMatch(/^The sun/);
    } finally {
      await c.close();
      await s.close();
      r.remove();
    }
  }, 60_000);
});
