/**
 * openTrainingStepRunner: a StepRunnerFactory (see trainMlpClassifier in src/tools/onnx) that runs
 * the training-step graph in a measurement worker thread, so training a reference classifier for
 * benchmarks and tests never loads ONNX Runtime on the calling thread. Tensors are copied to and
 * from the worker each step (structured clone); the step's matrix products dominate anyway.
 */
import type { StepRunner, StepRunnerFactory, TrainingTensor } from '../onnx/index.js';
import type { WireTensor } from './measure-protocol.js';
import { MeasureSession } from './measure-session.js';

/** Options of `openTrainingStepRunner`. */
export interface TrainingStepRunnerOptions {
  /** ORT intra-op threads of the worker's session; default 1. */
  intraOpNumThreads?: number;
}

/** Returns a factory that loads each step graph into its own worker */
export function openTrainingStepRunner(options: TrainingStepRunnerOptions = {}): StepRunnerFactory {
  return async (stepModel: Uint8Array): Promise<StepRunner> => {
    const session = await MeasureSession.open(stepModel, {
      label: 'the MLP training step',
      graphOptimizationLevel: 'basic',
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
    });
    return new WorkerStepRunner(session);
  };
}

/** A StepRunner over one MeasureSession. */
class WorkerStepRunner implements StepRunner {
  private readonly session: MeasureSession;

  constructor(session: MeasureSession) {
    this.session = session;
  }

  /** Runs one step; float32 outputs by name. */
  async run(feeds: Record<string, TrainingTensor>): Promise<Record<string, Float32Array>> {
    const wire: WireTensor[] = Object.entries(feeds).map(([name, t]) => ({
      name,
      type: 'float32',
      dims: t.dims,
      data: t.data,
    }));
    const out: Record<string, Float32Array> = {};
    for (const t of await this.session.run(wire)) out[t.name] = t.data as Float32Array;
    return out;
  }

  /** Stops the worker. */
  close(): Promise<void> {
    return this.session.close();
  }
}
