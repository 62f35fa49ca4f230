/**
 * The parts of the LLM benchmarks that talk to a Nereid child process: a temporary repository with
 * the stories260K GGUF (and optionally the ONNX example `simple`), starting `nereid serve` on free
 * HTTP and metrics ports, and one OpenAI SSE completion read token by token with its timings. It
 * measures nothing by itself.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNereidWithMetrics } from './server-process.js';

/** The repository root (benchmarks run from dist/bench). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The test GGUF beside the package. */
export const STORIES_GGUF = join(ROOT, '..', 'shared', 'models', 'stories260K.gguf');

/** A running Nereid with HTTP and metrics ports. */
export interface LlmServer {
  child: ChildProcess;
  http: number;
  metrics: number;
  stop(): Promise<void>;
}

/** Writes a repository with `stories` (`slots` sequences, `threads` threads, context 256) and, if asked, `simple`. */
export function writeLlmRepository(slots: number, threads: number, withSimple: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-bench-llm-'));
  mkdirSync(join(dir, 'stories', '1'), { recursive: true });
  // A copy: the server refuses a model file reached through a symbolic link.
  copyFileSync(STORIES_GGUF, join(dir, 'stories', '1', 'model.gguf'));
  writeFileSync(
    join(dir, 'stories', 'config.pbtxt'),
    [
      'backend: "llamacpp"',
      `parameters { key: "max_num_seqs" value { string_value: "${slots}" } }`,
      'parameters { key: "context_length" value { string_value: "256" } }',
      `parameters { key: "threads" value { string_value: "${threads}" } }`,
    ].join('\n'),
  );
  if (withSimple) {
    symlinkSync(join(ROOT, 'examples', 'model_repository', 'simple'), join(dir, 'simple'), 'dir');
  }
  return dir;
}

/** Starts `nereid serve` (this build) on `repository` with HTTP and metrics on free ports, gRPC off. */
export async function startLlmServer(repository: string): Promise<LlmServer> {
  const server = await startNereidWithMetrics(repository);
  return { child: server.child, http: server.port, metrics: server.metricsPort, stop: server.stop };
}

/** Stops the server (SIGTERM) and resolves once it exited. */
export function stopLlmServer(server: LlmServer): Promise<void> {
  return server.stop();
}

/** What one streamed completion gave. */
export interface StreamedCompletion {
  /** Chunks with text (one per token, held-back text aside). */
  tokens: number;
  /** Ms from the request to its first text chunk (-1 when none). */
  ttftMs: number;
  /** Ms from the request to its last text chunk (-1 when none). */
  lastMs: number;
  /** Ms between consecutive text chunks. */
  gapsMs: number[];
}

/**
 * One `POST /v1/completions` with `stream: true` (greedy, EOS ignored, `maxTokens` tokens),
 * read chunk by chunk; an aborted `signal` ends it early.
 */
export async function streamCompletion(
  server: LlmServer,
  maxTokens: number,
  signal?: AbortSignal,
): Promise<StreamedCompletion> {
  const out: StreamedCompletion = { tokens: 0, ttftMs: -1, lastMs: -1, gapsMs: [] };
  const body = JSON.stringify({
    model: 'stories',
    prompt: 'Once upon a time',
    max_tokens: maxTokens,
    temperature: 0,
    ignore_eos: true,
    stream: true,
  });
  const start = performance.now();
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${server.http}/v1/completions`, { method: 'POST', body, signal });
  } catch {
    return out;
  }
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let last = -1;
  let buffered = '';
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch {
      break;
    }
    if (chunk.done) break;
    buffered += decoder.decode(chunk.value, { stream: true });
    let end = buffered.indexOf('\n\n');
    while (end !== -1) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (event.includes('"text":"') && !event.includes('"text":""')) {
        const now = performance.now();
        if (last < 0) out.ttftMs = now - start;
        else out.gapsMs.push(now - last);
        last = now;
        out.lastMs = now - start;
        out.tokens++;
      }
      end = buffered.indexOf('\n\n');
    }
  }
  return out;
}

/** The q-quantile of `values` (NaN when empty). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * A request's inter-token latency as genai-perf defines it: (last token - first token) / (tokens -
 * 1), so events that a client reads several at a time (TCP coalescing) still count at their pace.
 */
export function requestItlMs(firstMs: number, lastMs: number, tokens: number): number {
  return tokens > 1 ? (lastMs - firstMs) / (tokens - 1) : Number.NaN;
}
