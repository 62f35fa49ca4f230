import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BackendLogLevel } from '../../../src/backends/backend.js';
import { WorkerInstance, type WorkerInstanceOptions } from '../../../src/backends/worker-instance.js';
import { ServerError } from '../../../src/common/errors.js';
import { bundleWorker } from '../../conformance/bundle-worker.js';
import { execute, float32Of, makeBatch, RecordingSink, tensorOf } from '../../conformance/execute.js';
import type { EchoWorkerOptions } from './fixtures/echo-worker.js';

let echoUrl: URL;
const open: WorkerInstance[] = [];

beforeAll(async () => {
  echoUrl = await bundleWorker('test/unit/backends/fixtures/echo-worker.ts');
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((i) => i.close()));
});

async function start(extra: Partial<WorkerInstanceOptions<EchoWorkerOptions>> = {}): Promise<WorkerInstance> {
  const instance = await WorkerInstance.start<EchoWorkerOptions>({
    name: 'echo_0',
    modelName: 'echo',
    workerUrl: echoUrl,
    options: {},
    logger: () => {},
    ...extra,
  });
  open.push(instance);
  return instance;
}

const x = (n: number) =>
  tensorOf(
    'x',
    'FP32',
    [n],
    new Float32Array(n).map((_, i) => i + 0.5),
  );

describe('WorkerInstance', () => {
  it('WorkerInstance echoes a batch back through one transferred buffer with timings', async () => {
    const instance = await start();
    const { result, error } = await execute(instance, makeBatch(1, [x(4)], []));
    expect(error).toBeNull();
    expect(result!.outputs!.map((t) => t.name)).toEqual(['x']);
    expect(Array.from(float32Of(result!.outputs![0]!))).toEqual([0.5, 1.5, 2.5, 3.5]);
    expect(result!.perRequest).toBeNull();
    for (const key of ['computeInputNs', 'computeInferNs', 'computeOutputNs'] as const) {
      expect(result![key]).toBeGreaterThanOrEqual(0);
    }
  });

  it('WorkerInstance reuses the returned input buffer and grows it when a batch does not fit', async () => {
    const instance = await start();
    const sizeOf = async (n: number) => {
      const { result } = await execute(instance, makeBatch(1, [x(n)], ['buffer_bytes']));
      return new Float64Array(result!.outputs![0]!.data.slice().buffer)[0]!;
    };
    const first = await sizeOf(16);
    expect(await sizeOf(8)).toBe(first);
    const grown = await sizeOf(1024);
    expect(grown).toBeGreaterThanOrEqual(Math.max(4096, first * 2));
    expect(await sizeOf(16)).toBe(grown);
  });

  it('WorkerInstance sends per-request facts only when sendRequestInfo is set', async () => {
    const withInfo = await start({ sendRequestInfo: true });
    const without = await start();
    const batch = makeBatch(2, [x(2)], ['requests']);
    const decode = async (i: WorkerInstance) =>
      JSON.parse(new TextDecoder().decode((await execute(i, batch)).result!.outputs![0]!.data));
    expect(await decode(withInfo)).toEqual(batch.requests);
    expect(await decode(without)).toBeNull();
  });

  it('WorkerInstance reports an execution error through onError and keeps serving', async () => {
    const instance = await start();
    const failed = await execute(instance, makeBatch(1, [x(1)], ['throw']));
    expect(failed.error).toBeInstanceOf(ServerError);
    expect(failed.error!.status).toBe('INVALID_ARG');
    expect(failed.error!.message).toBe('Echo worker was asked to fail');
    const ok = await execute(instance, makeBatch(1, [x(2)], []));
    expect(ok.error).toBeNull();
  });

  it('WorkerInstance rejects a second execution while one is in flight', async () => {
    const instance = await start();
    const first = execute(instance, makeBatch(1, [x(1)], []));
    const second = await execute(instance, makeBatch(1, [x(1)], []));
    expect(second.error!.code).toBe('ERR_INSTANCE_BUSY');
    expect((await first).error).toBeNull();
  });

  it('WorkerInstance fails the in-flight execution and calls onExit once when the worker exits', async () => {
    const instance = await start();
    const exits: ServerError[] = [];
    instance.onExit((e) => exits.push(e));
    const { error, calls } = await execute(instance, makeBatch(1, [x(1)], ['crash']));
    expect(error!.status).toBe('INTERNAL');
    expect(error!.code).toBe('ERR_INSTANCE_CRASHED');
    expect(error!.message).toBe(
      'Instance "echo_0" of model "echo" stopped unexpectedly: worker exited with code 3',
    );
    expect(calls).toBe(1);
    expect(exits).toHaveLength(1);
    const after = await execute(instance, makeBatch(1, [x(1)], []));
    expect(after.error!.code).toBe('ERR_INSTANCE_UNAVAILABLE');
    await instance.close();
    expect(exits).toHaveLength(1);
  });

  it('WorkerInstance names the uncaught exception that killed its worker', async () => {
    const instance = await start();
    const exited = new Promise<ServerError>((resolve) => instance.onExit(resolve));
    const { error } = await execute(instance, makeBatch(1, [x(1)], ['uncaught']));
    expect(error!.message).toContain('Echo worker blew up outside an execution');
    expect((await exited).code).toBe('ERR_INSTANCE_CRASHED');
  });

  it('WorkerInstance stops a hung worker after executionTimeoutMs and reports the timeout', async () => {
    const instance = await start({ executionTimeoutMs: 60_000, terminateWhileBusy: true });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const exited = new Promise<ServerError>((resolve) => instance.onExit(resolve));
    const pending = execute(instance, makeBatch(1, [x(1)], ['hang']));
    vi.advanceTimersByTime(60_000);
    const { error } = await pending;
    expect(error!.status).toBe('UNAVAILABLE');
    expect(error!.message).toBe(
      'Execution on instance "echo_0" of model "echo" timed out after 60000 ms; the instance was stopped',
    );
    expect((await exited).code).toBe('ERR_EXECUTION_TIMEOUT');
  });

  it('WorkerInstance close is idempotent and fails later executions with UNAVAILABLE', async () => {
    const instance = await start();
    const exits: ServerError[] = [];
    instance.onExit((e) => exits.push(e));
    const first = instance.close();
    expect(instance.close()).toBe(first);
    await first;
    await instance.close();
    const { error } = await execute(instance, makeBatch(1, [x(1)], []));
    expect(error!.status).toBe('UNAVAILABLE');
    expect(error!.code).toBe('ERR_INSTANCE_CLOSED');
    expect(exits).toHaveLength(0);
  });

  it('WorkerInstance close fails an in-flight execution without calling onExit', async () => {
    const instance = await start({ terminateWhileBusy: true });
    const exits: ServerError[] = [];
    instance.onExit((e) => exits.push(e));
    const sink = new RecordingSink();
    instance.execute(makeBatch(1, [x(1)], ['hang']), sink);
    await instance.close();
    expect(sink.outcome.error!.code).toBe('ERR_INSTANCE_CLOSED');
    expect(exits).toHaveLength(0);
  });

  it('WorkerInstance.start rejects with the error the worker reported while loading', async () => {
    await expect(start({ options: { failLoad: 'No weights in "m.bin"' } })).rejects.toMatchObject({
      status: 'INVALID_ARG',
      code: 'ERR_ECHO_LOAD',
      message: 'No weights in "m.bin"',
    });
  });

  it('WorkerInstance.start rejects when the worker script cannot run', async () => {
    const bad = new URL('data:text/javascript,throw new Error("bad entry")');
    await expect(start({ workerUrl: bad })).rejects.toMatchObject({ code: 'ERR_MODEL_LOAD' });
  });

  it('WorkerInstance forwards worker log messages and stdout to its logger', async () => {
    const lines: [BackendLogLevel, string][] = [];
    const instance = await start({ logger: (level, message) => lines.push([level, message]) });
    expect(lines).toContainEqual(['info', 'echo_0: Echo worker for "echo" loaded']);
    await execute(instance, makeBatch(1, [x(1)], []));
    await vi.waitFor(() => expect(lines).toContainEqual(['info', 'echo_0: echo worker stdout line']));
  });

  it('WorkerInstance.abort fails the in-flight execution and calls onExit', async () => {
    const instance = await start({ terminateWhileBusy: true });
    const exits: ServerError[] = [];
    instance.onExit((e) => exits.push(e));
    const pending = execute(instance, makeBatch(1, [x(1)], ['hang']));
    instance.abort('watchdog');
    const { error } = await pending;
    expect(error!.message).toBe('Instance "echo_0" of model "echo" was aborted: watchdog');
    expect(exits.map((e) => e.code)).toEqual(['ERR_INSTANCE_ABORTED']);
    const late: ServerError[] = [];
    instance.onExit((e) => late.push(e));
    await vi.waitFor(() => expect(late).toHaveLength(1));
  });

  it('WorkerInstance without terminateWhileBusy fails the execution at once but lets the blocking call finish', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const instance = await start({ options: { gate: gate.buffer as SharedArrayBuffer } });
    const exits: ServerError[] = [];
    instance.onExit((e) => exits.push(e));
    const sink = new RecordingSink();
    instance.execute(makeBatch(1, [x(1)], ['block']), sink);
    await vi.waitFor(() => expect(Atomics.load(gate, 1)).toBe(1));
    instance.abort('stuck in a native call');
    expect((await sink.done).error!.code).toBe('ERR_INSTANCE_ABORTED');
    expect(exits).toHaveLength(1);
    expect(Atomics.load(gate, 1)).toBe(1);
    const closed = instance.close();
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await closed;
    expect(Atomics.load(gate, 1)).toBe(2);
  });
  it('WorkerInstance with maxInFlight 2 takes a second execution while the first blocks and answers both in order', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const instance = await start({ maxInFlight: 2, options: { gate: gate.buffer as SharedArrayBuffer } });
    expect(instance.maxInFlight).toBe(2);
    const order: string[] = [];
    const first = new RecordingSink();
    const second = new RecordingSink();
    void first.done.then(() => order.push('first'));
    void second.done.then(() => order.push('second'));
    instance.execute(makeBatch(1, [x(1)], ['block']), first);
    await vi.waitFor(() => expect(Atomics.load(gate, 1)).toBe(1));
    instance.execute(makeBatch(1, [x(3)], []), second);
    const third = await execute(instance, makeBatch(1, [x(1)], []));
    expect(third.error!.code).toBe('ERR_INSTANCE_BUSY');
    expect(third.error!.message).toContain('at most 2');
    expect(order).toEqual([]);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(order).toEqual(['first', 'second']);
    expect(a.error).toBeNull();
    expect(Array.from(float32Of(b.result!.outputs![0]!))).toEqual([0.5, 1.5, 2.5]);
    expect((await execute(instance, makeBatch(1, [x(2)], []))).error).toBeNull();
  });

  for (const blocking of [false, true]) {
    it(`WorkerInstance (${blocking ? 'blocking' : 'event-loop'} worker) reports execution errors and fails every pipelined execution when its worker crashes`, async () => {
      const instance = await start({ maxInFlight: 2, blocking });
      expect((await execute(instance, makeBatch(1, [x(1)], ['throw']))).error!.code).toBe('ERR_ECHO');
      const crashing = new RecordingSink();
      const behind = new RecordingSink();
      instance.execute(makeBatch(1, [x(1)], ['crash']), crashing);
      instance.execute(makeBatch(1, [x(1)], []), behind);
      const [a, b] = await Promise.all([crashing.done, behind.done]);
      expect(a.error!.code).toBe('ERR_INSTANCE_CRASHED');
      expect(b.error!.code).toBe('ERR_INSTANCE_CRASHED');
    });
  }
});

describe('WorkerInstance in blocking mode and coalesced messages', () => {
  it('WorkerInstance coalesces executions for a busy worker into one message and gets their answers together, in order', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const instance = await start({ maxInFlight: 8, options: { gate: gate.buffer as SharedArrayBuffer } });
    const blocked = new RecordingSink();
    instance.execute(makeBatch(1, [x(1)], ['block']), blocked);
    await vi.waitFor(() => expect(Atomics.load(gate, 1)).toBe(1));
    const postedBefore = instance.postedMessages;
    const sinks = Array.from({ length: 7 }, () => new RecordingSink());
    for (let i = 0; i < sinks.length; i++) instance.execute(makeBatch(1, [x(i + 1)], []), sinks[i]!);
    await new Promise((resolve) => setImmediate(resolve));
    // Seven executions accepted in one event-loop turn for a busy worker: one EXECUTE_MANY.
    expect(instance.postedMessages - postedBefore).toBe(1);
    const answersBefore = instance.answerMessages;
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const results = await Promise.all([blocked.done, ...sinks.map((s) => s.done)]);
    expect(results.every((r) => r.error === null)).toBe(true);
    results.slice(1).forEach((r, i) => {
      expect(float32Of(r.result!.outputs![0]!).length).toBe(i + 1);
    });
    // The worker held answers while the next execution was waiting: fewer messages than answers
    // (at worst pairs, when each run outlasts ANSWER_HOLD_MAX_NS on a loaded machine).
    expect(instance.answerMessages - answersBefore).toBeLessThanOrEqual(5);
  });

  it('WorkerInstance sends executions accepted in one turn to an idle worker as one message', async () => {
    const instance = await start({ maxInFlight: 4 });
    const before = instance.postedMessages;
    const sinks = [new RecordingSink(), new RecordingSink(), new RecordingSink()];
    for (let i = 0; i < sinks.length; i++) instance.execute(makeBatch(1, [x(i + 1)], []), sinks[i]!);
    expect(instance.postedMessages - before).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(instance.postedMessages - before).toBe(1);
    const results = await Promise.all(sinks.map((s) => s.done));
    expect(results.map((r) => float32Of(r.result!.outputs![0]!).length)).toEqual([1, 2, 3]);
  });

  it('WorkerInstance with maxInFlight 1 posts each execution at once', async () => {
    const instance = await start();
    const before = instance.postedMessages;
    const sink = new RecordingSink();
    instance.execute(makeBatch(1, [x(2)], []), sink);
    expect(instance.postedMessages - before).toBe(1);
    expect((await sink.done).error).toBeNull();
  });

  for (const blocking of [false, true]) {
    const mode = blocking ? 'blocking' : 'event-loop';
    it(`WorkerInstance (${mode} worker) answers 200 pipelined executions in order with their own data`, async () => {
      const instance = await start({ maxInFlight: 4, blocking });
      let next = 0;
      const seen: number[] = [];
      await new Promise<void>((resolve, reject) => {
        const issue = (): void => {
          const n = next++;
          const sink = new RecordingSink();
          instance.execute(makeBatch(1, [x((n % 13) + 1)], []), sink);
          void sink.done.then(({ result, error }) => {
            if (error !== null) return reject(error);
            expect(float32Of(result!.outputs![0]!).length).toBe((n % 13) + 1);
            seen.push(n);
            if (seen.length === 200) resolve();
            else if (next < 200) issue();
          });
        };
        for (let i = 0; i < 4; i++) issue();
      });
      expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
    });
  }

  it('WorkerInstance rings a sleeping blocking-mode worker awake at once (it would otherwise sleep a second)', async () => {
    const instance = await start({ blocking: true });
    await new Promise((resolve) => setTimeout(resolve, 150)); // the worker is asleep in Atomics.wait now
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      expect((await execute(instance, makeBatch(1, [x(2)], []))).error).toBeNull();
      expect(performance.now() - started).toBeLessThan(500);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  it('WorkerInstance closes a sleeping blocking-mode worker promptly through STOP', async () => {
    const instance = await start({ blocking: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await instance.close();
    expect(performance.now() - started).toBeLessThan(800);
  });

  it('WorkerInstance in blocking mode refuses an executor that returns a Promise, and keeps serving', async () => {
    const instance = await start({ blocking: true });
    const failed = await execute(instance, makeBatch(1, [x(1)], ['uncaught']));
    expect(failed.error!.message).toContain('synchronous executor');
    expect((await execute(instance, makeBatch(1, [x(2)], []))).error).toBeNull();
  });
});
