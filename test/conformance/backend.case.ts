/**
 * The conformance suite every Backend implementation runs (hono's common.case pattern): call
 * runBackendConformance() from a test file with a fixture that knows how to build the backend,
 * a model context, valid and failing batches, and how to crash an instance. It checks the
 * BackendInstance contract the schedulers rely on, not model-specific numerics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type {
  Backend,
  BackendInstance,
  ExecutionBatch,
  ExecutionResult,
  InstanceContext,
} from '../../src/backends/backend.js';
import { ServerError } from '../../src/common/errors.js';
import type { Tensor } from '../../src/protocol/tensor.js';
import { execute, RecordingSink } from './execute.js';

/** What a backend implementation supplies to run the conformance suite. */
export interface BackendConformanceFixture {
  /** Label used in test names. */
  name: string;
  /** The backend under test. */
  backend: () => Backend | Promise<Backend>;
  /** Context of instance `index` out of `count` instances of the fixture model. */
  context: (index: number, count: number) => InstanceContext;
  /** A valid batch of `rows` rows. */
  batch: (rows: number) => ExecutionBatch;
  /** Asserts that `outputs` are the right answer for `batch` (names in order, shapes, values). */
  checkOutputs: (batch: ExecutionBatch, outputs: Tensor[]) => void;
  /** A batch the model rejects at execution time. */
  failingBatch: () => ExecutionBatch;
  /** A batch that keeps one instance busy for tens of milliseconds. */
  heavyBatch: () => ExecutionBatch;
  /** Kills the instance as a crash would (e.g. terminates its worker). */
  crash: (instance: BackendInstance) => void;
  /**
   * The batch's outputs in a result: `result.outputs` by default; a backend that answers per
   * request (JavaScript models) joins its requests' answers.
   */
  outputsOf?: (result: ExecutionResult) => Tensor[];
  /** Max ratio of the wall time of 2 heavy executions on 2 instances at once to 2 in a row on one (best of up to 10 tries, as the machine may be busy). Default 0.9. */
  parallelRatio?: number;
}

/** Registers the conformance tests for one backend implementation. */
export function runBackendConformance(fixture: BackendConformanceFixture): void {
  const open: BackendInstance[] = [];
  const outputsOf = fixture.outputsOf ?? ((result: ExecutionResult) => result.outputs!);
  const load = async (index = 0, count = 1): Promise<BackendInstance> => {
    const backend = await fixture.backend();
    const instance = await backend.createInstance(fixture.context(index, count));
    open.push(instance);
    return instance;
  };

  describe(`${fixture.name} backend conformance`, () => {
    afterEach(async () => {
      await Promise.all(open.splice(0).map((i) => i.close()));
    });

    it(`${fixture.name} executes a batch and returns its outputs in the requested order`, async () => {
      const instance = await load();
      for (const rows of [1, 4]) {
        const batch = fixture.batch(rows);
        const { result, error, calls } = await execute(instance, batch);
        expect(error).toBeNull();
        expect(calls).toBe(1);
        const outputs = outputsOf(result!);
        expect(outputs.map((t) => t.name)).toEqual([...batch.outputNames]);
        fixture.checkOutputs(batch, outputs);
        expect(result!.computeInferNs).toBeGreaterThanOrEqual(0);
      }
    });

    it(`${fixture.name} reports a failing execution through onError and keeps serving`, async () => {
      const instance = await load();
      const failed = await execute(instance, fixture.failingBatch());
      expect(failed.error).toBeInstanceOf(ServerError);
      expect(failed.result).toBeNull();
      const batch = fixture.batch(2);
      const ok = await execute(instance, batch);
      expect(ok.error).toBeNull();
      fixture.checkOutputs(batch, outputsOf(ok.result!));
    });

    it(`${fixture.name} close is idempotent and later executions fail with UNAVAILABLE`, async () => {
      const instance = await load();
      const exits: ServerError[] = [];
      instance.onExit((e) => exits.push(e));
      await Promise.all([instance.close(), instance.close()]);
      await instance.close();
      const after = await execute(instance, fixture.batch(1));
      expect(after.error!.status).toBe('UNAVAILABLE');
      expect(exits).toEqual([]);
    });

    it(`${fixture.name} reports a crash mid-execution through onError and onExit exactly once`, async () => {
      const instance = await load();
      const exits: ServerError[] = [];
      instance.onExit((e) => exits.push(e));
      const sink = new RecordingSink();
      instance.execute(fixture.heavyBatch(), sink);
      fixture.crash(instance);
      const outcome = await sink.done;
      expect(outcome.error).toBeInstanceOf(ServerError);
      expect(outcome.error!.message).toContain(instance.name);
      expect(exits).toHaveLength(1);
      const after = await execute(instance, fixture.batch(1));
      expect(after.error!.status).toBe('UNAVAILABLE');
      await instance.close();
      expect(outcome.calls).toBe(1);
      expect(exits).toHaveLength(1);
    });

    it(`${fixture.name} runs two instances in parallel`, async () => {
      const [a, b] = await Promise.all([load(0, 2), load(1, 2)]);
      const heavy = fixture.heavyBatch();
      await Promise.all([execute(a!, heavy), execute(b!, heavy)]);
      const limit = fixture.parallelRatio ?? 0.9;
      let best = Number.POSITIVE_INFINITY;
      let overlap = Number.POSITIVE_INFINITY;
      for (let rep = 0; rep < 10 && (best >= limit || overlap >= 0.8); rep++) {
        let t = performance.now();
        await execute(a!, heavy);
        await execute(a!, heavy);
        const serialMs = performance.now() - t;
        t = performance.now();
        const both = await Promise.all([execute(a!, heavy), execute(b!, heavy)]);
        const togetherMs = performance.now() - t;
        for (const o of both) expect(o.error).toBeNull();
        const inferSumMs = (both[0]!.result!.computeInferNs + both[1]!.result!.computeInferNs) / 1e6;
        overlap = Math.min(overlap, togetherMs / inferSumMs);
        best = Math.min(best, togetherMs / serialMs);
      }
      // The runs overlapped (on one thread the wall time would be the sum of their run times) ...
      expect(overlap).toBeLessThan(0.8);
      // ... and two at once took clearly less than two in a row (best of up to 10 tries; shared machines are noisy).
      expect(best).toBeLessThan(limit);
    });
  });
}
