/**
 * E2E: a ModelStreamInfer client that stops reading while a decoupled model floods it. The server
 * stops once the client is 16 MiB behind: it cancels the client's requests and ends the stream
 * with UNAVAILABLE (seen by the client after the responses already written), instead of holding
 * every response in memory; other clients are served meanwhile.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, InferResult, tensor } from '../../../src/client/index.js';
import {
  int32Bytes,
  newInferenceClient,
  openStream,
  startTestGrpcServer,
  type TestGrpcServer,
} from '../../helpers/test-grpc-server.js';
import { FLOOD_ELEMENT_BYTES, FLOOD_MODEL } from '../js-backend/flood-model.js';
import { type TempRepository, writeJsRepository } from '../js-backend/js-repository.js';

let repo: TempRepository;
let t: TestGrpcServer;

beforeAll(async () => {
  repo = writeJsRepository({ flood: FLOOD_MODEL });
  t = await startTestGrpcServer({ modelRepositories: [repo.dir] });
}, 60_000);

afterAll(async () => {
  await t?.close();
  repo?.remove();
});

function successCount(): number {
  const stats = t.server.statistics('flood') as unknown as {
    model_stats: { inference_stats: { success: { count: number } } }[];
  };
  return stats.model_stats[0]!.inference_stats.success.count;
}

describe('ModelStreamInfer with a client that stops reading', () => {
  it('ends the stream with UNAVAILABLE once the client is 16 MiB behind, and keeps serving', async () => {
    const before = successCount();
    const client = newInferenceClient(t.grpcAddress);
    const stream = openStream(client);
    // 1 000 responses of 64 KiB (64 MiB): far more than the limit plus HTTP/2 windows and buffers.
    stream.write({
      model_name: 'flood',
      id: 'flood-1',
      inputs: [{ name: 'X', datatype: 'INT32', shape: [1] }],
      raw_input_contents: [int32Bytes([1000])],
    });
    stream.end();
    stream.pause(); // reads nothing while the model streams
    const deadline = Date.now() + 20_000;
    while (successCount() !== before + 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(successCount()).toBe(before + 1); // the model finished sending either way
    // Now read: the responses written before the cut, then the status.
    let responses = 0;
    const ended = new Promise<{ code: number; details: string }>((resolve) => {
      stream.on('data', () => responses++);
      stream.on('error', (err: { code: number; details: string }) => resolve(err));
      stream.on('end', () => resolve({ code: status.OK, details: '' }));
    });
    stream.resume();
    const outcome = await ended;
    expect(outcome.code).toBe(status.UNAVAILABLE);
    expect(outcome.details).toMatch(/fell \d+ bytes behind this ModelStreamInfer stream/);
    expect(responses).toBeGreaterThan(0);
    expect(responses).toBeLessThan(1000);
    client.close();
    // Another client is served in full meanwhile.
    const other = new GrpcClient(t.grpcAddress);
    const s = other.stream();
    s.send({ model: 'flood', inputs: [tensor('X', 'INT32', [1], [3])] });
    s.end();
    const items: InferResult[] = [];
    for await (const item of s) {
      if (!(item instanceof InferResult)) throw item;
      items.push(item);
    }
    other.close();
    expect(items).toHaveLength(3);
    expect(items.every((r) => r.outputAsStrings('T')[0]!.length === FLOOD_ELEMENT_BYTES)).toBe(true);
  }, 40_000);
});
