/**
 * Test helper: runs an ONNX model (bytes or file path) once in onnxruntime-node on the test's own
 * thread and returns its outputs. Only for tests: the server runs models in worker threads.
 */
import { InferenceSession, type Tensor } from 'onnxruntime-node';

/** Loads `model`, runs `feeds`, releases the session and returns the outputs by name. */
export async function runModel(
  model: Uint8Array | string,
  feeds: Record<string, Tensor>,
): Promise<Record<string, Tensor>> {
  const session =
    typeof model === 'string'
      ? await InferenceSession.create(model, { logSeverityLevel: 4 })
      : await InferenceSession.create(model, { logSeverityLevel: 4 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** Loads `model` and returns its input and output metadata (names, types, shapes). */
export async function modelMetadata(model: Uint8Array | string): Promise<{
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata: readonly unknown[];
  outputMetadata: readonly unknown[];
}> {
  const session =
    typeof model === 'string'
      ? await InferenceSession.create(model, { logSeverityLevel: 4 })
      : await InferenceSession.create(model, { logSeverityLevel: 4 });
  const meta = {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata as readonly unknown[],
    outputMetadata: session.outputMetadata as readonly unknown[],
  };
  await session.release();
  return meta;
}
