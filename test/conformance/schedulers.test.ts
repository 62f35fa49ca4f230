/**
 * Runs the scheduler conformance suite on every scheduling policy: the default scheduler, the
 * dynamic batcher, the sequence batcher, the ensemble scheduler (over a default-scheduled
 * composing model) and the generation scheduler (over a one-slot fake generation instance).
 * Instances are held by the test (HeldInstance, FakeGenerationInstance) so that completion is
 * under its control; the e2e suites run the same policies on real models.
 */
import type { BackendInstance } from '../../src/backends/backend.js';
import { FinishCode } from '../../src/backends/generation.js';
import { ManualClock } from '../../src/common/clock.js';
import { silentLogger } from '../../src/common/logger.js';
import { ManualTimers } from '../../src/common/timer.js';
import {
  completeLlamaCppConfig,
  normalizeModelConfig,
  parseModelConfig,
  validateModelConfig,
} from '../../src/config/index.js';
import { DefaultScheduler } from '../../src/core/default-scheduler.js';
import { DynamicBatcher } from '../../src/core/dynamic-batcher.js';
import { EnsembleScheduler } from '../../src/core/ensemble/ensemble-scheduler.js';
import { GenerationScheduler } from '../../src/core/generation/index.js';
import { InferenceRequest, type ResponseSink } from '../../src/core/inference-request.js';
import { InstancePool } from '../../src/core/instance-pool.js';
import { ModelPlan } from '../../src/core/model-plan.js';
import { ModelReporter } from '../../src/core/model-reporter.js';
import type { RequestObserver } from '../../src/core/request-observer.js';
import { validateRequest } from '../../src/core/request-validator.js';
import type { Scheduler, SchedulerContext } from '../../src/core/scheduler.js';
import { SequenceBatcher } from '../../src/core/sequence/sequence-batcher.js';
import { encodeBytesElements } from '../../src/protocol/bytes-tensor.js';
import type { Parameters } from '../../src/protocol/tensor.js';
import { HeldInstance } from '../unit/core/dynamic-batcher-harness.js';
import { FakeGenerationInstance } from '../unit/llm/fake-generation-instance.js';
import { runSchedulerConformance, type SchedulerUnderTest } from './scheduler.case.js';

const IO = `input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 2 ] } ]
output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 2 ] } ]`;

/** The context of model `name` version 1 from `configText`, on `instances`. */
function context(
  name: string,
  configText: string,
  instances: BackendInstance[],
  clock: ManualClock,
  observer: RequestObserver | null,
  infer?: (request: InferenceRequest) => void,
): SchedulerContext {
  const config = validateModelConfig(parseModelConfig(configText), { modelName: name });
  return {
    modelName: name,
    versionString: '1',
    config,
    plan: new ModelPlan(config, new Map()),
    pool: new InstancePool(instances, () => Promise.reject(new Error('no restarts')), silentLogger),
    reporter: new ModelReporter({ modelName: name, versionString: '1', clock, observer }),
    clock,
    logger: silentLogger,
    ...(infer === undefined ? {} : { infer }),
  };
}

/** A one-row FP32 [1, 2] request to `model`. */
function request(
  model: string,
  id: string,
  sink: ResponseSink,
  parameters: Parameters = {},
): InferenceRequest {
  return new InferenceRequest({
    modelName: model,
    id,
    parameters,
    inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, 2], data: new Uint8Array(8) }],
    sink,
  });
}

/** Builds the parts every fixture shares around one held instance. */
function underTest(
  build: (instance: HeldInstance, clock: ManualClock) => { scheduler: Scheduler; reporter: ModelReporter },
  options: { parameters?: (index: number) => Parameters; instances?: HeldInstance[] } = {},
): SchedulerUnderTest {
  const clock = new ManualClock(1_000_000_000);
  const instance = new HeldInstance('m_0', []);
  const held = options.instances ?? [instance];
  const { scheduler, reporter } = build(instance, clock);
  let made = 0;
  return {
    scheduler,
    reporter,
    clock,
    request: (id, sink) => request('m', id, sink, options.parameters?.(made++) ?? {}),
    finishAll() {
      for (let guard = 0; guard < 100; guard++) {
        const busy = held.find((i) => i.busy);
        if (busy === undefined) return;
        busy.finish();
      }
      throw new Error('Executions never stopped');
    },
    failOne(error) {
      held.find((i) => i.busy)!.fail(error);
    },
    cancel(r) {
      if (!scheduler.cancel(r)) throw new Error(`Request '${r.id}' was not removed`);
      return 'removed';
    },
  };
}

runSchedulerConformance({
  name: 'DefaultScheduler',
  failureReason: 'BACKEND',
  reportsExecutions: true,
  create: (observer) =>
    underTest((instance, clock) => {
      const ctx = context('m', `name: "m"\nmax_batch_size: 4\n${IO}`, [instance], clock, observer);
      return { scheduler: new DefaultScheduler(ctx), reporter: ctx.reporter };
    }),
});

runSchedulerConformance({
  name: 'DynamicBatcher',
  failureReason: 'BACKEND',
  reportsExecutions: true,
  create: (observer) =>
    underTest((instance, clock) => {
      const text = `name: "m"\nmax_batch_size: 4\n${IO}\ndynamic_batching { }`;
      const ctx = context('m', text, [instance], clock, observer);
      const timers = new ManualTimers(clock);
      return { scheduler: new DynamicBatcher(ctx, { timerFactory: timers.factory }), reporter: ctx.reporter };
    }),
});

runSchedulerConformance({
  name: 'SequenceBatcher',
  failureReason: 'BACKEND',
  reportsExecutions: true,
  create: (observer) =>
    underTest(
      (instance, clock) => {
        const text = `name: "m"\nmax_batch_size: 4\n${IO}\nsequence_batching { direct { } }`;
        const ctx = context('m', text, [instance], clock, observer);
        const timers = new ManualTimers(clock);
        return {
          scheduler: new SequenceBatcher(ctx, { timerFactory: timers.factory }),
          reporter: ctx.reporter,
        };
      },
      // Every request of a test belongs to sequence 1, which the first one starts.
      { parameters: (index) => ({ sequence_id: 1, sequence_start: index === 0 }) },
    ),
});

runSchedulerConformance({
  name: 'EnsembleScheduler',
  failureReason: 'OTHER',
  reportsExecutions: false,
  create: (observer) => {
    const clock = new ManualClock(1_000_000_000);
    const instance = new HeldInstance('inner_0', []);
    const inner = new DefaultScheduler(
      context('inner', `name: "inner"\nmax_batch_size: 4\n${IO}`, [instance], clock, observer),
    );
    const step = (from: string, to: string) =>
      `{ model_name: "inner" model_version: -1 input_map { key: "INPUT0" value: "${from}" } output_map { key: "OUTPUT0" value: "${to}" } }`;
    const text = `name: "m"\nplatform: "ensemble"\nmax_batch_size: 4\n${IO}
ensemble_scheduling { step [ ${step('INPUT0', 'mid')}, ${step('mid', 'OUTPUT0')} ] }`;
    const ctx = context('m', text, [], clock, observer, (r) => {
      if (r.arrivalNs < 0) r.arrivalNs = clock.nowNs();
      inner.enqueue(r);
    });
    const built = underTest(() => ({ scheduler: new EnsembleScheduler(ctx), reporter: ctx.reporter }), {
      instances: [instance],
    });
    return {
      ...built,
      clock,
      // A running ensemble request stops at its next step once the client has gone.
      cancel(r) {
        r.cancelled = true;
        return 'answered';
      },
    };
  },
});

runSchedulerConformance({
  name: 'GenerationScheduler',
  failureReason: 'BACKEND',
  reportsExecutions: true,
  create: (observer) => {
    const clock = new ManualClock(1_000_000_000);
    const parsed = parseModelConfig('name: "m"\nbackend: "llamacpp"');
    const config = validateModelConfig(
      normalizeModelConfig(completeLlamaCppConfig(parsed), { modelName: 'm' }),
      {
        modelName: 'm',
      },
    );
    // One slot: a second request waits in the queue while the first runs.
    const instance = new FakeGenerationInstance(1);
    const plan = new ModelPlan(config, new Map());
    const reporter = new ModelReporter({ modelName: 'm', versionString: '1', clock, observer });
    const scheduler = new GenerationScheduler(
      {
        modelName: 'm',
        versionString: '1',
        config,
        plan,
        pool: new InstancePool([instance], () => Promise.reject(new Error('no restarts')), silentLogger),
        reporter,
        clock,
        logger: silentLogger,
      },
      { timerFactory: new ManualTimers(clock).factory },
    );
    return {
      scheduler,
      reporter,
      clock,
      request(id, sink) {
        const prompt = encodeBytesElements([`prompt ${id}`]);
        const r = new InferenceRequest({
          modelName: 'm',
          id,
          inputs: [{ name: 'text_input', datatype: 'BYTES', shape: [1], data: prompt }],
          sink,
        });
        validateRequest(r, plan);
        return r;
      },
      finishAll: () => instance.finishAll(),
      failOne(error) {
        instance.emit(instance.oldestRunning(), '', 0, -1, FinishCode.ERROR, error);
      },
      cancel(r) {
        if (!scheduler.cancel(r)) throw new Error(`Request '${r.id}' was not removed`);
        return 'removed';
      },
    };
  },
});
