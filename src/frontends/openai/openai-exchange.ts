/**
 * The ResponseSink of one OpenAI completions or chat request: turns the generation model's
 * responses (text_output, finish_reason, token counts) into OpenAI's JSON body, or into its
 * Server-Sent Events (a chunk per token, a chunk with finish_reason, a usage chunk when
 * stream_options.include_usage asks, then `data: [DONE]`) through the same SseWriter and 16 MiB
 * slow-client cutoff as generate_stream. Headers go out with the first chunk, so an error before
 * it is an ordinary OpenAI error reply. A client that disconnects cancels its request.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type ServerError, toServerError } from '../../common/index.js';
import type { InferenceRequest, InferenceResponse, InferenceServer, ResponseSink } from '../../core/index.js';
import { GenerationTensor } from '../../core/index.js';
import { decodeBytesStrings, type Tensor } from '../../protocol/index.js';
import type { InflightBytes } from '../http/inflight-bytes.js';
import { SSE_MAX_UNSENT_BYTES, SseWriter } from '../http/sse-writer.js';
import { openAiErrorBody, sendOpenAiError } from './openai-error.js';
import { OpenAiEndpoint, type OpenAiRequest } from './openai-request.js';

const kExchange = Symbol('nereid.openAiExchange');
type TrackedResponse = ServerResponse & { [kExchange]?: OpenAiExchange };

// Shared 'close' listener; `this` is the response. Closing before the end means the client left.
// Either way the exchange is over: its body bytes go back to the budget.
function onResponseClose(this: TrackedResponse): void {
  const exchange = this[kExchange];
  if (exchange === undefined) return;
  if (!this.writableFinished) exchange.onClientGone();
  exchange.releaseBody();
}

const T = GenerationTensor;

function findOutput(outputs: readonly Tensor[], name: string): Tensor | undefined {
  for (let i = 0; i < outputs.length; i++) if (outputs[i]!.name === name) return outputs[i];
  return undefined;
}

function textOf(outputs: readonly Tensor[], name: string): string {
  const t = findOutput(outputs, name);
  return t === undefined ? '' : (decodeBytesStrings(t.data, name)[0] ?? '');
}

function countOf(outputs: readonly Tensor[], name: string): number {
  const t = findOutput(outputs, name);
  return t === undefined || t.data.byteLength < 4
    ? 0
    : new DataView(t.data.buffer, t.data.byteOffset, 4).getUint32(0, true);
}

/** OpenAI's finish_reason of the model's (vLLM's) one. */
function finishReasonOf(reason: string): string {
  return reason === 'length' ? 'length' : 'stop';
}

/** One OpenAI generation exchange. */
export class OpenAiExchange implements ResponseSink {
  /** The core request, once submitted. */
  request: InferenceRequest | null;
  /** The exchange is over for the client (answered, failed or gone). */
  finished: boolean;
  private readonly server: InferenceServer;
  private readonly res: ServerResponse;
  private readonly openai: OpenAiRequest;
  private readonly sse: SseWriter | null;
  private readonly chat: boolean;
  /** `"id":...,"object":...,"created":...,"model":...` of every chunk, built once. */
  private readonly head: string;
  private readonly id: string;
  private readonly created: number;
  private promptTokens: number;
  private completionTokens: number;
  private roleSent: boolean;
  private readonly budget: InflightBytes;
  /** Bytes of `budget` the exchange holds (its request body) until the response closes. */
  private heldBytes: number;

  /** `bodyBytes` of `budget` (the request body) pass to the exchange, which gives them back when the response closes. */
  constructor(
    server: InferenceServer,
    res: ServerResponse,
    openai: OpenAiRequest,
    budget: InflightBytes,
    bodyBytes: number,
  ) {
    this.server = server;
    this.budget = budget;
    this.heldBytes = bodyBytes;
    this.res = res;
    this.openai = openai;
    this.chat = openai.endpoint === OpenAiEndpoint.CHAT;
    this.id = `${this.chat ? 'chatcmpl' : 'cmpl'}-${randomUUID().replaceAll('-', '')}`;
    this.created = Math.floor(Date.now() / 1000);
    const object = this.chat
      ? openai.stream
        ? 'chat.completion.chunk'
        : 'chat.completion'
      : 'text_completion';
    this.head = `"id":"${this.id}","object":"${object}","created":${this.created},"model":${JSON.stringify(openai.model)}`;
    this.sse = openai.stream ? new SseWriter(res, { onOverflow: (bytes) => this.onSlowClient(bytes) }) : null;
    this.request = null;
    this.finished = false;
    this.promptTokens = 0;
    this.completionTokens = 0;
    this.roleSent = false;
    (res as TrackedResponse)[kExchange] = this;
    res.on('close', onResponseClose);
  }

  /** Gives the request body's bytes back to the in-flight budget (once). */
  releaseBody(): void {
    this.budget.release(this.heldBytes);
    this.heldBytes = 0;
  }

  /** The client closed the connection: cancel the request and write nothing more. */
  onClientGone(): void {
    if (this.finished) return;
    this.finished = true;
    this.sse?.abandon();
    if (this.request !== null) this.server.cancel(this.request);
    if (!this.res.writableEnded) this.res.destroy();
  }

  onResponse(_request: InferenceRequest, response: InferenceResponse | null, final: boolean): void {
    if (this.finished) return;
    const outputs = response?.outputs ?? [];
    const text = textOf(outputs, T.TEXT_OUTPUT);
    const inputTokens = countOf(outputs, T.NUM_INPUT_TOKENS);
    if (inputTokens > 0) this.promptTokens = inputTokens;
    this.completionTokens += countOf(outputs, T.NUM_OUTPUT_TOKENS);
    if (this.sse === null) {
      if (final) this.answer(text, finishReasonOf(textOf(outputs, T.FINISH_REASON)));
      return;
    }
    const sse = this.sse;
    if (this.chat && !this.roleSent) {
      this.roleSent = true;
      sse.event(
        `{${this.head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
      );
    }
    if (text !== '') sse.event(this.chunk(this.delta(text), 'null'));
    if (!final) return;
    this.finished = true;
    const reason = JSON.stringify(finishReasonOf(textOf(outputs, T.FINISH_REASON)));
    sse.event(this.chunk(this.chat ? '{}' : '""', reason));
    if (this.openai.includeUsage) sse.event(`{${this.head},"choices":[],"usage":${this.usage()}}`);
    sse.event('[DONE]');
    sse.end();
  }

  onError(_request: InferenceRequest, error: ServerError): void {
    if (this.finished) return;
    this.finished = true;
    const prompt = this.chat ? 'messages' : 'prompt';
    const sse = this.sse;
    if (sse?.isStarted) {
      sse.event(JSON.stringify(openAiErrorBody(error, prompt)));
      sse.event('[DONE]');
      sse.end();
      return;
    }
    sse?.abandon();
    sendOpenAiError(this.res, toServerError(error), prompt);
  }

  /** The delta of a chat chunk, or the text of a completion chunk, as JSON. */
  private delta(text: string): string {
    return this.chat ? `{"content":${JSON.stringify(text)}}` : JSON.stringify(text);
  }

  private chunk(delta: string, finishReason: string): string {
    const field = this.chat ? 'delta' : 'text';
    return `{${this.head},"choices":[{"index":0,"${field}":${delta},"logprobs":null,"finish_reason":${finishReason}}]}`;
  }

  private usage(): string {
    const p = this.promptTokens;
    const c = this.completionTokens;
    return `{"prompt_tokens":${p},"completion_tokens":${c},"total_tokens":${p + c}}`;
  }

  /** The non-streamed answer. */
  private answer(text: string, finishReason: string): void {
    this.finished = true;
    const choice = this.chat
      ? `{"index":0,"message":{"role":"assistant","content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":"${finishReason}"}`
      : `{"index":0,"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":"${finishReason}"}`;
    const body = Buffer.from(`{${this.head},"choices":[${choice}],"usage":${this.usage()}}`);
    this.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    this.res.end(body);
  }

  private onSlowClient(unsentBytes: number): void {
    const model = this.openai.model;
    this.onClientGone();
    this.server.logger.logWarning(
      `OpenAI stream of model '${model}': the client fell ${unsentBytes} bytes behind (limit ${SSE_MAX_UNSENT_BYTES}); cancelled the request and closed the connection`,
    );
  }
}
