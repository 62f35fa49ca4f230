/**
 * Triton's sequence batcher for one model version: admits requests by correlation id (START
 * opens a sequence, END closes it, anything else must belong to a live one), gives each sequence
 * a slot of one instance or parks it in the backlog, keeps every instance it is not running on
 * (so it can pick the instance a batch must run on), lets the strategy (direct/oldest) choose the
 * rows, and expires sequences idle for `max_sequence_idle_microseconds`. One Timer serves the
 * batch delays and the idle expiry. Execution and implicit state are sequence-batch.ts's.
 */
import {
  cancelled,
  FixedQueue,
  invalidArg,
  realTimerFactory,
  type Timer,
  type TimerFactory,
  type TimerTarget,
  unavailable,
} from '../../common/index.js';
import { type InferenceRequest, RequestState } from '../inference-request.js';
import type { InstanceSlot, PoolListener } from '../instance-pool.js';
import { ResponseOrderGate } from '../response-order-gate.js';
import type { Scheduler, SchedulerContext } from '../scheduler.js';
import { SchedulingLoop } from '../scheduling-loop.js';
import type { BatchRow } from './batch-row.js';
import { ControlInputs } from './control-inputs.js';
import { DirectStrategy } from './direct-strategy.js';
import { OldestStrategy } from './oldest-strategy.js';
import { Sequence } from './sequence.js';
import { SequenceBatch, type SequenceBatchListener, type SequenceBatchPlan } from './sequence-batch.js';
import { formatSequenceId, readSequenceFlags, type SequenceId } from './sequence-flags.js';
import type { SequenceStrategy } from './sequence-strategy.js';
import { SlotAllocator, type SlotRef } from './slot-allocator.js';
import { resolveStates } from './state-plan.js';

/** Options of a SequenceBatcher beyond its context. */
export interface SequenceBatcherOptions {
  /** Makes the batcher's one timer; default setTimeout-based (tests pass ManualTimers). */
  timerFactory?: TimerFactory;
  /** Model directory, for initial_state data files; default the context's `modelDir`. */
  modelDir?: string;
}

/** Expired ids remembered for the "expired" error, oldest forgotten first. */
const EXPIRED_MEMORY = 4096;

/** The sequence batcher (both strategies). */
export class SequenceBatcher implements Scheduler, PoolListener, TimerTarget, SequenceBatchListener {
  private readonly context: SchedulerContext;
  private readonly strategy: SequenceStrategy;
  private readonly allocator: SlotAllocator;
  private readonly timer: Timer;
  private readonly plan: SequenceBatchPlan;
  /** Live sequences by id (a sequence leaves when its END is queued). */
  private readonly table = new Map<SequenceId, Sequence>();
  private readonly backlog = new FixedQueue<Sequence>();
  /** Idle sequences in the order they went idle (so the first expires first). */
  private readonly idleSet = new Map<Sequence, true>();
  /** Recently expired ids → how long they had been idle (ns). */
  private readonly expired = new Map<SequenceId, number>();
  /** Instance slots held by this batcher (null while the pool has it, e.g. restarting). */
  private readonly held: (InstanceSlot | null)[];
  private readonly running: boolean[];
  private readonly idleNs: number;
  private readonly rowsScratch: BatchRow[] = [];
  private readonly slotScratch: SlotRef = { instance: 0, position: 0 };
  private pending = 0;
  private executing = 0;
  private closed = false;
  /** Runs schedulePass without nesting, then re-arms the timer. */
  private readonly loop = new SchedulingLoop(
    () => this.schedulePass(),
    () => this.armTimer(),
  );
  private idleWaiters: (() => void)[] = [];

  constructor(context: SchedulerContext, options: SequenceBatcherOptions = {}) {
    const { config, plan, pool } = context;
    const sb = config.sequence_batching!;
    if (plan.decoupled) {
      throw invalidArg(
        'ERR_SEQUENCE_STATE_CONFIG',
        `Model '${context.modelName}' is decoupled: sequence batching of decoupled models is not supported`,
      );
    }
    const instances = pool.slots.length;
    this.context = context;
    this.strategy =
      sb.oldest !== undefined
        ? new OldestStrategy(config, plan, instances)
        : new DirectStrategy(config, plan, instances);
    this.allocator = new SlotAllocator(instances, this.strategy.slotsPerInstance);
    this.timer = (options.timerFactory ?? realTimerFactory)(context.clock, this);
    this.idleNs = sb.max_sequence_idle_microseconds * 1000;
    const states = resolveStates(config, options.modelDir ?? context.modelDir);
    if (states.length > 0 && context.implicitState !== true) {
      throw invalidArg(
        'ERR_SEQUENCE_STATE_CONFIG',
        `Model '${context.modelName}': its backend does not carry implicit state between executions (ONNX Runtime models do; a JavaScript model keeps its own state)`,
      );
    }
    this.plan = {
      context,
      controls: new ControlInputs(config),
      states,
      listener: this,
      responder: sb.oldest?.preserve_ordering ? new ResponseOrderGate() : null,
    };
    this.held = new Array(instances).fill(null);
    this.running = new Array(instances).fill(false);
    pool.setListener(this);
    this.takeFreeSlots();
  }

  get pendingCount(): number {
    return this.pending;
  }

  get executingCount(): number {
    return this.executing;
  }

  /** Live sequences (holding a slot or backlogged). */
  get sequenceCount(): number {
    return this.table.size;
  }

  enqueue(request: InferenceRequest): void {
    const { modelName, clock } = this.context;
    if (this.closed) throw unavailable('ERR_MODEL_UNLOADING', `Model '${modelName}' is unloading`);
    const flags = readSequenceFlags(request, modelName);
    this.plan.controls.checkId(flags.id, modelName);
    const now = clock.nowNs();
    if (request.arrivalNs < 0) request.arrivalNs = now;
    let seq = this.table.get(flags.id);
    if (seq === undefined) {
      if (!flags.start) throw this.notStarted(flags.id);
      seq = new Sequence(flags.id);
      this.table.set(flags.id, seq);
      this.expired.delete(flags.id);
      if (!this.assign(seq)) this.backlog.push(seq);
    } else if (flags.start) {
      this.context.logger.logWarning(
        `sequence ${formatSequenceId(flags.id)} for model '${modelName}' has a conflict. The previous sequence did not end before this sequence start. Previous sequence will be terminated early.`,
      );
    }
    request.state = RequestState.QUEUED;
    request.schedulerData = seq;
    seq.queue.push(request);
    this.pending++;
    if (seq.idleSinceNs >= 0) {
      this.idleSet.delete(seq);
      seq.idleSinceNs = -1;
    }
    if (flags.end) {
      seq.ending = true;
      this.table.delete(flags.id);
    }
    if (seq.dispatchable) this.strategy.onDispatchable(seq);
    this.schedule();
  }

  cancel(request: InferenceRequest): boolean {
    if (request.state !== RequestState.QUEUED) return false;
    const seq = request.schedulerData as Sequence;
    if (!(seq instanceof Sequence) || !seq.queue.remove(request)) return false;
    const { reporter, modelName, clock } = this.context;
    const now = clock.nowNs();
    this.pending--;
    request.state = RequestState.DONE;
    reporter.cancelled(now - request.arrivalNs);
    // As in Triton, cancelling a request cancels the rest of its sequence.
    const error = cancelled(
      'ERR_SEQUENCE_CANCELLED',
      `Sequence ${formatSequenceId(seq.id)} of model '${modelName}' was cancelled`,
    );
    for (const other of seq.queue.drain()) {
      this.pending--;
      other.state = RequestState.DONE;
      reporter.cancelled(now - other.arrivalNs);
      other.sink.onError(other, error);
    }
    this.strategy.onEmptied(seq);
    if (this.table.get(seq.id) === seq) this.table.delete(seq.id);
    seq.ending = true;
    if (!seq.inFlight) this.release(seq);
    this.schedule();
    this.notifyIdle();
    return true;
  }

  onSlotAvailable(): void {
    this.takeFreeSlots();
    this.schedule();
  }

  onTimer(): void {
    this.schedule();
  }

  onSequenceBatchDone(instance: number, rows: readonly BatchRow[]): void {
    this.running[instance] = false;
    if (this.closed) this.releaseHeld(instance);
    const now = this.context.clock.nowNs();
    for (let i = 0; i < rows.length; i++) {
      const seq = rows[i]!.sequence;
      if (seq === null) continue;
      seq.inFlight = false;
      this.executing--;
      if (seq.queue.length > 0) {
        if (seq.instance >= 0) this.strategy.onDispatchable(seq);
      } else if (seq.ending) {
        this.release(seq);
      } else if (!seq.released) {
        seq.idleSinceNs = now;
        this.idleSet.set(seq, true);
      }
    }
    this.schedule();
    this.notifyIdle();
  }

  idle(): Promise<void> {
    if (this.pending === 0 && this.executing === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.timer.cancel();
    const error = unavailable(
      'ERR_MODEL_UNLOADING',
      `Model '${this.context.modelName}' was unloaded before the request ran`,
    );
    const sequences = new Set<Sequence>([...this.table.values(), ...this.backlog.drain()]);
    for (const seq of sequences) {
      for (const request of seq.queue.drain()) {
        this.pending--;
        request.state = RequestState.DONE;
        request.sink.onError(request, error);
      }
    }
    this.table.clear();
    this.idleSet.clear();
    // Give the held instances back so the pool can drain and close them.
    for (let i = 0; i < this.held.length; i++) if (!this.running[i]) this.releaseHeld(i);
    this.notifyIdle();
  }

  /** Returns instance `i` to the pool (after a crash, or at close). */
  private releaseHeld(i: number): void {
    const slot = this.held[i];
    if (slot == null) return;
    this.held[i] = null;
    this.context.pool.release(slot);
  }

  /** Gives `seq` a free slot; false when none is free. */
  private assign(seq: Sequence): boolean {
    const slot = this.slotScratch;
    if (!this.allocator.acquire(slot)) return false;
    seq.instance = slot.instance;
    seq.position = slot.position;
    this.strategy.onAssigned(seq);
    return true;
  }

  /** Frees the slot of a sequence that ended, expired or was cancelled; hands it to the backlog. */
  private release(seq: Sequence): void {
    if (seq.released) return;
    seq.released = true;
    if (seq.idleSinceNs >= 0) {
      this.idleSet.delete(seq);
      seq.idleSinceNs = -1;
    }
    seq.states = null;
    if (seq.instance < 0) return; // still backlogged: its backlog entry is skipped
    this.strategy.onReleased(seq);
    this.allocator.release(seq.instance, seq.position);
    seq.instance = -1;
    while (this.allocator.freeCount > 0 && this.backlog.length > 0) {
      const next = this.backlog.shift()!;
      if (next.released) continue;
      this.assign(next);
      if (next.dispatchable) this.strategy.onDispatchable(next);
    }
  }

  private notStarted(id: SequenceId): Error {
    const { modelName } = this.context;
    const idleNs = this.expired.get(id);
    const text = formatSequenceId(id);
    if (idleNs !== undefined) {
      return invalidArg(
        'ERR_SEQUENCE_EXPIRED',
        `Sequence ${text} of model '${modelName}' expired after ${(idleNs / 1e6).toFixed(0)} ms without requests (max_sequence_idle_microseconds ${this.idleNs / 1000}); its state was released, so start it again with the START flag`,
      );
    }
    return invalidArg(
      'ERR_SEQUENCE_NOT_STARTED',
      `inference request for sequence ${text} to model '${modelName}' must specify the START flag on the first request of the sequence`,
    );
  }

  private takeFreeSlots(): void {
    if (this.closed) return;
    for (let slot = this.context.pool.acquire(); slot !== null; slot = this.context.pool.acquire()) {
      this.held[slot.index] = slot;
    }
  }

  /** Expires idle sequences and sends batches to idle instances, then re-arms the timer. */
  private schedule(): void {
    this.loop.run();
  }

  private schedulePass(): void {
    if (this.closed) return;
    const now = this.context.clock.nowNs();
    this.expireIdle(now);
    const rows = this.rowsScratch;
    for (let i = 0; i < this.held.length; i++) {
      if (this.running[i]) continue;
      const slot = this.held[i];
      if (slot === null) continue;
      if (!slot.alive) {
        this.releaseHeld(i);
        continue;
      }
      rows.length = 0;
      this.strategy.pick(i, now, rows);
      if (rows.length > 0) this.dispatch(i, slot, rows.slice());
    }
  }

  private dispatch(instance: number, slot: InstanceSlot, rows: BatchRow[]): void {
    const gate = this.plan.responder as ResponseOrderGate | null;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (row.request === null) continue;
      row.sequence!.inFlight = true;
      this.pending--;
      this.executing++;
      gate?.assign(row.request);
    }
    this.running[instance] = true;
    new SequenceBatch(this.plan, instance, rows).start(slot);
  }

  private expireIdle(now: number): void {
    for (const seq of this.idleSet.keys()) {
      const idleFor = now - seq.idleSinceNs;
      if (idleFor < this.idleNs) return;
      if (this.table.get(seq.id) === seq) this.table.delete(seq.id);
      this.expired.set(seq.id, idleFor);
      if (this.expired.size > EXPIRED_MEMORY) this.expired.delete(this.expired.keys().next().value!);
      this.context.logger.verbose(
        1,
        `Sequence ${formatSequenceId(seq.id)} of model '${this.context.modelName}' expired after ${(idleFor / 1e6).toFixed(0)} ms idle`,
      );
      this.release(seq);
    }
  }

  /** One timer for the earliest of the strategies' batch deadlines and the next idle expiry. */
  private armTimer(): void {
    if (this.closed) return;
    let deadline = 0;
    for (const seq of this.idleSet.keys()) {
      deadline = seq.idleSinceNs + this.idleNs;
      break;
    }
    for (let i = 0; i < this.held.length; i++) {
      if (this.running[i]) continue;
      const d = this.strategy.deadlineNs(i);
      if (d !== 0 && (deadline === 0 || d < deadline)) deadline = d;
    }
    if (deadline === 0) this.timer.cancel();
    else if (deadline !== this.timer.deadlineNs) this.timer.armAt(deadline);
  }

  private notifyIdle(): void {
    if (this.pending !== 0 || this.executing !== 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
