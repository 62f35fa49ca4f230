// The bare gRPC echo server (benchmark baseline) answers a real grpc-js client built from the
// loaded protos with the `simple` model's response.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProtos, type ModelInferResponseMessage } from '../../../src/protocol/grpc/index.js';
import { type GrpcEchoServer, startGrpcEchoServer } from '../../helpers/grpc-echo-server.js';

let server: GrpcEchoServer | undefined;
let client: grpc.Client | undefined;

afterEach(async () => {
  client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

/** Calls ModelInfer once through a real client. */
function modelInfer(c: grpc.Client, request: Record<string, unknown>): Promise<ModelInferResponseMessage> {
  return new Promise((resolve, reject) => {
    (c as unknown as Record<string, Function>).ModelInfer!.call(
      c,
      request,
      (err: Error | null, response: ModelInferResponseMessage) => (err ? reject(err) : resolve(response)),
    );
  });
}

const simpleRequest = {
  model_name: 'simple',
  inputs: [
    { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
    { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
  ],
  raw_input_contents: [Buffer.alloc(64), Buffer.alloc(64)],
};

describe('startGrpcEchoServer', () => {
  for (const decodeRequests of [false, true]) {
    it(`The gRPC echo server answers ModelInfer with simple's two INT32[16] outputs (decodeRequests ${decodeRequests})`, async () => {
      server = await startGrpcEchoServer({ decodeRequests });
      const { InferenceClient } = loadProtos();
      client = new InferenceClient(server.address, grpc.credentials.createInsecure());
      const response = await modelInfer(client, simpleRequest);
      expect(response.model_name).toBe('simple');
      expect(response.outputs.map((o) => [o.name, o.datatype, o.shape.map(Number)])).toEqual([
        ['OUTPUT0', 'INT32', [1, 16]],
        ['OUTPUT1', 'INT32', [1, 16]],
      ]);
      const sum = new Int32Array(new Uint8Array(response.raw_output_contents[0]!).buffer);
      const diff = new Int32Array(new Uint8Array(response.raw_output_contents[1]!).buffer);
      expect(Array.from(sum)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      expect(Array.from(diff)).toEqual(Array.from({ length: 16 }, (_, i) => i - 1));
      expect(server.responseBytes).toBeGreaterThan(128);
    });
  }

  it('The gRPC echo server implements only ModelInfer', async () => {
    server = await startGrpcEchoServer();
    const { InferenceClient } = loadProtos();
    client = new InferenceClient(server.address, grpc.credentials.createInsecure());
    const live = new Promise<grpc.ServiceError>((resolve) => {
      (client as unknown as Record<string, Function>).ServerLive!.call(client, {}, (err: grpc.ServiceError) =>
        resolve(err),
      );
    });
    expect((await live).code).toBe(grpc.status.UNIMPLEMENTED);
  });
});
