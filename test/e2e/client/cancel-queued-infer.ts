/**
 * The cancellation scenario the HTTP and gRPC client e2e tests share: a call on the `slow` model
 * holds its one instance, a second call queues behind it with an AbortSignal, and the signal is
 * aborted once the server has the queued request (watched through a spy on the server's `infer`).
 * What each protocol reports about the cancellation stays with its test.
 */
import { expect, vi } from 'vitest';
import type {
  InferenceServerError,
  InferInput,
  InferOptions,
  InferResult,
} from '../../../src/client/index.js';
import type { InferenceServer } from '../../../src/core/index.js';
import { rejection } from '../../helpers/rejection.js';

/** A client whose calls take an AbortSignal: HttpClient or GrpcClient. */
export interface CancellableClient {
  /** Runs one inference on `model`. */
  infer(model: string, inputs: readonly InferInput[], options?: InferOptions): Promise<InferResult>;
}

/** How the two calls ended. */
export interface CancelledInfer {
  /** The error the queued call rejected with once aborted. */
  cancelled: InferenceServerError;
  /** The result of the call that was running meanwhile. */
  first: InferResult;
}

/** Runs the scenario with `inputs` for `slow` through `client` against `server`. */
export async function cancelQueuedInfer(
  client: CancellableClient,
  server: InferenceServer,
  inputs: readonly InferInput[],
): Promise<CancelledInfer> {
  const spy = vi.spyOn(server, 'infer');
  try {
    const running = client.infer('slow', inputs);
    await vi.waitFor(() => expect(spy).toHaveBeenCalledTimes(1));
    const controller = new AbortController();
    const queued = client.infer('slow', inputs, { signal: controller.signal });
    await vi.waitFor(() => expect(spy).toHaveBeenCalledTimes(2));
    controller.abort();
    const cancelled = await rejection(queued);
    return { cancelled, first: await running };
  } finally {
    spy.mockRestore();
  }
}
