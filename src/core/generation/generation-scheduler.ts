/**
 * The generation scheduler of a llama.cpp model (continuous batching, the main-thread half): it
 * admits requests (prompt, sampling and bounds checked in `prepare`), queues them in Triton's
 * PriorityQueue with the model's queue policy (max_queue_size → 503 + Retry-After, priorities,
 * timeouts), hands each to a free sequence slot of an instance the moment one frees up, and turns
 * the instances' step events into decoupled responses: one per token while streaming, one with the
 * whole text otherwise, the last flagged final. A cancelled request (client gone) is stopped within
 * one decode step and answered CANCELLED; its slot goes to the next waiting request at once. The
 * decode loop itself runs in the instances' workers (backends/llama-cpp/generation-engine.ts).
 *
 *   enqueue ─▶ PriorityQueue ─(free slot)─▶ instance.startSequence ─▶ … step events … ─▶ sink
 *                                        ◀── finish frees the slot ── dispatch the next request
 */
import {
  FinishCode,
  type GenerationInstance,
  type GenerationListener,
  isGenerationInstance,
} from '../../backends/index.js';
import {
  cancelled,
  invalidArg,
  realTimerFactory,
  type ServerError,
  Status,
  type Timer,
  type TimerFactory,
  type TimerTarget,
  unavailable,
} from '../../common/index.js';
import {
  DEFAULT_GENERATION_MAX_QUEUE_SIZE,
  isDeterministic,
  isLlamaCppConfig,
  type LlamaCppParameters,
  resolveLlamaCppParameters,
} from '../../config/index.js';
import type { DynamicBatching, ModelConfig, QueuePolicy } from '../../protocol/index.js';
import { type InferenceRequest, RequestState } from '../inference-request.js';
import type { PoolListener } from '../instance-pool.js';
import { PriorityQueue } from '../priority-queue.js';
import { rejectExpired, rejectUnloaded } from '../queue-answers.js';
import type { GenerationLoad, Scheduler, SchedulerContext, SchedulerFactory } from '../scheduler.js';
import { SchedulingLoop } from '../scheduling-loop.js';
import { type GenerationRequest, readGenerationRequest } from './generation-request.js';
import { GenerationRun } from './generation-run.js';

/** Options of a GenerationScheduler beyond its context. */
export interface GenerationSchedulerOptions {
  /** Makes the scheduler's one timer (queue timeouts); default setTimeout-based. */
  timerFactory?: TimerFactory;
}

/** Weight of the newest request in the running mean request time used for Retry-After. */
const RUN_TIME_EWMA_WEIGHT = 0.2;

/** A queue policy whose max_queue_size 0 (unbounded in Triton) gets the generation default bound. */
function boundedPolicy(policy: QueuePolicy | undefined): QueuePolicy {
  const base: QueuePolicy = policy ?? {
    timeout_action: 'REJECT',
    default_timeout_microseconds: 0,
    allow_timeout_override: false,
    max_queue_size: 0,
  };
  return base.max_queue_size > 0 ? base : { ...base, max_queue_size: DEFAULT_GENERATION_MAX_QUEUE_SIZE };
}

/** The queue config of a generation model: its dynamic_batching block, every level bounded. */
export function generationQueueConfig(config: ModelConfig): DynamicBatching {
  const db = config.dynamic_batching;
  const levels: Record<string, QueuePolicy> = {};
  for (const [level, policy] of Object.entries(db?.priority_queue_policy ?? {})) {
    levels[level] = boundedPolicy(policy);
  }
  return {
    preferred_batch_size: [],
    max_queue_delay_microseconds: 0,
    preserve_ordering: false,
    priority_levels: db?.priority_levels ?? 0,
    default_priority_level: db?.default_priority_level ?? 0,
    default_queue_policy: boundedPolicy(db?.default_queue_policy),
    priority_queue_policy: levels,
  };
}

/** Continuous batching over the sequence slots of a model's instances. */
export class GenerationScheduler implements Scheduler, PoolListener, GenerationListener, TimerTarget {
  /** The model's llama.cpp parameters. */
  readonly params: LlamaCppParameters;
  private readonly context: SchedulerContext;
  private readonly queue: PriorityQueue;
  private readonly timer: Timer;
  /** The instance of each pool slot (replaced when one restarts). */
  private readonly instances: GenerationInstance[];
  /** The run in each sequence slot of each instance (null = free). */
  private readonly runs: (GenerationRun | null)[][];
  /** Free sequence slots per instance. */
  private readonly freeSlots: number[];
  private readonly rejected: InferenceRequest[] = [];
  private readonly loop = new SchedulingLoop(
    () => this.schedulePass(),
    () => this.armTimer(),
  );
  private running = 0;
  private nextSerial = 0;
  private closed = false;
  private meanRunNs = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(context: SchedulerContext, options: GenerationSchedulerOptions = {}) {
    this.context = context;
    this.params = resolveLlamaCppParameters(context.config);
    this.queue = new PriorityQueue(generationQueueConfig(context.config));
    this.timer = (options.timerFactory ?? realTimerFactory)(context.clock, this);
    this.instances = [];
    this.runs = [];
    this.freeSlots = [];
    for (const slot of context.pool.slots) {
      const instance = slot.instance;
      if (!isGenerationInstance(instance)) {
        throw invalidArg(
          'ERR_INVALID_CONFIG',
          `Model '${context.modelName}' needs generation instances for the generation scheduler: instance '${instance.name}' is not one`,
        );
      }
      instance.setGenerationListener(this);
      this.instances.push(instance);
      this.runs.push(new Array<GenerationRun | null>(instance.slotCount).fill(null));
      this.freeSlots.push(instance.slotCount);
    }
    context.pool.setListener(this);
  }

  /** Tokens per sequence (prompt and output), the same on every instance. */
  get contextLength(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const instance of this.instances) if (instance.contextLength < min) min = instance.contextLength;
    return Number.isFinite(min) ? min : 0;
  }

  get pendingCount(): number {
    return this.queue.size;
  }

  get executingCount(): number {
    return this.running;
  }

  generationLoad(): GenerationLoad {
    let total = 0;
    for (const instance of this.instances) total += instance.slotCount;
    return { running: this.running, waiting: this.queue.size, slotsUsed: this.running, slotsTotal: total };
  }

  prepare(request: InferenceRequest): void {
    const outputs = request.outputs;
    if (outputs !== null) {
      for (const o of outputs) {
        if (o.classCount !== 0) {
          throw invalidArg(
            'ERR_CLASSIFICATION',
            `Output '${o.name}' of generation model '${request.modelName}' cannot be classified: received classification ${o.classCount}`,
          );
        }
      }
    }
    request.schedulerData = readGenerationRequest(request, this.params, this.contextLength);
  }

  cacheSalt(request: InferenceRequest): string | null {
    const generation = request.schedulerData as GenerationRequest;
    const start = generation.start;
    if (!isDeterministic(start.sampling)) return null;
    return JSON.stringify([start.sampling, start.maxTokens]);
  }

  enqueue(request: InferenceRequest): void {
    const { modelName, clock } = this.context;
    if (this.closed) throw unavailable('ERR_MODEL_UNLOADING', `Model '${modelName}' is unloading`);
    if (request.schedulerData === undefined) this.prepare(request);
    const now = clock.nowNs();
    if (request.arrivalNs < 0) request.arrivalNs = now;
    const level = this.queue.levelOf(request);
    if (this.queue.isFull(level)) {
      const max = this.queue.policyOf(level).maxQueueSize;
      throw unavailable(
        'ERR_QUEUE_FULL',
        `Exceeds maximum queue size: model '${modelName}' already queues ${max} requests at priority level ${level} (max_queue_size ${max})`,
        this.retryAfterS(),
      );
    }
    this.queue.push(request, level, now);
    this.loop.run();
  }

  cancel(request: InferenceRequest): boolean {
    if (request.state === RequestState.QUEUED) {
      if (!this.queue.remove(request)) return false;
      request.state = RequestState.DONE;
      this.context.reporter.cancelled(this.context.clock.nowNs() - request.arrivalNs);
      this.notifyIdle();
      return true;
    }
    const run = request.schedulerData;
    if (request.state !== RequestState.EXECUTING || !(run instanceof GenerationRun)) return false;
    if (this.runs[run.instanceIndex]?.[run.slot] !== run || run.cancelRequested) return false;
    run.cancelRequested = true;
    run.instance.cancelSequence(run.slot, run.serial);
    return false;
  }

  onSlotAvailable(): void {
    // A restarted instance replaces the dead one in its pool slot.
    const slots = this.context.pool.slots;
    for (let i = 0; i < slots.length; i++) {
      const instance = slots[i]!.instance;
      if (instance !== this.instances[i] && isGenerationInstance(instance)) {
        instance.setGenerationListener(this);
        this.instances[i] = instance;
      }
    }
    this.loop.run();
  }

  onTimer(): void {
    this.loop.run();
  }

  onSequenceEvent(
    instance: GenerationInstance,
    slot: number,
    serial: number,
    text: string,
    tokens: number,
    promptTokens: number,
    finish: number,
    error: ServerError | null,
  ): void {
    const index = this.instances.indexOf(instance);
    const run = index < 0 ? null : this.runs[index]![slot];
    if (run === null || run === undefined || run.serial !== serial) return;
    const { clock, reporter, modelName, versionString } = this.context;
    const now = clock.nowNs();
    if (promptTokens >= 0) run.promptTokens = promptTokens;
    if (tokens > 0) {
      if (run.firstTokenNs < 0) {
        run.firstTokenNs = now;
        reporter.firstToken(run.promptTokens, now - run.request.arrivalNs);
        if (tokens > 1) reporter.nextTokens(tokens - 1, 0);
      } else {
        reporter.nextTokens(tokens, now - run.lastTokenNs);
      }
      run.lastTokenNs = now;
      run.outputTokens += tokens;
      run.unsentTokens += tokens;
    }
    if (finish === FinishCode.NONE) {
      if (!run.generation.stream) {
        run.text += text;
      } else if (text !== '' && !run.cancelRequested) {
        const request = run.request;
        request.sink.onResponse(
          request,
          run.response(modelName, versionString, text, run.unsentTokens, 0, now),
          false,
        );
        run.unsentTokens = 0;
      }
      return;
    }
    this.runs[index]![slot] = null;
    this.freeSlots[index]!++;
    this.running--;
    this.finishRun(run, text, finish, error, now);
    this.loop.run();
    this.notifyIdle();
  }

  idle(): Promise<void> {
    if (this.queue.size === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.timer.cancel();
    rejectUnloaded(this.queue, this.context.modelName);
    this.notifyIdle();
  }

  /** Hands waiting requests to free slots, the least busy instance first; answers expired ones. */
  private schedulePass(): void {
    const now = this.context.clock.nowNs();
    if (this.queue.nextDeadlineNs !== 0 && now >= this.queue.nextDeadlineNs) {
      if (rejectExpired(this.queue, now, this.context, this.rejected) > 0) this.notifyIdle();
    }
    const pool = this.context.pool.slots;
    while (!this.closed && this.queue.size > 0) {
      let best = -1;
      for (let i = 0; i < this.instances.length; i++) {
        if (!pool[i]!.alive || this.freeSlots[i]! === 0) continue;
        if (best < 0 || this.freeSlots[i]! > this.freeSlots[best]!) best = i;
      }
      if (best < 0) return;
      this.start(best, this.queue.shift()!, now);
    }
  }

  private start(index: number, request: InferenceRequest, now: number): void {
    const runs = this.runs[index]!;
    const slot = runs.indexOf(null);
    const instance = this.instances[index]!;
    const run = new GenerationRun(
      request,
      request.schedulerData as GenerationRequest,
      ++this.nextSerial,
      instance,
      index,
      slot,
    );
    request.schedulerData = run;
    request.state = RequestState.EXECUTING;
    request.startNs = now;
    runs[slot] = run;
    this.freeSlots[index]!--;
    this.running++;
    instance.startSequence(slot, run.serial, run.generation.start);
  }

  /** Answers a finished run: its last response (STOP, LENGTH) or its error (ABORT, ERROR). */
  private finishRun(
    run: GenerationRun,
    text: string,
    finish: number,
    error: ServerError | null,
    now: number,
  ): void {
    const { reporter, modelName, versionString } = this.context;
    const request = run.request;
    request.state = RequestState.DONE;
    const totalNs = now - request.arrivalNs;
    const computeNs = now - request.startNs;
    reporter.executed(1, { computeInputNs: 0, computeInferNs: computeNs, computeOutputNs: 0 });
    reporter.generationEnded(totalNs);
    this.meanRunNs =
      this.meanRunNs === 0 ? computeNs : this.meanRunNs + RUN_TIME_EWMA_WEIGHT * (computeNs - this.meanRunNs);
    if (finish === FinishCode.STOP || finish === FinishCode.LENGTH) {
      const g = run.generation;
      const response = g.stream
        ? run.response(modelName, versionString, text, run.unsentTokens, finish, now)
        : run.response(
            modelName,
            versionString,
            (g.excludeInput ? '' : g.prompt) + run.text + text,
            run.outputTokens,
            finish,
            now,
          );
      reporter.succeeded(response.timing);
      request.sink.onResponse(request, response, true);
      return;
    }
    if (finish === FinishCode.ABORT && (run.cancelRequested || request.cancelled)) {
      reporter.cancelled(totalNs);
      request.sink.onError(request, cancelled('ERR_CANCELLED', 'Request was cancelled'));
      return;
    }
    const failure =
      error ?? unavailable('ERR_MODEL_UNLOADING', `Model '${modelName}' stopped before the request finished`);
    reporter.failed(failure.status === Status.INVALID_ARG ? 'OTHER' : 'BACKEND', totalNs);
    request.sink.onError(request, failure);
  }

  private armTimer(): void {
    if (this.closed) return;
    const deadline = this.queue.nextDeadlineNs;
    if (deadline === 0) this.timer.cancel();
    else if (deadline !== this.timer.deadlineNs) this.timer.armAt(deadline);
  }

  /** Seconds until a retry may be admitted: the queue's turns through all slots times the mean request time; at least 1. */
  private retryAfterS(): number {
    let slots = 0;
    for (const instance of this.instances) slots += instance.slotCount;
    const rounds = Math.ceil((this.queue.size + 1) / Math.max(1, slots));
    return Math.max(1, Math.ceil((rounds * this.meanRunNs) / 1e9));
  }

  private notifyIdle(): void {
    if (this.queue.size !== 0 || this.running !== 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** Builds a factory for the generation scheduler with the given options (e.g. an injected timer). */
export function createGenerationSchedulerFactory(options: GenerationSchedulerOptions = {}): SchedulerFactory {
  return {
    name: 'generation',
    matches: (config: ModelConfig) => isLlamaCppConfig(config),
    create: (context) => new GenerationScheduler(context, options),
  };
}

/** Selects the generation scheduler for llama.cpp models. */
export const generationSchedulerFactory: SchedulerFactory = createGenerationSchedulerFactory();
