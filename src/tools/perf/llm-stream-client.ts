/**
 * One streamed generation request of `nereid perf --llm`, timed token by token, over one of the
 * three LLM transports: the OpenAI-compatible `/v1/completions` (SSE chunks), Triton's
 * `generate_stream` (SSE events) or a gRPC ModelStreamInfer stream (one response per token).
 * It records when the request was sent, when each text-bearing answer arrived, and how many
 * output tokens the server reported; statistics are llm-perf-report.ts's.
 */
import { GrpcClient, HttpClient, InferenceServerError, readSseData, tensor } from '../../client/index.js';

/** The LLM transports. */
export type LlmEndpoint = 'openai' | 'generate' | 'grpc';

/** The LLM endpoints by flag value. */
export const LLM_ENDPOINTS: readonly LlmEndpoint[] = ['openai', 'generate', 'grpc'];

/** What one request asks for. */
export interface LlmRequestSpec {
  /** Model name. */
  model: string;
  /** Prompt text. */
  prompt: string;
  /** Output tokens asked for (`max_tokens`). */
  outputTokens: number;
  /** Whether generation goes on past the end-of-generation token (`ignore_eos`). */
  ignoreEos: boolean;
  /** Extra headers / gRPC metadata on every request. */
  headers: Record<string, string>;
}

/** The timing of one finished request, in ms from when it was sent. */
export interface LlmRequestTiming {
  /** Time to the first answer carrying text (-1 when none came). */
  firstMs: number;
  /** Time to the last answer carrying text (-1 when none came). */
  lastMs: number;
  /** Time to the end of the request. */
  endMs: number;
  /** Output tokens (the server's count where it sends one, else the text-bearing answers). */
  tokens: number;
  /** The failure, or null. */
  error: string | null;
}

/** Sends streamed generation requests over one transport. */
export interface LlmStreamClient {
  /** Sends one request and resolves when its stream ends (never rejects). */
  run(spec: LlmRequestSpec): Promise<LlmRequestTiming>;
  /** Closes connections. */
  close(): Promise<void>;
}

/** Marks the arrival of one text-bearing answer. */
function mark(t: LlmRequestTiming, start: number): void {
  const now = performance.now() - start;
  if (t.firstMs < 0) t.firstMs = now;
  t.lastMs = now;
  t.tokens++;
}

function newTiming(): LlmRequestTiming {
  return { firstMs: -1, lastMs: -1, endMs: 0, tokens: 0, error: null };
}

function samplingOf(spec: LlmRequestSpec): Record<string, unknown> {
  return { max_tokens: spec.outputTokens, temperature: 0, ignore_eos: spec.ignoreEos };
}

/** OpenAI `/v1/completions` with `stream: true` and the usage chunk. */
class OpenAiStreamClient implements LlmStreamClient {
  constructor(private readonly baseUrl: string) {}

  async run(spec: LlmRequestSpec): Promise<LlmRequestTiming> {
    const t = newTiming();
    const start = performance.now();
    try {
      const res = await fetch(`${this.baseUrl}/v1/completions`, {
        method: 'POST',
        headers: { ...spec.headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: spec.model,
          prompt: spec.prompt,
          stream: true,
          stream_options: { include_usage: true },
          ...samplingOf(spec),
        }),
      });
      if (!res.ok || res.body === null) {
        t.error = `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
      } else {
        let usageTokens = -1;
        for await (const data of readSseData(res.body)) {
          if (data === '[DONE]') break;
          const chunk = JSON.parse(data) as {
            choices?: { text?: string }[];
            usage?: { completion_tokens?: number } | null;
            error?: { message?: string };
          };
          if (chunk.error !== undefined) t.error = chunk.error.message ?? 'error event';
          if (chunk.choices?.[0]?.text) mark(t, start);
          if (typeof chunk.usage?.completion_tokens === 'number') usageTokens = chunk.usage.completion_tokens;
        }
        if (usageTokens >= 0) t.tokens = usageTokens;
      }
    } catch (err) {
      t.error = (err as Error).message;
    }
    t.endMs = performance.now() - start;
    return t;
  }

  async close(): Promise<void> {}
}

/** Triton's `generate_stream` with the vLLM tensor names. */
class GenerateStreamClient implements LlmStreamClient {
  private readonly http: HttpClient;

  constructor(baseUrl: string, concurrency: number) {
    this.http = new HttpClient(baseUrl, { connections: Math.max(1, concurrency) });
  }

  async run(spec: LlmRequestSpec): Promise<LlmRequestTiming> {
    const t = newTiming();
    const start = performance.now();
    try {
      const body = {
        text_input: spec.prompt,
        stream: true,
        sampling_parameters: JSON.stringify(samplingOf(spec)),
      };
      for await (const event of this.http.generateStream(spec.model, body, { headers: spec.headers })) {
        if (typeof event.text_output === 'string' && event.text_output !== '') mark(t, start);
      }
    } catch (err) {
      t.error = (err as Error).message;
    }
    t.endMs = performance.now() - start;
    return t;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** A gRPC ModelStreamInfer stream per request. */
class GrpcStreamClient implements LlmStreamClient {
  private readonly grpc: GrpcClient;

  constructor(address: string) {
    this.grpc = new GrpcClient(address);
  }

  async run(spec: LlmRequestSpec): Promise<LlmRequestTiming> {
    const t = newTiming();
    const start = performance.now();
    try {
      const stream = this.grpc.stream({ headers: spec.headers });
      stream.send({
        model: spec.model,
        inputs: [
          tensor('text_input', 'BYTES', [1], [spec.prompt]),
          tensor('stream', 'BOOL', [1], [true]),
          tensor('sampling_parameters', 'BYTES', [1], [JSON.stringify(samplingOf(spec))]),
        ],
      });
      stream.end();
      for await (const item of stream) {
        if (item instanceof InferenceServerError) {
          t.error = item.message;
          continue;
        }
        if (item.outputAsStrings('text_output')[0]) mark(t, start);
      }
    } catch (err) {
      t.error = (err as Error).message;
    }
    t.endMs = performance.now() - start;
    return t;
  }

  async close(): Promise<void> {
    this.grpc.close();
  }
}

/** A client of `endpoint` at `url` (`host:port`; HTTP for openai/generate, gRPC for grpc). */
export function llmStreamClient(endpoint: LlmEndpoint, url: string, concurrency: number): LlmStreamClient {
  if (endpoint === 'grpc') return new GrpcStreamClient(url);
  const baseUrl = /^https?:\/\//.test(url) ? url.replace(/\/+$/, '') : `http://${url}`;
  return endpoint === 'openai'
    ? new OpenAiStreamClient(baseUrl)
    : new GenerateStreamClient(baseUrl, concurrency);
}
