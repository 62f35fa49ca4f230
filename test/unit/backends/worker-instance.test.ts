import { connect, createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type {
  BackendLogLevel,
  ExecutionBatch,
  ExecutionResult,
  ExecutionSink,
} from '../../../src/backends/backend.js';
import { MessageTransport } from '../../../src/backends/message-transport.js';
import { RingTransport } from '../../../src/backends/ring-transport.js';
import { WorkerInstance, type WorkerInstanceOptions } from '../../../src/backends/worker-instance.js';
import { packedByteLength } from '../../../src/backends/worker-protocol.js';
import { createWorkerRings } from '../../../src/backends/worker-ring.js';
import { ANSWER_HOLD_MAX_COUNT } from '../../../src/backends/worker-ring-loop.js';
import { systemClock } from '../../../src/common/clock.js';
import { ServerError } from '../../../src/common/errors.js';
import type { Tensor } from '../../../src/protocol/tensor.js';
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

/** Test options: the instance's own, plus which transport to build (default messages). */
type StartOptions = Partial<WorkerInstanceOptions<EchoWorkerOptions>> & {
  ring?: boolean;
  answerPollUs?: number;
  idleWaitMs?: number;
  inputSlabBytes?: number;
};

async function start(startOptions: StartOptions = {}): Promise<WorkerInstance> {
  const { ring = false, answerPollUs = 0, idleWaitMs, inputSlabBytes, ...extra } = startOptions;
  const maxInFlight = extra.maxInFlight ?? 1;
  const transport = ring
    ? new RingTransport({ maxInFlight, answerPollUs, idleWaitMs, inputSlabBytes })
    : new MessageTransport();
  const instance = await WorkerInstance.start<EchoWorkerOptions>({
    transport,
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

/** The ring transport of an instance started with `ring: true`. */
const ringOf = (instance: WorkerInstance) => instance.transport as RingTransport;
/** The message transport of an instance started without `ring`. */
const messagesOf = (instance: WorkerInstance) => instance.transport as MessageTransport;

const x = (n: number) =>
  tensorOf(
    'x',
    'FP32',
    [n],
    new Float32Array(n).map((_, i) => i + 0.5),
  );

/** Resolves from the data callback of a loopback socket (the event loop's poll phase). */
async function socketData(): Promise<void> {
  const server = createServer((socket) => socket.end('x'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    await new Promise<void>((resolve, reject) => {
      const client = connect(port, '127.0.0.1');
      client.once('data', () => {
        client.destroy();
        resolve();
      });
      client.once('error', reject);
    });
  } finally {
    server.close();
  }
}

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

  it('WorkerInstance reports when the worker started each execution on the main thread clock', async () => {
    const instance = await start();
    const before = systemClock.nowNs();
    const { result } = await execute(instance, makeBatch(1, [x(4)], []));
    const after = systemClock.nowNs();
    // The worker stamps process.hrtime; converted, it falls between handing over and answering.
    expect(result!.computeStartNs).toBeGreaterThanOrEqual(before);
    expect(result!.computeStartNs! + result!.computeInputNs + result!.computeInferNs).toBeLessThanOrEqual(
      after,
    );
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
      code: 'ERR_MODEL_LOAD',
      message: 'No weights in "m.bin"',
    });
  });

  it('WorkerInstance.start rejects when the worker script cannot run', async () => {
    const bad = new URL('data:text/javascript,throw new Error("bad entry")');
    await expect(start({ workerUrl: bad })).rejects.toMatchObject({
      status: 'INTERNAL',
      code: 'ERR_INSTANCE_LOAD',
    });
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

  for (const ring of [false, true]) {
    it(`WorkerInstance (${ring ? 'ring' : 'message'} transport) reports execution errors and fails every pipelined execution when its worker crashes`, async () => {
      const instance = await start({ maxInFlight: 2, ring });
      expect((await execute(instance, makeBatch(1, [x(1)], ['throw']))).error!.code).toBe('ERR_MODEL_INPUT');
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

describe('WorkerInstance on either transport', () => {
  it('WorkerInstance on the message transport posts each execution at once', async () => {
    const instance = await start({ maxInFlight: 4 });
    const before = messagesOf(instance).postedMessages;
    const sink = new RecordingSink();
    instance.execute(makeBatch(1, [x(2)], []), sink);
    expect(messagesOf(instance).postedMessages - before).toBe(1);
    expect((await sink.done).error).toBeNull();
  });

  for (const ring of [false, true]) {
    const mode = ring ? 'ring' : 'message';
    it(`WorkerInstance (${mode} transport) answers 200 pipelined executions in order with their own data`, async () => {
      const instance = await start({ maxInFlight: 4, ring });
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

  /** Resolves once the instance's ring worker sleeps on its doorbell (worker-doorbell.ts: word 1). */
  const asleep = (instance: WorkerInstance) =>
    vi.waitFor(() => expect(Atomics.load(new Int32Array(ringOf(instance).rings.doorbell), 0)).toBe(1));

  it('WorkerInstance rings a sleeping ring-transport worker awake (it would otherwise sleep for an hour)', async () => {
    const instance = await start({ ring: true, idleWaitMs: 3_600_000 });
    for (let i = 0; i < 3; i++) {
      await asleep(instance);
      expect((await execute(instance, makeBatch(1, [x(2)], []))).error).toBeNull();
    }
  });

  it('WorkerInstance closes a sleeping ring-transport worker through STOP (it would otherwise sleep for an hour)', async () => {
    const instance = await start({ ring: true, idleWaitMs: 3_600_000 });
    await asleep(instance);
    await instance.close();
  });

  it('WorkerInstance on the ring transport refuses an executor that returns a Promise, and keeps serving', async () => {
    const instance = await start({ ring: true });
    const failed = await execute(instance, makeBatch(1, [x(1)], ['uncaught']));
    expect(failed.error!.message).toContain('synchronous executor');
    expect((await execute(instance, makeBatch(1, [x(2)], []))).error).toBeNull();
  });
});

/** One execution's answer, as the instance gave it to its sink. */
interface Answer {
  index: number;
  result: ExecutionResult | null;
  error: ServerError | null;
}

/** Logs its execution's answer in the order the instance calls its sinks, then calls `next`. */
class LoggingSink implements ExecutionSink {
  constructor(
    private readonly index: number,
    private readonly log: Answer[],
    private readonly next: () => void,
  ) {}

  onResult(result: ExecutionResult): void {
    this.log.push({ index: this.index, result, error: null });
    this.next();
  }

  onError(error: ServerError): void {
    this.log.push({ index: this.index, result: null, error });
    this.next();
  }
}

/** An FP32 tensor "x" of `n` values that say which execution it belongs to: index * 100 000 + position. */
const tagged = (index: number, n: number) =>
  tensorOf(
    'x',
    'FP32',
    [n],
    new Float32Array(n).map((_, j) => index * 100_000 + j),
  );

/** Whether `tensor` is tagged(index, n). */
function isTagged(tensor: Tensor, index: number, n: number): boolean {
  const values = float32Of(tensor);
  if (tensor.name !== 'x' || values.length !== n) return false;
  for (let j = 0; j < n; j++) if (values[j] !== index * 100_000 + j) return false;
  return true;
}

/**
 * Runs `count` executions keeping the instance's maxInFlight in flight (the next starts as soon as
 * one answers); resolves with every answer in the order the sinks were called.
 */
function pipeline(
  instance: WorkerInstance,
  count: number,
  batchOf: (index: number) => ExecutionBatch,
): Promise<Answer[]> {
  const log: Answer[] = [];
  let issued = 0;
  return new Promise((resolve) => {
    const next = (): void => {
      if (log.length === count) resolve(log);
      else if (issued < count) {
        const index = issued++;
        instance.execute(batchOf(index), new LoggingSink(index, log, next));
      }
    };
    for (let i = 0; i < instance.maxInFlight; i++) next();
  });
}

describe('WorkerInstance on the ring transport (blocking worker, SharedRings)', () => {
  const maxInFlight = 8;
  const maxRecordBytes = createWorkerRings(maxInFlight).maxRecordBytes;
  /** Values of an input whose EXECUTE record fits but whose RESULT record (16 bytes more) does not. */
  const edge = Math.floor((maxRecordBytes - 16 - packedByteLength([tagged(0, 0)], [])) / 8) * 2;
  /** Values of an input too large for any record (it goes through the input slab). */
  const large = Math.ceil(maxRecordBytes / 4) + 100;
  /** An input slab that takes a few `large` executions, not `huge` ones. */
  const inputSlabBytes = 512 * 1024;
  const maxSlabRecordBytes = createWorkerRings(maxInFlight, undefined, inputSlabBytes).maxSlabRecordBytes;
  /** Values of an input too large for the slab too (it goes over the port). */
  const huge = Math.ceil(maxSlabRecordBytes / 4) + 100;
  const small = 3;
  /**
   * Per execution: input size, and how it travels there (ring record, input slab, or port) and
   * back. A slab execution finding the slab full goes over the port instead.
   */
  const kinds = [
    { n: small, execute: 'ring', answer: 'ring' },
    { n: large, execute: 'slab', answer: 'port' },
    { n: small + 10, execute: 'ring', answer: 'ring' },
    { n: edge, execute: 'ring', answer: 'port' },
    { n: huge, execute: 'port', answer: 'port' },
    { n: large + 8, execute: 'slab', answer: 'port' },
  ] as const;

  it('WorkerInstance in ring mode answers executions that alternate between ring records, the input slab and port messages correctly and in order', async () => {
    expect(16 + packedByteLength([tagged(0, edge)], [])).toBeLessThanOrEqual(maxRecordBytes);
    expect(32 + packedByteLength([tagged(0, edge)], [])).toBeGreaterThan(maxRecordBytes);
    expect(packedByteLength([tagged(0, large + 8)], [])).toBeLessThanOrEqual(maxSlabRecordBytes);
    expect(packedByteLength([tagged(0, huge)], [])).toBeGreaterThan(maxSlabRecordBytes);
    const instance = await start({ ring: true, maxInFlight, inputSlabBytes });
    const count = 60;
    const before = {
      ring: ringOf(instance).ringExecutions,
      slab: ringOf(instance).slabExecutions,
      posted: ringOf(instance).postedMessages,
      answers: ringOf(instance).answerMessages,
    };
    const log = await pipeline(instance, count, (i) =>
      makeBatch(1, [tagged(i, kinds[i % kinds.length]!.n)], []),
    );
    expect(log.map((a) => a.index)).toEqual(Array.from({ length: count }, (_, i) => i));
    const wrong = log.filter(
      (a) => a.error !== null || !isTagged(a.result!.outputs![0]!, a.index, kinds[a.index % kinds.length]!.n),
    );
    expect(wrong.map((a) => a.index)).toEqual([]);
    const per = (where: 'execute' | 'answer', how: string) =>
      Array.from({ length: count }, (_, i) => kinds[i % kinds.length]![where]).filter((k) => k === how)
        .length;
    const viaSlab = ringOf(instance).slabExecutions - before.slab;
    expect(viaSlab).toBeGreaterThan(0);
    expect(ringOf(instance).ringExecutions - before.ring - viaSlab).toBe(per('execute', 'ring'));
    expect(viaSlab + ringOf(instance).postedMessages - before.posted).toBe(
      per('execute', 'slab') + per('execute', 'port'),
    );
    expect(ringOf(instance).answerMessages - before.answers).toBe(per('answer', 'port'));
  });

  it('WorkerInstance in ring mode sends an execution too large for a record through the input slab, without a message', async () => {
    const instance = await start({ ring: true });
    const posted = ringOf(instance).postedMessages;
    const n = Math.ceil(createWorkerRings(1).maxRecordBytes / 4) + 100;
    const { result, error } = await execute(instance, makeBatch(1, [tagged(7, n)], []));
    expect(error).toBeNull();
    expect(isTagged(result!.outputs![0]!, 7, n)).toBe(true);
    expect(ringOf(instance).slabExecutions).toBe(1);
    expect(ringOf(instance).postedMessages).toBe(posted);
  });

  it('WorkerInstance in ring mode answers executions that throw with their own errors, in order, and the others with their outputs', async () => {
    const instance = await start({ ring: true, maxInFlight, inputSlabBytes });
    const count = 45;
    const throws = (i: number) => i % 5 === 1;
    const log = await pipeline(instance, count, (i) =>
      makeBatch(1, [tagged(i, kinds[i % kinds.length]!.n)], throws(i) ? ['throw'] : []),
    );
    expect(log.map((a) => a.index)).toEqual(Array.from({ length: count }, (_, i) => i));
    const wrong = log.filter((a) =>
      throws(a.index)
        ? a.error?.code !== 'ERR_MODEL_INPUT' ||
          a.error.status !== 'INVALID_ARG' ||
          a.error.message !== 'Echo worker was asked to fail'
        : a.error !== null || !isTagged(a.result!.outputs![0]!, a.index, kinds[a.index % kinds.length]!.n),
    );
    expect(wrong.map((a) => a.index)).toEqual([]);
    // Executions that came as ring records, through the slab and as port messages all failed.
    const failedKinds = log.filter((a) => throws(a.index)).map((a) => kinds[a.index % kinds.length]!.execute);
    expect(new Set(failedKinds)).toEqual(new Set(['ring', 'slab', 'port']));
  });

  /** How many times `sink` was answered when an immediate queued right after execute() runs. */
  const callsAfterFlush = (sink: RecordingSink) =>
    new Promise<number>((resolve) => setImmediate(() => resolve(sink.outcome.calls)));

  it('WorkerInstance in ring mode answers a fast execution alone in flight within the turn that rang the worker (answerPollUs)', async () => {
    const instance = await start({ ring: true, maxInFlight, answerPollUs: 200_000 });
    // The first answer tells the instance how long its executions take.
    expect((await execute(instance, makeBatch(1, [tagged(0, small)], []))).error).toBeNull();
    for (let i = 1; i <= 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20)); // the worker is asleep again
      const sink = new RecordingSink();
      instance.execute(makeBatch(1, [tagged(i, small)], []), sink);
      expect(await callsAfterFlush(sink)).toBe(1);
      expect(isTagged(sink.outcome.result!.outputs![0]!, i, small)).toBe(true);
    }
  });

  it('WorkerInstance in ring mode without answerPollUs leaves the answer to the worker notify, a later turn', async () => {
    const instance = await start({ ring: true, maxInFlight });
    expect((await execute(instance, makeBatch(1, [tagged(0, small)], []))).error).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const sink = new RecordingSink();
    instance.execute(makeBatch(1, [tagged(1, small)], []), sink);
    expect(await callsAfterFlush(sink)).toBe(0);
    expect((await sink.done).error).toBeNull();
  });

  it('WorkerInstance in ring mode hears from its worker at least every ANSWER_HOLD_MAX_COUNT answers of a backlog', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const instance = await start({
      ring: true,
      maxInFlight: 16,
      options: { gate: gate.buffer as SharedArrayBuffer },
    });
    // Warm the worker up: cold, each answer can take longer than ANSWER_HOLD_MAX_NS / 4.
    await pipeline(instance, 2000, (i) => makeBatch(1, [tagged(i, small)], []));
    const blocked = new RecordingSink();
    instance.execute(makeBatch(1, [tagged(0, small)], ['block']), blocked);
    await vi.waitFor(() => expect(Atomics.load(gate, 1)).toBe(1));
    const sinks = Array.from({ length: 12 }, () => new RecordingSink());
    for (let i = 0; i < sinks.length; i++)
      instance.execute(makeBatch(1, [tagged(i + 1, small)], []), sinks[i]!);
    const before = ringOf(instance).resultNotifications;
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const results = await Promise.all([blocked.done, ...sinks.map((s) => s.done)]);
    expect(results.every((r) => r.error === null)).toBe(true);
    // 13 answers back to back, each far inside ANSWER_HOLD_MAX_NS: the time limit alone would
    // notify once, at the end; the count limit notifies after answers 4, 8, 12 and the last.
    expect(ANSWER_HOLD_MAX_COUNT).toBe(4);
    expect(ringOf(instance).resultNotifications - before).toBeGreaterThanOrEqual(4);
  });

  it('WorkerInstance in ring mode answers what the worker already wrote in the turn that submits the next execution', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const instance = await start({
      ring: true,
      maxInFlight: 16,
      options: { gate: gate.buffer as SharedArrayBuffer },
    });
    const blocked = new RecordingSink();
    const queued = new RecordingSink();
    instance.execute(makeBatch(1, [tagged(0, small)], ['block']), blocked);
    await vi.waitFor(() => expect(Atomics.load(gate, 1)).toBe(1));
    instance.execute(makeBatch(1, [tagged(1, small)], []), queued);
    await new Promise((resolve) => setImmediate(resolve)); // that execution's flush has run
    // Go on from a socket's data callback, as the server does from an HTTP request: a notify that
    // comes meanwhile is handled in the next poll phase, after this iteration's setImmediate
    // callbacks (the flush among them).
    await socketData();
    const before = ringOf(instance).resultNotifications;
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    // Hold this thread until the worker has written both answers and notified: the notify can
    // reach this thread's event loop only in a later turn.
    const deadline = performance.now() + 10_000;
    while (ringOf(instance).resultNotifications === before && performance.now() < deadline);
    expect(ringOf(instance).resultNotifications).not.toBe(before);
    const next = new RecordingSink();
    instance.execute(makeBatch(1, [tagged(2, small)], []), next);
    // This iteration's flush answers both; without it they would wait for the notify's turn.
    expect(await callsAfterFlush(queued)).toBe(1);
    expect(blocked.outcome.calls).toBe(1);
    expect(isTagged(queued.outcome.result!.outputs![0]!, 1, small)).toBe(true);
    expect((await next.done).error).toBeNull();
  });

  it('WorkerInstance counts the executions it sends as ring records in ringExecutions', async () => {
    const instance = await start({ ring: true });
    const posted = ringOf(instance).postedMessages;
    for (let i = 0; i < 3; i++)
      expect((await execute(instance, makeBatch(1, [tagged(i, small)], []))).error).toBeNull();
    expect(ringOf(instance).ringExecutions).toBe(3);
    expect(ringOf(instance).postedMessages).toBe(posted);
    const big = createWorkerRings(1).maxRecordBytes / 4 + 100;
    expect((await execute(instance, makeBatch(1, [tagged(3, big)], []))).error).toBeNull();
    expect(ringOf(instance).ringExecutions).toBe(4);
    expect(ringOf(instance).slabExecutions).toBe(1);
    expect(ringOf(instance).postedMessages).toBe(posted);
  });

  it('WorkerInstance in ring mode gets the input buffer of an execution sent over the port back for the next one', async () => {
    const instance = await start({ ring: true, inputSlabBytes: 0 });
    const big = createWorkerRings(1).maxRecordBytes / 4 + 4000;
    const inputBytes = async (n: number) => {
      const { result } = await execute(instance, makeBatch(1, [tagged(0, n)], ['buffer_bytes']));
      return new Float64Array(result!.outputs![0]!.data.slice().buffer)[0]!;
    };
    const first = await inputBytes(big);
    expect(first).toBeGreaterThan(createWorkerRings(1).maxRecordBytes);
    expect(await inputBytes(big - 2000)).toBe(first);
    expect(ringOf(instance).ringExecutions).toBe(0);
  });

  for (const [what, extra] of [
    ['a decoupled instance', { decoupled: true }],
    ['an instance that sends request info', { sendRequestInfo: true }],
  ] as const) {
    it(`WorkerInstance refuses the ring transport for ${what}, whose answers ring records cannot carry`, async () => {
      await expect(start({ ring: true, ...extra })).rejects.toThrow(
        'The ring transport carries batch executions only',
      );
    });
  }
});
