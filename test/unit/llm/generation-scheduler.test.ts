/**
 * Unit: the generation scheduler (continuous batching, main-thread half) over fake generation
 * instances whose sequence events the test sends by hand, with a manual clock and timers: slot
 * hand-off the moment a sequence finishes, the queue bound (503 + Retry-After) and its default,
 * priorities and timeouts, cancellation of queued and running requests, the responses of streamed
 * and non-streamed requests, and which requests the response cache may keep.
 */
import { describe, expect, it } from 'vitest';
import type { BackendInstance } from '../../../src/backends/backend.js';
import { FinishCode } from '../../../src/backends/generation.js';
import { ManualClock } from '../../../src/common/clock.js';
import type { ServerError } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import { ManualTimers } from '../../../src/common/timer.js';
import {
  completeLlamaCppConfig,
  normalizeModelConfig,
  parseModelConfig,
  validateModelConfig,
} from '../../../src/config/index.js';
import { GenerationScheduler, generationQueueConfig } from '../../../src/core/generation/index.js';
import {
  InferenceRequest,
  type InferenceResponse,
  RequestState,
  type ResponseSink,
} from '../../../src/core/inference-request.js';
import { InstancePool } from '../../../src/core/instance-pool.js';
import { ModelPlan } from '../../../src/core/model-plan.js';
import { ModelReporter } from '../../../src/core/model-reporter.js';
import { validateRequest } from '../../../src/core/request-validator.js';
import { encodeBytesElements } from '../../../src/protocol/bytes-tensor.js';
import type { Tensor } from '../../../src/protocol/tensor.js';
import { FakeGenerationInstance } from './fake-generation-instance.js';

/** What a request's sink received. */
class Recorder implements ResponseSink {
  readonly responses: { text: string; final: boolean; names: string[] }[] = [];
  error: ServerError | null = null;
  onResponse(_r: InferenceRequest, response: InferenceResponse | null, final: boolean): void {
    const text = response?.outputs.find((o) => o.name === 'text_output');
    this.responses.push({
      text: text === undefined ? '' : Buffer.from(text.data.subarray(4)).toString('utf8'),
      final,
      names: response?.outputs.map((o) => o.name) ?? [],
    });
  }
  onError(_r: InferenceRequest, error: ServerError): void {
    this.error = error;
  }
}

function setup(slots: number, extra = '') {
  const parsed = parseModelConfig(`name: "m"\nbackend: "llamacpp"\n${extra}`);
  const config = validateModelConfig(
    normalizeModelConfig(completeLlamaCppConfig(parsed), { modelName: 'm' }),
    {
      modelName: 'm',
    },
  );
  const instance = new FakeGenerationInstance(slots);
  const clock = new ManualClock(1_000_000_000);
  const timers = new ManualTimers(clock);
  const plan = new ModelPlan(config, new Map());
  const reporter = new ModelReporter({ modelName: 'm', versionString: '1', clock });
  const stats = reporter.stats;
  const scheduler = new GenerationScheduler(
    {
      modelName: 'm',
      versionString: '1',
      config,
      plan,
      pool: new InstancePool(
        [instance as BackendInstance],
        () => Promise.reject(new Error('no')),
        silentLogger,
      ),
      reporter,
      clock,
      logger: silentLogger,
    },
    { timerFactory: timers.factory },
  );
  const submit = (
    prompt: string,
    options: { stream?: boolean; sampling?: object; parameters?: object; enqueue?: boolean } = {},
  ) => {
    const inputs: Tensor[] = [
      { name: 'text_input', datatype: 'BYTES', shape: [1], data: encodeBytesElements([prompt]) },
    ];
    if (options.stream !== undefined)
      inputs.push({
        name: 'stream',
        datatype: 'BOOL',
        shape: [1],
        data: Uint8Array.of(options.stream ? 1 : 0),
      });
    if (options.sampling !== undefined) {
      inputs.push({
        name: 'sampling_parameters',
        datatype: 'BYTES',
        shape: [1],
        data: encodeBytesElements([JSON.stringify(options.sampling)]),
      });
    }
    const sink = new Recorder();
    const request = new InferenceRequest({
      modelName: 'm',
      inputs,
      sink,
      parameters: (options.parameters ?? {}) as InferenceRequest['parameters'],
      arrivalNs: clock.nowNs(),
    });
    validateRequest(request, plan);
    scheduler.prepare(request);
    if (options.enqueue !== false) scheduler.enqueue(request);
    return { request, sink };
  };
  return { scheduler, instance, clock, timers, stats, submit };
}

describe('GenerationScheduler', () => {
  it('hands a waiting request to the slot a finished sequence frees, at once', () => {
    const { instance, submit, scheduler } = setup(2);
    const a = submit('a');
    submit('b');
    submit('c');
    expect(instance.started.map((s) => s.slot)).toEqual([0, 1]);
    expect(scheduler.generationLoad()).toEqual({ running: 2, waiting: 1, slotsUsed: 2, slotsTotal: 2 });
    instance.emit(0, 'x', 1, 2, FinishCode.STOP);
    expect(a.sink.responses).toEqual([{ text: 'ax', final: true, names: ['text_output'] }]);
    expect(instance.started.map((s) => s.slot)).toEqual([0, 1, 0]);
    expect(instance.started[2]!.start.prompt).toBe('c');
  });

  it('refuses a request beyond max_queue_size with UNAVAILABLE and a Retry-After, and bounds the queue by default', () => {
    const { submit } = setup(1, 'dynamic_batching { default_queue_policy { max_queue_size: 1 } }');
    submit('a');
    submit('b');
    expect(() => submit('c')).toThrow(
      expect.objectContaining({ status: 'UNAVAILABLE', code: 'ERR_QUEUE_FULL', retryAfterS: 1 }),
    );
    const unbounded = normalizeModelConfig(completeLlamaCppConfig({ name: 'm' }), { modelName: 'm' });
    expect(generationQueueConfig(unbounded).default_queue_policy!.max_queue_size).toBe(1024);
  });

  it('cancels a running request through its instance and answers it CANCELLED when the sequence ends, then starts the next one', () => {
    const { instance, submit, scheduler, stats } = setup(1);
    const a = submit('a', { stream: true });
    const b = submit('b');
    expect(scheduler.cancel(a.request)).toBe(false);
    expect(instance.cancels).toEqual([{ slot: 0, serial: instance.started[0]!.serial }]);
    instance.emit(0, '', 0, -1, FinishCode.ABORT);
    expect(a.sink.error).toMatchObject({ status: 'CANCELLED' });
    expect(stats.cancelCount).toBe(1);
    expect(instance.started).toHaveLength(2);
    expect(b.request.state).toBe(RequestState.EXECUTING);
    // A queued request leaves the queue.
    const c = submit('c');
    expect(scheduler.cancel(c.request)).toBe(true);
    expect(scheduler.pendingCount).toBe(0);
  });

  it('streams one response per token event and ends with the final one; a non-streamed request gets the prompt and the whole text once', () => {
    const { instance, submit } = setup(2);
    const s = submit('p', { stream: true });
    const n = submit('q');
    instance.emit(0, 'A', 1, 3, FinishCode.NONE);
    instance.emit(1, 'X', 1, 3, FinishCode.NONE);
    instance.emit(0, '', 1, -1, FinishCode.NONE);
    instance.emit(0, 'B', 1, -1, FinishCode.LENGTH);
    instance.emit(1, 'Y', 1, -1, FinishCode.STOP);
    expect(s.sink.responses.map((r) => [r.text, r.final])).toEqual([
      ['A', false],
      ['B', true],
    ]);
    expect(n.sink.responses.map((r) => [r.text, r.final])).toEqual([['qXY', true]]);
  });

  it('serves higher priority levels first and answers requests whose queue timeout expired', () => {
    const { instance, submit, timers } = setup(
      1,
      'dynamic_batching { priority_levels: 2 default_priority_level: 2 default_queue_policy { default_timeout_microseconds: 1000 } }',
    );
    submit('running');
    const low = submit('low');
    submit('high', { parameters: { priority: 1 } });
    timers.advanceUs(500);
    instance.emit(0, '', 0, 1, FinishCode.STOP);
    expect(instance.started[1]!.start.prompt).toBe('high');
    timers.advanceUs(1000);
    expect(low.sink.error).toMatchObject({ status: 'UNAVAILABLE', code: 'ERR_QUEUE_TIMEOUT' });
  });

  it('lets the response cache keep greedy or seeded requests only, keyed on their sampling', () => {
    const { scheduler, submit } = setup(4);
    const greedy = submit('a', { sampling: { temperature: 0, max_tokens: 3 }, enqueue: false });
    const seeded = submit('a', { sampling: { seed: 5 }, enqueue: false });
    const sampled = submit('a', { sampling: { temperature: 0.7 }, enqueue: false });
    const greedySalt = scheduler.cacheSalt(greedy.request);
    expect(greedySalt).toContain('"maxTokens":3');
    expect(greedySalt).not.toBe(scheduler.cacheSalt(seeded.request));
    expect(scheduler.cacheSalt(sampled.request)).toBeNull();
  });

  it('fails a request whose sequence failed with its error and counts it', () => {
    const { instance, submit, stats } = setup(1);
    const a = submit('a');
    instance.emit(0, '', 0, 70, FinishCode.ERROR, {
      status: 'INVALID_ARG',
      code: 'ERR_PROMPT_TOO_LONG',
      message: 'too long',
    } as ServerError);
    expect(a.sink.error).toMatchObject({ code: 'ERR_PROMPT_TOO_LONG' });
    expect(stats.fail.count).toBe(1);
  });
});
