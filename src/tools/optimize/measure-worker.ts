/**
 * Worker-thread entry of the optimizer's measurements (compiled to dist/src/tools/optimize/
 * measure-worker.js): holds one ONNX Runtime session and answers run, time, observe (calibration
 * statistics) and ranges requests. ORT runs synchronously, so it never runs on the main thread;
 * comparing and reporting happen there, not here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type {
  MeasureRequest,
  MeasureResponse,
  MeasureWorkerInit,
  ModelIo,
  WireTensor,
} from './measure-protocol.js';
import { RangeCollector } from './quantize-math.js';

const init = workerData as MeasureWorkerInit;
const port = parentPort!;
const collectors = new Map<string, RangeCollector>();

function toFeeds(tensors: WireTensor[]): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of tensors)
    feeds[t.name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
  return feeds;
}

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): ModelIo[] {
  return meta.map((m) =>
    m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: '', shape: [] },
  );
}

async function handle(session: ort.InferenceSession, req: MeasureRequest): Promise<MeasureResponse> {
  switch (req.op) {
    case 'run': {
      const fetch = req.fetch.length > 0 ? req.fetch : session.outputNames;
      const result = await session.run(toFeeds(req.feeds), fetch as string[]);
      const outputs = fetch.map((name) => {
        const t = result[name]!;
        return { name, type: t.type, dims: [...t.dims], data: t.data as Float32Array };
      });
      return { id: req.id, outputs };
    }
    case 'time': {
      const feeds = toFeeds(req.feeds);
      for (let i = 0; i < req.warmup; i++) await session.run(feeds);
      const latenciesMs: number[] = [];
      const start = performance.now();
      while (latenciesMs.length < req.minIterations || performance.now() - start < req.durationMs) {
        const t0 = performance.now();
        await session.run(feeds);
        latenciesMs.push(performance.now() - t0);
      }
      return { id: req.id, latenciesMs };
    }
    case 'observe': {
      const result = await session.run(toFeeds(req.feeds), req.names);
      for (const name of req.names) {
        let c = collectors.get(name);
        if (!c) collectors.set(name, (c = new RangeCollector()));
        c.add(result[name]!.data as Float32Array);
      }
      return { id: req.id };
    }
    case 'ranges':
      return {
        id: req.id,
        ranges: [...collectors].map(([name, c]) => [name, c.range(req.method, req.percentile)]),
      };
  }
}

async function main(): Promise<void> {
  let session: ort.InferenceSession;
  try {
    const options: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: init.graphOptimizationLevel,
      intraOpNumThreads: init.intraOpNumThreads,
      logSeverityLevel: 3,
    };
    if (init.optimizedModelFilePath) options.optimizedModelFilePath = init.optimizedModelFilePath;
    session =
      typeof init.model === 'string'
        ? await ort.InferenceSession.create(init.model, options)
        : await ort.InferenceSession.create(init.model, options);
  } catch (err) {
    port.postMessage({
      id: -1,
      error: err instanceof Error ? err.message : String(err),
    } satisfies MeasureResponse);
    return;
  }
  port.postMessage({
    id: -1,
    inputs: describe(session.inputMetadata),
    outputNames: describe(session.outputMetadata),
  } satisfies MeasureResponse);
  port.on('message', (req: MeasureRequest) => {
    handle(session, req).then(
      (res) => port.postMessage(res),
      (err: unknown) =>
        port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

void main();
