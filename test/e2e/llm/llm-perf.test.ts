/**
 * E2E: `nereid perf --llm` against a real server serving the real GGUF, over each of its three
 * transports (OpenAI `/v1/completions`, `generate_stream`, gRPC streams): every level counts the
 * output tokens the server generated, times the first token and the gaps between tokens, and the
 * run writes its console table, CSV, JSON and HTML report; bad flags and an unknown model are clear
 * errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FlagError } from '../../../src/cli/cli-flags.js';
import { llmPerfOptionsFromArgs } from '../../../src/cli/perf-command.js';
import { ServerError } from '../../../src/common/errors.js';
import { LLM_CSV_COLUMNS, type LlmEndpoint, runLlmPerf } from '../../../src/tools/perf/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import { describeWithGguf, type LlmRepository, llamaConfig, writeLlmRepository } from './llm-fixtures.js';

let repo: LlmRepository;
let t: TestGrpcServer;
let dir: string;

function urlOf(endpoint: LlmEndpoint): string {
  return endpoint === 'grpc' ? t.grpcAddress : t.baseUrl.replace('http://', '');
}

describeWithGguf('nereid perf --llm', () => {
  beforeAll(async () => {
    repo = writeLlmRepository({ stories: { config: llamaConfig({ max_num_seqs: 4, context_length: 128 }) } });
    t = await startTestGrpcServer({ modelRepositories: [repo.dir] });
    dir = mkdtempSync(join(tmpdir(), 'nereid-llm-perf-'));
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const endpoint of ['openai', 'generate', 'grpc'] as const) {
    it(`measures output tokens/s, TTFT and inter-token latency per concurrency level over ${endpoint}`, async () => {
      const options = llmPerfOptionsFromArgs([
        '-m',
        'stories',
        '--llm',
        endpoint,
        '-u',
        urlOf(endpoint),
        '--concurrency-range',
        '1:2:1',
        '-p',
        '600',
        '--output-tokens',
        '16',
        '--ignore-eos',
        '-f',
        join(dir, `${endpoint}.csv`),
        '--json',
        join(dir, `${endpoint}.json`),
        '--report',
        join(dir, `${endpoint}.html`),
      ])!;
      let out = '';
      const report = await runLlmPerf(options, { out: (text) => (out += text), progress: () => {} });
      expect(report.levels.map((l) => l.concurrency)).toEqual([1, 2]);
      for (const level of report.levels) {
        expect(level.failed, level.firstError ?? '').toBe(0);
        expect(level.requests).toBeGreaterThanOrEqual(level.concurrency);
        // EOS ignored: every request generates exactly the tokens asked for.
        expect(level.outputTokensPerRequest).toBe(16);
        expect(level.outputTokensPerS).toBeCloseTo((level.requests * 16) / level.durationS, 6);
        expect(level.ttftMs.p50).toBeGreaterThan(0);
        expect(level.itlMs.avg).toBeGreaterThan(0);
        expect(level.latencyMs.p50).toBeGreaterThanOrEqual(level.ttftMs.p50);
      }
      expect(out).toContain(`model 'stories' over ${endpoint}`);
      expect(out).toMatch(/^2 \| [0-9.]+ \| /m);
      const csv = readFileSync(join(dir, `${endpoint}.csv`), 'utf8')
        .trim()
        .split('\n');
      expect(csv[0]).toBe(LLM_CSV_COLUMNS.join(','));
      expect(csv).toHaveLength(3);
      expect(JSON.parse(readFileSync(join(dir, `${endpoint}.json`), 'utf8')).levels).toHaveLength(2);
      const html = readFileSync(join(dir, `${endpoint}.html`), 'utf8');
      for (const id of ['chart-tokens', 'chart-ttft', 'chart-itl'])
        expect(html).toContain(`<canvas id="${id}">`);
    });
  }

  it('refuses an unknown endpoint and reports a model that cannot answer before measuring', async () => {
    expect(() => llmPerfOptionsFromArgs(['-m', 'stories', '--llm', 'websocket'])).toThrow(
      new FlagError("Flag --llm takes one of openai, generate, grpc: received 'websocket'"),
    );
    const err = await runLlmPerf(
      { model: 'nope', endpoint: 'openai', url: urlOf('openai'), measurementIntervalMs: 100 },
      { out: () => {}, progress: () => {} },
    ).then(
      () => null,
      (e: unknown) => e as ServerError,
    );
    expect(err).toBeInstanceOf(ServerError);
    expect(err!.code).toBe('ERR_PERF_LLM_REQUEST');
    expect(err!.message).toMatch(/^The first request to model 'nope' failed: HTTP 404: /);
  });
});
