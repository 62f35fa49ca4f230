/**
 * E2E: a ModelStreamInfer client (bare HTTP/2) that stops reading while a decoupled model floods it. The server
 * stops once the client is 16 MiB behind: it cancels the client's requests and ends the stream
 * with UNAVAILABLE (seen by the client after the responses already written), instead of holding
 * every response in memory; other clients are served meanwhile.
 */

import { connect } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, InferResult, tensor } from '../../../src/client/index.js';
import { messageType } from '../../../src/protocol/grpc/load-protos.js';
import { int32Bytes, startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
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
    // A bare HTTP/2 client, so nothing reads on its behalf: until it reads, the server can send no
    // more than the stream's 64 KiB flow-control window.
    const session = connect(`http://${t.grpcAddress}`);
    const call = session.request({
      ':method': 'POST',
      ':path': '/inference.GRPCInferenceService/ModelStreamInfer',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    // 1 000 responses of 64 KiB (64 MiB): far more than the limit.
    const message = messageType('inference.ModelInferRequest').serialize({
      model_name: 'flood',
      id: 'flood-1',
      inputs: [{ name: 'X', datatype: 'INT32', shape: [1] }],
      raw_input_contents: [int32Bytes([1000])],
    });
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    call.end(frame);
    const deadline = Date.now() + 20_000;
    while (successCount() !== before + 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(successCount()).toBe(before + 1); // the model finished sending either way
    // Now read: the responses written before the cut, then the status in the trailers.
    let received = 0;
    let trailers: Record<string, unknown> = {};
    call.on('trailers', (headers) => (trailers = headers));
    call.on('data', (chunk: Buffer) => (received += chunk.length));
    await new Promise((resolve) => call.on('close', resolve));
    session.close();
    expect(Number(trailers['grpc-status'])).toBe(status.UNAVAILABLE);
    expect(decodeURIComponent(String(trailers['grpc-message']))).toMatch(
      /fell \d+ bytes behind this ModelStreamInfer stream/,
    );
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(1000 * FLOOD_ELEMENT_BYTES);
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
