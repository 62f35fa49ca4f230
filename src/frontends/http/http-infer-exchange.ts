/**
 * One HTTP inference exchange: decodes the body into an InferenceRequest, is its ResponseSink,
 * and encodes the answer (JSON or binary tensors, optionally compressed) with a `Server-Timing`
 * header saying where the server's time went. If the client disconnects first, the request is
 * cancelled: removed from its queue if it has not started. The body's bytes stay taken from the
 * in-flight byte budget until the exchange is over. A JSON part of at least the decode pool's
 * `minBytes` is decoded by the pool (json-decode-pool.ts) and the exchange resumes when it answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerError } from '../../common/index.js';
import { unsupported } from '../../common/index.js';
import {
  InferenceRequest as CoreRequest,
  checkSharedMemoryOutputs,
  type InferenceRequest,
  type InferenceResponse,
  type InferenceServer,
  type RequestTrace,
  type ResponseSink,
  resolveSharedMemoryInputs,
  TraceActivity,
  writeSharedMemoryOutputs,
} from '../../core/index.js';
import {
  DEFAULT_JSON_SCAN_MIN_BYTES,
  type DecodedHttpInferRequest,
  decodeHttpInferRequest,
  encodeHttpInferResponse,
  parseInferenceHeaderLength,
} from '../../protocol/index.js';
import { logRequestOutcome } from '../request-log.js';
import {
  type BodySink,
  compress,
  decodeContent,
  isIdentityEncoding,
  pickResponseEncoding,
} from './http-body.js';
import { sendBodyError, sendError } from './http-reply.js';
import { traceHttpSend } from './http-trace.js';
import type { InflightBytes } from './inflight-bytes.js';
import type { JsonDecodePool, JsonDecodeSink } from './json-decode-pool.js';

/** Responses up to this size are sent as one buffer (copied together) rather than chunk by chunk. */
const SINGLE_WRITE_MAX_BYTES = 64 * 1024;

/**
 * `ns` as milliseconds with three decimals, like `(ns / 1e6).toFixed(3)` for the durations a
 * response carries (non-negative, below 2^53 ns). Integer arithmetic: toFixed is a runtime call
 * that cost ~0.3 µs each on the inference path.
 */
export function msWith3Decimals(ns: number): string {
  const us = Math.round(ns / 1000);
  const ms = Math.floor(us / 1000);
  const frac = us - ms * 1000;
  return `${ms}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

/** Formats the Server-Timing header value (durations in ms). */
export function serverTiming(response: InferenceResponse): string {
  const t = response.timing;
  const compute = t.computeInputNs + t.computeInferNs + t.computeOutputNs;
  return `queue;dur=${msWith3Decimals(t.queueNs)}, compute;dur=${msWith3Decimals(compute)}, total;dur=${msWith3Decimals(t.totalNs)}`;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The sink of one HTTP infer request. */
export class HttpInferExchange implements ResponseSink, BodySink, JsonDecodeSink {
  /** The core request, once decoded. */
  request: InferenceRequest | null;
  /** Whether an answer was written (or the client is gone). */
  finished: boolean;
  private readonly server: InferenceServer;
  private readonly res: ServerResponse;
  private readonly req: IncomingMessage;
  private readonly acceptEncoding: string | undefined;
  private readonly model: string;
  private readonly version: string;
  private readonly maxInputSizeBytes: number;
  private readonly budget: InflightBytes;
  /** Bytes of `budget` this exchange holds (its body, decoded), given back when it finishes. */
  private heldBytes: number;
  private decoded: DecodedHttpInferRequest | null;
  /** The request's trace when sampled (HttpFrontend), else null. */
  private readonly trace: RequestTrace | null;
  /** The decode pool, or null when every body is decoded here. */
  private readonly pool: JsonDecodePool | null;
  /** Smallest JSON part the pool decodes (+Infinity without a pool): one compare on the hot path. */
  private readonly poolMinBytes: number;
  /** Whether the body is in the decode pool now. */
  private decoding: boolean;
  /** Smallest JSON part read by the byte scanner here (ResolvedJsonDecodePool.scanMinBytes). */
  private readonly jsonScanMinBytes: number;

  constructor(
    server: InferenceServer,
    req: IncomingMessage,
    res: ServerResponse,
    model: string,
    version: string,
    maxInputSizeBytes: number,
    budget: InflightBytes,
    trace: RequestTrace | null = null,
    pool: JsonDecodePool | null = null,
    jsonScanMinBytes: number = DEFAULT_JSON_SCAN_MIN_BYTES,
  ) {
    this.server = server;
    this.jsonScanMinBytes = jsonScanMinBytes;
    this.trace = trace;
    this.pool = pool;
    this.poolMinBytes = pool === null ? Number.POSITIVE_INFINITY : pool.settings.minBytes;
    this.decoding = false;
    this.req = req;
    this.res = res;
    this.acceptEncoding = req.headers['accept-encoding'];
    this.model = model;
    this.version = version;
    this.maxInputSizeBytes = maxInputSizeBytes;
    this.budget = budget;
    this.heldBytes = 0;
    this.request = null;
    this.finished = false;
    this.decoded = null;
  }

  /** The body arrived (collectBody): undo its Content-Encoding if any, then submit. */
  onBody(body: Buffer): void {
    this.heldBytes = body.length;
    if (this.trace !== null) this.trace.stampNow(TraceActivity.HTTP_RECV_END);
    const encoding = this.req.headers['content-encoding'];
    // Plain bodies are submitted at once: decodeContent would answer them a microtask later.
    if (isIdentityEncoding(encoding)) {
      this.submitOrAnswer(body);
      return;
    }
    decodeContent(body, encoding, this.maxInputSizeBytes, this.budget).then(
      (decoded) => {
        this.heldBytes = decoded.length;
        this.submitOrAnswer(decoded);
      },
      (err: unknown) => this.onBodyError(err),
    );
  }

  /** The body could not be read (too large, over the budget, stream error) or decoded. */
  onBodyError(err: unknown): void {
    this.finish();
    if (this.trace !== null) traceHttpSend(this.trace, this.res);
    sendBodyError(this.res, err);
  }

  private submitOrAnswer(body: Buffer): void {
    try {
      this.submit(body, headerValue(this.req, 'inference-header-content-length'), this.model, this.version);
    } catch (err) {
      this.finish();
      this.answerError(err);
    }
  }

  /** Answers `err` (a request that failed before or in the core), logging and tracing it. */
  private answerError(err: unknown): void {
    if (this.server.logger.verboseLevel !== 0) {
      const e = err as { status?: string; message?: string };
      logRequestOutcome(
        this.server.logger,
        'HTTP',
        this.model,
        this.version,
        this.request?.id ?? '',
        `${e.status ?? 'ERROR'}: ${e.message ?? String(err)}`,
      );
    }
    if (this.trace !== null) traceHttpSend(this.trace, this.res);
    sendError(this.res, err);
  }

  /** Marks the exchange over and gives its body bytes back to the budget. */
  private finish(): void {
    this.finished = true;
    this.budget.release(this.heldBytes);
    this.heldBytes = 0;
  }

  /**
   * Decodes `body` and submits the request, or hands a large JSON body to the decode pool and
   * submits it in onDecoded. Throws ServerError for anything the client got wrong; the caller
   * answers it.
   */
  submit(body: Uint8Array, headerLengthHeader: string | undefined, model: string, version: string): void {
    const mv = this.server.getModel(model, version);
    if (mv.plan.decoupled) {
      throw unsupported(
        'ERR_DECOUPLED_HTTP',
        "HTTP end point doesn't support models with decoupled transaction policy",
      );
    }
    const headerLength = parseInferenceHeaderLength(headerLengthHeader);
    // The JSON part's size decides; the raw form (header length 0) has no JSON to decode.
    if ((headerLength ?? body.length) >= this.poolMinBytes && headerLength !== 0) {
      this.decoding = true;
      this.pool!.decode(body, headerLength, model, this);
      return;
    }
    this.start(
      decodeHttpInferRequest(body, headerLength, {
        modelName: model,
        modelInputs: mv.plan.rawInputs,
        jsonScanMinBytes: this.jsonScanMinBytes,
      }),
    );
  }

  /** The decode pool decoded the body: submit it, unless the client left meanwhile. */
  onDecoded(decoded: DecodedHttpInferRequest): void {
    this.decoding = false;
    if (this.finished) return;
    try {
      this.start(decoded);
    } catch (err) {
      this.finish();
      this.answerError(err);
    }
  }

  /** The decode pool refused the body (the main thread's error) or could not decode it (503). */
  onDecodeError(err: ServerError): void {
    this.decoding = false;
    if (this.finished) return;
    this.finish();
    this.answerError(err);
  }

  /** Submits a decoded request to the core. Throws ServerError as submit() does. */
  private start(decoded: DecodedHttpInferRequest): void {
    this.decoded = decoded;
    checkSharedMemoryOutputs(this.server.sharedMemory, decoded.outputs);
    const request = new CoreRequest({
      modelName: this.model,
      modelVersion: this.version,
      id: decoded.id ?? '',
      parameters: decoded.parameters,
      inputs: resolveSharedMemoryInputs(this.server.sharedMemory, decoded.inputs),
      outputs: decoded.outputs,
      sink: this,
      trace: this.trace,
    });
    this.request = request;
    this.server.infer(request);
  }

  /** The client went away: cancel the request if it is still waiting. */
  onClientGone(): void {
    if (this.finished) return;
    if (this.decoding) {
      // Nothing to cancel yet: onDecoded drops the request when the pool answers.
      this.finish();
      return;
    }
    if (this.request === null) return;
    this.finish();
    this.server.cancel(this.request);
  }

  onResponse(_request: InferenceRequest, response: InferenceResponse | null, _final: boolean): void {
    if (this.finished || response === null) return;
    this.finish();
    let encoded: ReturnType<typeof encodeHttpInferResponse>;
    try {
      encoded = encodeHttpInferResponse(
        {
          id: response.id,
          modelName: response.modelName,
          modelVersion: response.modelVersion,
          parameters: response.parameters ?? undefined,
          outputs: writeSharedMemoryOutputs(
            this.server.sharedMemory,
            this.decoded!.outputs,
            response.outputs,
          ),
        },
        this.decoded!,
      );
    } catch (err) {
      // E.g. an FP16 output asked for as JSON or a too small shared-memory output: an error, never a hang.
      this.answerError(err);
      return;
    }
    if (this.server.logger.verboseLevel !== 0) {
      logRequestOutcome(
        this.server.logger,
        'HTTP',
        response.modelName,
        response.modelVersion,
        response.id,
        'OK',
      );
    }
    if (this.trace !== null) traceHttpSend(this.trace, this.res);
    const headers: Record<string, string | number> = {
      'Content-Type': encoded.contentType,
      'Server-Timing': serverTiming(response),
    };
    if (encoded.headerLength !== undefined) headers['Inference-Header-Content-Length'] = encoded.headerLength;
    const encoding = pickResponseEncoding(this.acceptEncoding);
    const res = this.res;
    if (encoding !== null) {
      headers['Content-Encoding'] = encoding;
      void compress(Buffer.concat(encoded.chunks), encoding).then((packed) => {
        headers['Content-Length'] = packed.length;
        res.writeHead(200, headers);
        res.end(packed);
      });
      return;
    }
    let length = 0;
    for (const c of encoded.chunks) length += c.length;
    headers['Content-Length'] = length;
    res.writeHead(200, headers);
    if (encoded.chunks.length === 1) {
      res.end(encoded.chunks[0]);
      return;
    }
    if (length <= SINGLE_WRITE_MAX_BYTES) {
      // One copy is cheaper than a write per chunk through the stream machinery.
      res.end(Buffer.concat(encoded.chunks, length));
      return;
    }
    res.cork();
    for (const c of encoded.chunks) res.write(c);
    res.end();
    res.uncork();
  }

  onError(_request: InferenceRequest, error: ServerError): void {
    if (this.finished) return;
    this.finish();
    this.answerError(error);
  }
}
