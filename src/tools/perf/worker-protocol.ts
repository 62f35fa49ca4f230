/**
 * The messages between the perf coordinator (main thread) and its load worker threads: the
 * job a worker starts with, the load commands it obeys, and the window samples and totals it
 * answers with. Types and tiny constructors only; the loops live in load-worker.ts.
 */

/** One input tensor of one request, as wire bytes (BYTES: 4-byte LE length + bytes per element). */
export interface WireInput {
  /** Input name. */
  name: string;
  /** Wire datatype. */
  datatype: string;
  /** Full shape, batch dimension included. */
  shape: number[];
  /** Row-major little-endian bytes. */
  data: Uint8Array;
}

/** The inputs of one request. */
export type InputStep = WireInput[];

/** Sequence settings of a worker (null when the model is not a sequence model). */
export interface WorkerSequenceJob {
  /** Mean requests per sequence. */
  length: number;
  /** Random length variation in percent. */
  variationPct: number;
  /** First sequence id this worker may use. */
  idStart: number;
  /** One past the last id this worker may use. */
  idEnd: number;
  /** Concurrent sequences in request-rate mode. */
  count: number;
}

/** What a load worker is started with (its workerData). */
export interface LoadJob {
  /** Worker number, 0-based. */
  workerIndex: number;
  /** Transport. */
  protocol: 'http' | 'grpc';
  /** Server address. */
  url: string;
  /** Model name. */
  model: string;
  /** Model version ('' = server's choice). */
  modelVersion: string;
  /** Input data streams: each a list of request inputs used in order (round-robin over all steps when not sequences). */
  streams: InputStep[][];
  /** Use one gRPC ModelStreamInfer stream for every request. */
  streaming: boolean;
  /** The model is decoupled: a request completes with its final response. */
  decoupled: boolean;
  /** Sequence settings, or null. */
  sequence: WorkerSequenceJob | null;
  /** Headers / metadata of every request. */
  headers: Record<string, string>;
  /** HTTP connections of this worker's pool. */
  connections: number;
  /** Seed of this worker's random numbers (poisson arrivals, sequence lengths). */
  seed: number;
}

/** Coordinator → worker: keep `slots` requests in flight (closed loop). */
export interface ConcurrencyCommand {
  type: 'concurrency';
  slots: number;
}

/** Coordinator → worker: send `perSecond` requests per second on a schedule (open loop). */
export interface RateCommand {
  type: 'rate';
  perSecond: number;
  distribution: 'constant' | 'poisson';
}

/** Coordinator → worker: close the current window and start the next; answered with a WindowSample. */
export interface RotateCommand {
  type: 'rotate';
  id: number;
}

/** Coordinator → worker: stop sending, wait for in-flight requests, answer with WorkerTotals. */
export interface StopCommand {
  type: 'stop';
}

/** Any coordinator → worker message. */
export type WorkerCommand = ConcurrencyCommand | RateCommand | RotateCommand | StopCommand;

/** What one worker saw during one window. */
export interface WindowSample {
  /** Requests completed (successfully) in the window. */
  count: number;
  /** Requests failed in the window. */
  errors: number;
  /** First error message of the window ('' when none). */
  firstError: string;
  /** Responses received (decoupled models send several per request). */
  responses: number;
  /** Latency of each completed request in microseconds (first `count` entries). */
  latenciesUs: Float64Array;
  /** Sum of the synchronous send time (encode + dispatch) of completed requests, in microseconds. */
  sendUsTotal: number;
  /** Window length as this worker measured it, in milliseconds. */
  durationMs: number;
  /** Event-loop busy time of this worker during the window, in milliseconds. */
  eluActiveMs: number;
  /** Event-loop utilisation of this worker during the window (0..1). */
  eluUtilization: number;
  /** Requests sent in the window. */
  sent: number;
  /** Requests sent more than 1 ms behind their schedule (request-rate mode). */
  delayed: number;
  /** Requests in flight when the window closed. */
  inFlight: number;
}

/** Worker → coordinator messages. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'window'; id: number; sample: WindowSample }
  | { type: 'stopped'; totals: WorkerTotals }
  | { type: 'failed'; message: string };

/** Everything a worker did since it started. */
export interface WorkerTotals {
  /** Requests sent. */
  sent: number;
  /** Requests completed successfully. */
  completed: number;
  /** Requests failed. */
  errors: number;
  /** Responses received. */
  responses: number;
}
