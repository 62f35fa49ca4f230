/**
 * The conformance suite every Scheduler runs (hono's common.case pattern): call
 * runSchedulerConformance() with a fixture that builds the scheduler on model "m" version 1 over
 * instances the test finishes by hand. It checks what every policy owes the rest of the server:
 * each admitted request answered exactly once, and each outcome reported once, with the same
 * figures in the statistics extension and in the Prometheus metrics (a real PrometheusObserver).
 * It does not check a policy's own rules (batch forming, sequence slots, step order).
 */
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/common/clock.js';
import { ServerError, Status } from '../../src/common/errors.js';
import type { InferenceRequest, InferenceResponse, ResponseSink } from '../../src/core/inference-request.js';
import type { ModelReporter } from '../../src/core/model-reporter.js';
import type { FailureReason, RequestObserver } from '../../src/core/request-observer.js';
import type { Scheduler } from '../../src/core/scheduler.js';
import { PrometheusObserver } from '../../src/frontends/metrics/prometheus-observer.js';
import { type PromText, parsePromText, sampleValue } from '../unit/metrics/prometheus-text.js';

/** A scheduler built for one test, with the parts the suite drives. */
export interface SchedulerUnderTest {
  /** The scheduler of model "m" version 1. */
  readonly scheduler: Scheduler;
  /** Model "m"'s reporter (its statistics). */
  readonly reporter: ModelReporter;
  /** The clock the scheduler and its reporter read. */
  readonly clock: ManualClock;
  /** A new valid request for "m" answering to `sink` (requests of one test may share state, e.g. a sequence). */
  request(id: string, sink: ResponseSink): InferenceRequest;
  /** Finishes every held execution successfully, and those they lead to, until none is held. */
  finishAll(): void;
  /** Fails the oldest held execution as a backend error would. */
  failOne(error: ServerError): void;
  /**
   * Cancels `request`, admitted behind a running one; 'removed' when the scheduler took it out
   * (its caller answers it), 'answered' when the scheduler answers it CANCELLED itself.
   */
  cancel(request: InferenceRequest): 'removed' | 'answered';
}

/** What a scheduling policy supplies to run the suite. */
export interface SchedulerConformanceFixture {
  /** Label used in test names. */
  readonly name: string;
  /** Builds the scheduler, reporting to `observer`. */
  create(observer: RequestObserver): SchedulerUnderTest;
  /** The failure reason a failed execution is reported with ('BACKEND'; an ensemble's 'OTHER'). */
  readonly failureReason: FailureReason;
  /**
   * Whether "m" reports its own executions to batch_stats and the execution metric (false for an
   * ensemble: its composing models report the executions, "m" only counts them).
   */
  readonly reportsExecutions: boolean;
}

/** Records every answer a request gets. */
class AnswerLog implements ResponseSink {
  readonly responses: { response: InferenceResponse | null; final: boolean }[] = [];
  readonly errors: ServerError[] = [];
  onResponse(_r: InferenceRequest, response: InferenceResponse | null, final: boolean): void {
    this.responses.push({ response, final });
  }
  onError(_r: InferenceRequest, error: ServerError): void {
    this.errors.push(error);
  }
}

const M = { model: 'm', version: '1' };

function newObserver(): PrometheusObserver {
  return new PrometheusObserver({ metricsIntervalMs: 0, cpuMetrics: false, processMetrics: false });
}

async function scrape(observer: PrometheusObserver): Promise<PromText> {
  return parsePromText(await observer.render([{ model: 'm', version: '1', pending: 0, executing: 0 }]));
}

function failures(text: PromText, reason: FailureReason): number {
  return sampleValue(text, 'nv_inference_request_failure', { ...M, reason });
}

/** Registers the conformance tests for one scheduling policy. */
export function runSchedulerConformance(fixture: SchedulerConformanceFixture): void {
  const { name } = fixture;

  describe(`${name} scheduler conformance`, () => {
    it(`${name}: a successful request is answered once and reported once, with its response's timing in the statistics and the metrics`, async () => {
      const observer = newObserver();
      const t = fixture.create(observer);
      const log = new AnswerLog();
      const request = t.request('a', log);
      request.arrivalNs = t.clock.nowNs();
      t.clock.advanceUs(1);
      t.scheduler.enqueue(request);
      t.clock.advanceUs(5);
      t.finishAll();

      expect(log.errors).toEqual([]);
      expect(log.responses).toHaveLength(1);
      expect(log.responses[0]!.final).toBe(true);
      const timing = log.responses[0]!.response!.timing;
      const json = t.reporter.stats.toJson('m', '1');
      const s = json.inference_stats;
      expect(s.success).toEqual({ count: 1, ns: timing.totalNs });
      expect(s.queue).toEqual({ count: 1, ns: timing.queueNs });
      expect(s.compute_infer).toEqual({ count: 1, ns: timing.computeInferNs });
      expect(s.fail.count).toBe(0);
      expect(json.inference_count).toBe(1);
      expect(json.execution_count).toBeGreaterThanOrEqual(1);
      expect(json.last_inference).toBe(t.clock.wallMs());
      const text = await scrape(observer);
      expect(sampleValue(text, 'nv_inference_request_success', M)).toBe(1);
      expect(sampleValue(text, 'nv_inference_request_duration_us', M)).toBeCloseTo(timing.totalNs / 1000, 3);
      expect(sampleValue(text, 'nv_inference_queue_duration_us', M)).toBeCloseTo(timing.queueNs / 1000, 3);
      for (const reason of ['REJECTED', 'CANCELED', 'BACKEND', 'OTHER'] as const) {
        expect(failures(text, reason)).toBe(0);
      }
      if (fixture.reportsExecutions) {
        expect(json.batch_stats.map((b) => [b.batch_size, b.compute_infer.count])).toEqual([[1, 1]]);
        expect(sampleValue(text, 'nv_inference_exec_count', M)).toBe(json.execution_count);
        expect(sampleValue(text, 'nv_inference_count', M)).toBe(json.inference_count);
      } else {
        expect(json.batch_stats).toEqual([]);
      }
      await t.scheduler.idle();
    });

    it(`${name}: a failed execution answers its request with the error once and is reported as one failure in the statistics and the metrics`, async () => {
      const observer = newObserver();
      const t = fixture.create(observer);
      const log = new AnswerLog();
      const request = t.request('a', log);
      request.arrivalNs = t.clock.nowNs();
      t.scheduler.enqueue(request);
      t.clock.advanceUs(2);
      t.failOne(new ServerError(Status.INTERNAL, 'ERR_BACKEND', 'Model run failed'));

      expect(log.responses).toEqual([]);
      expect(log.errors).toHaveLength(1);
      expect(log.errors[0]!.message).toContain('Model run failed');
      const s = t.reporter.stats.toJson('m', '1').inference_stats;
      expect(s.fail).toEqual({ count: 1, ns: 2_000 });
      expect(s.success.count).toBe(0);
      const text = await scrape(observer);
      expect(failures(text, fixture.failureReason)).toBe(1);
      expect(sampleValue(text, 'nv_inference_request_success', M)).toBe(0);
      await t.scheduler.idle();
    });

    it(`${name}: a request cancelled while it waits is reported as cancelled, never as a failure, and the request before it still succeeds`, async () => {
      const observer = newObserver();
      const t = fixture.create(observer);
      const first = new AnswerLog();
      const second = new AnswerLog();
      const a = t.request('a', first);
      const b = t.request('b', second);
      a.arrivalNs = t.clock.nowNs();
      b.arrivalNs = t.clock.nowNs();
      t.scheduler.enqueue(a);
      t.scheduler.enqueue(b);
      const how = t.cancel(b);
      t.finishAll();

      expect(first.responses).toHaveLength(1);
      if (how === 'removed') {
        expect(second.responses).toEqual([]);
        expect(second.errors).toEqual([]);
      } else {
        expect(second.errors.map((e) => e.status)).toEqual([Status.CANCELLED]);
      }
      expect(t.reporter.stats.cancelCount).toBe(1);
      const s = t.reporter.stats.toJson('m', '1').inference_stats;
      expect(s.fail.count).toBe(0);
      expect(s.success.count).toBe(1);
      const text = await scrape(observer);
      expect(failures(text, 'CANCELED')).toBe(1);
      expect(failures(text, fixture.failureReason)).toBe(0);
      await t.scheduler.idle();
    });

    it(`${name}: idle waits for admitted requests and a closed scheduler refuses new ones with UNAVAILABLE, reporting nothing for them`, async () => {
      const observer = newObserver();
      const t = fixture.create(observer);
      const log = new AnswerLog();
      t.scheduler.enqueue(t.request('a', log));
      let idle = false;
      const waiting = t.scheduler.idle().then(() => {
        idle = true;
      });
      await Promise.resolve();
      expect(idle).toBe(false);
      t.finishAll();
      await waiting;
      expect(log.responses).toHaveLength(1);
      expect(t.scheduler.executingCount).toBe(0);
      expect(t.scheduler.pendingCount).toBe(0);

      t.scheduler.close();
      let refused: unknown = null;
      try {
        t.scheduler.enqueue(t.request('b', log));
      } catch (err) {
        refused = err;
      }
      expect(refused).toBeInstanceOf(ServerError);
      expect((refused as ServerError).status).toBe(Status.UNAVAILABLE);
      expect((refused as ServerError).code).toBe('ERR_MODEL_UNLOADING');
      expect(t.reporter.stats.fail.count).toBe(0);
      expect(failures(await scrape(observer), 'REJECTED')).toBe(0);
    });
  });
}
