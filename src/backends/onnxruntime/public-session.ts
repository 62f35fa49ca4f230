/**
 * PublicSession: the fallback when onnxruntime-node's private binding is not what NativeSession
 * expects (ort-binding.ts): the same surface over the public `InferenceSession`, whose run is
 * asynchronous (a Promise resolved from a `setImmediate`), so its instances run on the message
 * transport. Slower per execution than NativeSession, never wrong. Runs only in ONNX workers.
 */
import * as ort from 'onnxruntime-node';
import type { NativeValueMetadata, OrtSession } from './native-session.js';

function toMetadata(raw: ort.InferenceSession.ValueMetadata): NativeValueMetadata {
  if (!raw.isTensor) return { name: raw.name, isTensor: false, type: null, shape: [] };
  return {
    name: raw.name,
    isTensor: true,
    type: raw.type,
    shape: raw.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
  };
}

/** A session loaded through the public API; see the file header. */
export class PublicSession implements OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly NativeValueMetadata[];
  readonly outputMetadata: readonly NativeValueMetadata[];
  readonly droppedProviders: readonly string[] = [];
  private readonly session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession) {
    this.session = session;
    this.inputMetadata = session.inputMetadata.map(toMetadata);
    this.outputMetadata = session.outputMetadata.map(toMetadata);
    this.inputNames = session.inputNames;
    this.outputNames = session.outputNames;
  }

  /** Loads `modelPath`; rejects with onnxruntime's own error. */
  static async create(
    modelPath: string,
    options: ort.InferenceSession.SessionOptions,
  ): Promise<PublicSession> {
    return new PublicSession(await ort.InferenceSession.create(modelPath, options));
  }

  run(feeds: Record<string, ort.Tensor>, fetches: readonly string[]): Promise<Record<string, ort.Tensor>> {
    const names = fetches.length === 0 ? this.outputNames : fetches;
    return this.session.run(feeds, names as string[]) as Promise<Record<string, ort.Tensor>>;
  }

  dispose(): void {
    void this.session.release();
  }
}
