/**
 * The load loop of one worker thread, on the project's client library: a closed loop that keeps
 * N slots busy (concurrency mode) or an open-loop schedule with constant or exponential
 * inter-arrival times (request-rate mode); unary calls or one gRPC ModelStreamInfer stream;
 * round-robin input data or sequences with sequence_id/start/end. Completed requests go to the
 * WindowRecorder. Messaging with the coordinator is load-worker.ts's job.
 */
import { performance } from 'node:perf_hooks';
import {
  GrpcClient,
  HttpClient,
  InferenceServerError,
  InferInput,
  type InferOptions,
  type InferResult,
  type InferStream,
  type StreamInferRequest,
} from '../../client/index.js';
import type { DataType } from '../../protocol/index.js';
import { type ContextOwner, RequestContext, SeededUniform, SequenceState } from './request-context.js';
import { WindowRecorder } from './window-recorder.js';
import type { LoadJob, WindowSample, WorkerTotals } from './worker-protocol.js';

const LATE_MS = 1;

/** Runs one worker's load (see the file header). */
export class LoadEngine implements ContextOwner {
  private readonly job: LoadJob;
  private readonly http: HttpClient | null;
  private readonly grpc: GrpcClient | null;
  private stream: InferStream | null = null;
  private readonly pendingById = new Map<string, RequestContext>();
  private readonly streams: InferInput[][][];
  private readonly flatSteps: InferInput[][];
  private readonly unaryOptions: InferOptions;
  private readonly random: SeededUniform;
  private readonly recorder = new WindowRecorder();
  private readonly slots: RequestContext[] = [];
  private readonly free: RequestContext[] = [];
  private readonly rateSequences: SequenceState[] = [];
  private targetSlots = 0;
  private ratePerMs = 0;
  private poisson = false;
  private nextDueMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly tickBound: () => void;
  private stepCounter = 0;
  private rateSequenceCounter = 0;
  private nextSequenceId: number;
  private streamCounter = 0;
  private contextCounter = 0;
  private inFlight = 0;
  private stopping = false;
  private broken = false;
  private drained: (() => void) | null = null;
  private readonly totals: WorkerTotals = { sent: 0, completed: 0, errors: 0, responses: 0 };

  constructor(job: LoadJob) {
    this.job = job;
    this.random = new SeededUniform(job.seed);
    this.streams = job.streams.map((stream) =>
      stream.map((step) =>
        step.map((t) => InferInput.fromBytes(t.name, t.datatype as DataType, t.shape, t.data)),
      ),
    );
    this.flatSteps = this.streams.flat();
    this.unaryOptions = { modelVersion: job.modelVersion };
    this.nextSequenceId = job.sequence?.idStart ?? 0;
    if (job.protocol === 'http') {
      this.http = new HttpClient(job.url, { connections: job.connections, headers: job.headers });
      this.grpc = null;
    } else {
      this.http = null;
      this.grpc = new GrpcClient(job.url, { headers: job.headers });
    }
    if (job.streaming) this.openStream();
    for (let i = 0; i < (job.sequence?.count ?? 0); i++) this.rateSequences.push(new SequenceState());
    this.tickBound = this.tick.bind(this);
  }

  /** Keeps `slots` requests in flight (stops open-loop sending). */
  setConcurrency(slots: number): void {
    this.stopTimer();
    this.ratePerMs = 0;
    this.targetSlots = slots;
    while (this.slots.length < slots) {
      const index = this.slots.length;
      this.slots.push(
        new RequestContext(this, `${this.job.workerIndex}-${index}`, index, this.job.sequence !== null),
      );
    }
    for (let i = 0; i < slots; i++) if (!this.slots[i]!.busy) this.issue(this.slots[i]!);
  }

  /** Sends `perSecond` requests per second on a constant or poisson schedule (closed loop stops). */
  setRate(perSecond: number, distribution: 'constant' | 'poisson'): void {
    this.targetSlots = 0;
    this.ratePerMs = perSecond / 1000;
    this.poisson = distribution === 'poisson';
    this.nextDueMs = performance.now();
    this.stopTimer();
    if (this.ratePerMs > 0) this.tick();
  }

  /** Closes the current window. */
  rotate(): WindowSample {
    return this.recorder.rotate(this.inFlight);
  }

  /** Stops sending, waits for in-flight requests and closes the client. */
  async stop(): Promise<WorkerTotals> {
    this.stopping = true;
    this.targetSlots = 0;
    this.stopTimer();
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
      });
    }
    this.stream?.end();
    if (this.http !== null) await this.http.close();
    this.grpc?.close();
    return { ...this.totals };
  }

  /** A response arrived: complete the request unless a decoupled model has more to send. */
  onResponse(context: RequestContext, result: InferResult): void {
    if (this.job.decoupled) {
      if (result.outputs.length > 0) context.responses++;
      if (!result.isFinal) return;
    } else {
      context.responses++;
    }
    const latencyUs = (performance.now() - context.startMs) * 1000;
    this.recorder.complete(latencyUs, context.sendUs, context.responses);
    this.totals.completed++;
    this.totals.responses += context.responses;
    this.finish(context);
  }

  /** The request failed. */
  onFailure(context: RequestContext, error: unknown): void {
    this.recorder.fail(error instanceof Error ? error.message : String(error), context.responses);
    this.totals.errors++;
    this.totals.responses += context.responses;
    this.finish(context);
  }

  private finish(context: RequestContext): void {
    context.busy = false;
    if (this.job.streaming) this.pendingById.delete(context.id);
    this.inFlight--;
    if (context.slot >= 0) {
      if (!this.stopping && !this.broken && context.slot < this.targetSlots) this.issue(context);
    } else {
      this.free.push(context);
    }
    if (this.inFlight === 0 && this.drained !== null) {
      const drained = this.drained;
      this.drained = null;
      drained();
    }
  }

  private tick(): void {
    this.timer = null;
    if (this.ratePerMs <= 0 || this.stopping || this.broken) return;
    const now = performance.now();
    while (this.nextDueMs <= now) {
      let context = this.free.pop();
      if (context === undefined) {
        context = new RequestContext(this, `${this.job.workerIndex}-r${this.contextCounter++}`, -1, false);
      }
      this.recorder.sentOne(now - this.nextDueMs > LATE_MS);
      this.issue(context, true);
      const meanMs = 1 / this.ratePerMs;
      this.nextDueMs += this.poisson ? -Math.log(1 - this.random.next()) * meanMs : meanMs;
    }
    this.timer = setTimeout(this.tickBound, Math.max(0, this.nextDueMs - performance.now()));
  }

  private stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private issue(context: RequestContext, counted = false): void {
    let inputs: InferInput[];
    let options = this.unaryOptions;
    const sequence = this.job.sequence === null ? null : (context.sequence ?? this.nextRateSequence());
    if (sequence !== null) {
      if (sequence.remaining === 0) this.startSequence(sequence);
      const stream = this.streams[sequence.stream]!;
      inputs = stream[sequence.step % stream.length]!;
      options = {
        modelVersion: this.job.modelVersion,
        sequenceId: sequence.id,
        sequenceStart: sequence.step === 0,
        sequenceEnd: sequence.remaining === 1,
      };
      sequence.step++;
      sequence.remaining--;
    } else {
      inputs = this.flatSteps[this.stepCounter++ % this.flatSteps.length]!;
    }
    if (!counted) this.recorder.sentOne(false);
    this.totals.sent++;
    this.inFlight++;
    context.busy = true;
    context.responses = 0;
    const t0 = performance.now();
    context.startMs = t0;
    if (this.stream !== null) {
      this.pendingById.set(context.id, context);
      const request: StreamInferRequest = {
        model: this.job.model,
        inputs,
        modelVersion: options.modelVersion,
        requestId: context.id,
        sequenceId: options.sequenceId,
        sequenceStart: options.sequenceStart,
        sequenceEnd: options.sequenceEnd,
        enableEmptyFinalResponse: this.job.decoupled,
      };
      try {
        this.stream.send(request);
      } catch (err) {
        this.broken = true;
        context.sendUs = 0;
        this.onFailure(context, err);
        return;
      }
    } else if (this.http !== null) {
      this.http.infer(this.job.model, inputs, options).then(context.resolve, context.reject);
    } else {
      this.grpc!.infer(this.job.model, inputs, options).then(context.resolve, context.reject);
    }
    context.sendUs = (performance.now() - t0) * 1000;
  }

  private nextRateSequence(): SequenceState {
    return this.rateSequences[this.rateSequenceCounter++ % this.rateSequences.length]!;
  }

  private startSequence(sequence: SequenceState): void {
    const seq = this.job.sequence!;
    const spread = (seq.length * seq.variationPct) / 100;
    const length = Math.max(1, Math.round(seq.length + (this.random.next() * 2 - 1) * spread));
    sequence.id = this.nextSequenceId++;
    if (this.nextSequenceId >= seq.idEnd) this.nextSequenceId = seq.idStart;
    sequence.remaining = length;
    sequence.step = 0;
    sequence.stream = this.streamCounter++ % this.streams.length;
  }

  private openStream(): void {
    this.stream = this.grpc!.stream({ headers: this.job.headers });
    void this.readStream(this.stream);
  }

  private async readStream(stream: InferStream): Promise<void> {
    try {
      for await (const item of stream) {
        const id = item.requestId;
        const context = this.pendingById.get(id);
        if (context === undefined) continue;
        if (item instanceof InferenceServerError) this.onFailure(context, item);
        else this.onResponse(context, item);
      }
    } catch (err) {
      this.broken = true;
      for (const context of [...this.pendingById.values()]) this.onFailure(context, err);
      return;
    }
    if (this.pendingById.size > 0) {
      this.broken = true;
      const error = new Error('The inference stream ended before every request was answered');
      for (const context of [...this.pendingById.values()]) this.onFailure(context, error);
    }
  }
}
