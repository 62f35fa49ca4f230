/**
 * E2E: --grpc-max-message-size. A message whose 5-byte length prefix declares more than the limit
 * is refused with RESOURCE_EXHAUSTED as soon as the prefix arrives (a raw HTTP/2 client declares
 * 2 GB and sends 1 KiB); the project's GrpcClient gets RESOURCE_EXHAUSTED for a ModelInfer over the
 * limit, also when it is compressed under the limit and inflates past it, and an answer under it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declareGrpcMessage } from '../../../bench/lib/raw-grpc-message.js';
import { GrpcClient, tensor } from '../../../src/client/index.js';
import { DEFAULT_GRPC_MAX_RECEIVE_BYTES, GrpcFrontend } from '../../../src/frontends/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import { exampleSubset } from '../../helpers/test-server.js';

const LIMIT_BYTES = 1024 * 1024;
const RESOURCE_EXHAUSTED = 8;

let t: TestGrpcServer;
const repository = exampleSubset(['custom_identity_int32']);

beforeAll(async () => {
  t = await startTestGrpcServer({
    modelRepositories: [repository.dir],
    grpc: { maxReceiveMessageBytes: LIMIT_BYTES },
  });
});

afterAll(async () => {
  await t.close();
  repository.remove();
});

const identity = (elements: number) => [tensor('INPUT0', 'INT32', [1, elements], new Int32Array(elements))];

describe('--grpc-max-message-size', () => {
  it('defaults to 64 MiB', () => {
    expect(DEFAULT_GRPC_MAX_RECEIVE_BYTES).toBe(64 * 1024 * 1024);
    expect(new GrpcFrontend(t.server).maxReceiveMessageBytes).toBe(DEFAULT_GRPC_MAX_RECEIVE_BYTES);
  });

  it('refuses a message that declares 2 GB with RESOURCE_EXHAUSTED before its body arrives', async () => {
    const answer = await declareGrpcMessage(Number(t.grpcAddress.split(':')[1]), 0x7fffffff, 1024, 5000);
    expect(answer.status).toBe(RESOURCE_EXHAUSTED);
    expect(answer.message).toContain(`larger than max (2147483647 vs ${LIMIT_BYTES})`);
    expect(answer.ms).toBeLessThan(5000);
  });

  it('answers the project client RESOURCE_EXHAUSTED for a ModelInfer over the limit', async () => {
    const client = new GrpcClient(t.grpcAddress);
    try {
      await expect(client.infer('custom_identity_int32', identity(LIMIT_BYTES / 2))).rejects.toMatchObject({
        grpcCode: RESOURCE_EXHAUSTED,
      });
    } finally {
      client.close();
    }
  });

  it('refuses a compressed message that inflates past the limit', async () => {
    const client = new GrpcClient(t.grpcAddress, { compression: 'gzip' });
    try {
      await expect(client.infer('custom_identity_int32', identity(LIMIT_BYTES))).rejects.toMatchObject({
        grpcCode: RESOURCE_EXHAUSTED,
      });
    } finally {
      client.close();
    }
  });

  it('answers a ModelInfer under the limit', async () => {
    const client = new GrpcClient(t.grpcAddress);
    try {
      const result = await client.infer('custom_identity_int32', identity(LIMIT_BYTES / 8));
      expect(result.shape('OUTPUT0')).toEqual([1, LIMIT_BYTES / 8]);
    } finally {
      client.close();
    }
  });

  it('refuses a limit outside 1 .. 2147483647', () => {
    expect(() => new GrpcFrontend(t.server, { maxReceiveMessageBytes: 0 })).toThrow(
      '--grpc-max-message-size must be between 1 and 2147483647: received 0',
    );
  });
});
