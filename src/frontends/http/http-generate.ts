/**
 * Triton's generate extension on HTTP: `POST .../generate` answers one JSON object and
 * `POST .../generate_stream` answers Server-Sent Events, one per response, for ordinary and
 * decoupled models. Failures before the first event are ordinary JSON errors with Triton's status
 * mapping; later ones are `{"error": ...}` events on the 200 stream. A client that disconnects
 * cancels its request (a queued request leaves its queue; a running one's answers are dropped).
 * The body's bytes stay taken from the in-flight byte budget until the exchange is over.
 * Responses are not compressed (Triton's generate path does not compress either).
 * The JSON mapping lives in generate-mapping.ts, SSE framing in sse-writer.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { internal, type ServerError, toServerError } from '../../common/index.js';
import {
  InferenceRequest as CoreRequest,
  type InferenceRequest,
  type InferenceResponse,
  type InferenceServer,
  type ResponseSink,
} from '../../core/index.js';
import { encodeGenerateResponse, parseGenerateRequest } from './generate-mapping.js';
import { readBodyOrAnswer, sendError } from './http-reply.js';
import type { InflightBytes } from './inflight-bytes.js';
import { SSE_MAX_UNSENT_BYTES, SseWriter } from './sse-writer.js';

/** Message of a `/generate` call whose model answered with other than exactly one response (Triton's). */
export const GENERATE_SINGLE_RESPONSE_MESSAGE =
  'generate expects model to produce exactly 1 response, use generate stream for model that generates various number of responses';

const kGenerate = Symbol('nereid.generateExchange');
type TrackedResponse = ServerResponse & { [kGenerate]?: HttpGenerateExchange };

// Shared 'close' listener; `this` is the response. Closing before the end means the client left.
function onResponseClose(this: TrackedResponse): void {
  const exchange = this[kGenerate];
  if (exchange !== undefined && !this.writableFinished) exchange.onClientGone();
}

/** The sink of one generate or generate_stream request. */
export class HttpGenerateExchange implements ResponseSink {
  /** The core request, once admitted. */
  request: InferenceRequest | null;
  /** Whether the exchange is over for the client (answered, failed or the client left). */
  finished: boolean;
  /** Responses received (non-streaming: to check there is exactly one). */
  responseCount: number;
  private readonly server: InferenceServer;
  private readonly res: ServerResponse;
  private readonly sse: SseWriter | null;
  private readonly budget: InflightBytes;
  /** Bytes of `budget` this exchange holds (its body), given back when it is over. */
  private heldBytes: number;
  /** Non-streaming: the JSON text of the first response. */
  private single: string | null;

  constructor(server: InferenceServer, res: ServerResponse, streaming: boolean, budget: InflightBytes) {
    this.server = server;
    this.res = res;
    this.budget = budget;
    this.heldBytes = 0;
    this.sse = streaming ? new SseWriter(res, { onOverflow: (bytes) => this.onSlowClient(bytes) }) : null;
    this.request = null;
    this.finished = false;
    this.responseCount = 0;
    this.single = null;
    (res as TrackedResponse)[kGenerate] = this;
    res.on('close', onResponseClose);
  }

  /** Takes over `bytes` of the budget (the request body) until the exchange is over. */
  holdBody(bytes: number): void {
    if (this.finished) this.budget.release(bytes);
    else this.heldBytes = bytes;
  }

  /** Marks the exchange over and gives its body bytes back to the budget. */
  finish(): void {
    this.finished = true;
    this.budget.release(this.heldBytes);
    this.heldBytes = 0;
  }

  /** Maps `body` onto the model's inputs and submits the request; throws ServerError before streaming. */
  submit(body: Uint8Array, model: string, version: string): void {
    const mv = this.server.getModel(model, version);
    const parts = parseGenerateRequest(body, mv.plan.inputs);
    const request = new CoreRequest({
      modelName: model,
      modelVersion: version,
      id: parts.id,
      parameters: parts.parameters,
      inputs: parts.inputs,
      sink: this,
    });
    this.request = request;
    this.server.infer(request);
  }

  /** The client closed the connection: cancel the request and write nothing more. */
  onClientGone(): void {
    if (this.finished) return;
    this.finish();
    this.sse?.abandon();
    if (this.request !== null) this.server.cancel(this.request);
    // A half-closed socket would otherwise wait for a response that will never be written.
    if (!this.res.writableEnded) this.res.destroy();
  }

  /**
   * The client of a generate_stream fell more than SSE_MAX_UNSENT_BYTES behind: cancel the request
   * and close the connection (it is not reading, so no error event could reach it), and say so in
   * the server log.
   */
  private onSlowClient(unsentBytes: number): void {
    const model = this.request?.modelName ?? '';
    this.onClientGone();
    this.server.logger.logWarning(
      `generate_stream of model '${model}': the client fell ${unsentBytes} bytes behind (limit ${SSE_MAX_UNSENT_BYTES}); cancelled the request and closed the connection`,
    );
  }

  onResponse(_request: InferenceRequest, response: InferenceResponse | null, final: boolean): void {
    if (this.finished) return;
    if (response !== null) {
      this.responseCount++;
      let json: string;
      try {
        json = encodeGenerateResponse(response);
      } catch (err) {
        this.fail(toServerError(err));
        return;
      }
      if (this.sse !== null) this.sse.event(json);
      else if (this.single === null) this.single = json;
    }
    if (final) this.complete();
  }

  onError(_request: InferenceRequest, error: ServerError): void {
    if (this.finished) return;
    this.fail(error);
  }

  private complete(): void {
    this.finish();
    if (this.sse !== null) {
      this.sse.end();
      return;
    }
    if (this.responseCount !== 1 || this.single === null) {
      sendError(this.res, internal('ERR_GENERATE_RESPONSE_COUNT', GENERATE_SINGLE_RESPONSE_MESSAGE));
      return;
    }
    const text = Buffer.from(this.single);
    this.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': text.length });
    this.res.end(text);
  }

  private fail(error: ServerError): void {
    this.finish();
    const sse = this.sse;
    if (sse?.isStarted) {
      sse.event(JSON.stringify({ error: error.message }));
      sse.end();
      return;
    }
    sendError(this.res, error);
  }
}

/**
 * Handles one generate (`streaming` false) or generate_stream request: reads the body (limit
 * `maxInputSizeBytes`, gzip/deflate accepted, bytes taken from `budget`), maps it, submits it and
 * answers through the exchange. Every failure before streaming becomes a JSON error reply.
 */
export async function handleGenerate(
  server: InferenceServer,
  req: IncomingMessage,
  res: ServerResponse,
  model: string,
  version: string,
  streaming: boolean,
  maxInputSizeBytes: number,
  budget: InflightBytes,
): Promise<void> {
  const exchange = new HttpGenerateExchange(server, res, streaming, budget);
  const body = await readBodyOrAnswer(req, res, maxInputSizeBytes, budget);
  if (body === null) {
    exchange.finish();
    return;
  }
  exchange.holdBody(body.length);
  if (exchange.finished) return;
  try {
    exchange.submit(body, model, version);
  } catch (err) {
    exchange.finish();
    sendError(res, err);
  }
}
