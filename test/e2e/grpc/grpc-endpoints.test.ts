/**
 * E2E: the query RPCs of inference.GRPCInferenceService and grpc.health.v1.Health over real gRPC
 * against a server with the bundled example models, each compared with what HTTP answers for the
 * same question, and the RPCs of missing features answering UNIMPLEMENTED with an explanation.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelConfigFromMessage } from '../../../src/protocol/grpc/index.js';
import {
  int32Bytes,
  startTestGrpcServer,
  type TestGrpcServer,
  unary,
  unaryError,
} from '../../helpers/test-grpc-server.js';

let t: TestGrpcServer;

beforeAll(async () => {
  t = await startTestGrpcServer();
});

afterAll(async () => {
  await t?.close();
});

/** Converts bigints (proto-loader's int64) to numbers, recursively. */
function numbers(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(numbers);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, numbers(v)]));
  }
  return value;
}

async function httpJson(path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(t.baseUrl + path, init);
  expect(res.status).toBe(200);
  return res.json();
}

describe('gRPC health and metadata', () => {
  it('ServerLive and ServerReady report true on a started server', async () => {
    expect(await unary(t.client, 'ServerLive')).toEqual({ live: true });
    expect(await unary(t.client, 'ServerReady')).toEqual({ ready: true });
  });

  it('grpc.health.v1.Health/Check reports SERVING', async () => {
    expect(await unary(t.health, 'Check', { service: '' })).toEqual({ status: 'SERVING' });
  });

  it('grpc.health.v1.Health/Watch answers UNIMPLEMENTED and names Check instead', async () => {
    const stream = (t.health as any).Watch({ service: '' }) as grpc.ClientReadableStream<unknown>;
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      stream.on('error', resolve);
      stream.on('data', () => {});
    });
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(error.details).toContain('Check');
  });

  it('ModelReady is true for ready models and versions and false otherwise', async () => {
    expect(await unary(t.client, 'ModelReady', { name: 'simple' })).toEqual({ ready: true });
    expect(await unary(t.client, 'ModelReady', { name: 'simple', version: '1' })).toEqual({ ready: true });
    expect(await unary(t.client, 'ModelReady', { name: 'simple', version: '7' })).toEqual({ ready: false });
    expect(await unary(t.client, 'ModelReady', { name: 'nope' })).toEqual({ ready: false });
  });

  it('ServerMetadata equals the HTTP server metadata', async () => {
    const grpcMeta = await unary(t.client, 'ServerMetadata');
    expect(grpcMeta).toEqual(await httpJson('/v2'));
    expect(grpcMeta.extensions).not.toContain('system_shared_memory');
    expect(grpcMeta.extensions).toContain('sequence');
  });

  it('ModelMetadata equals the HTTP model metadata for every example model', async () => {
    for (const name of [
      'simple',
      'simple_int8',
      'simple_string',
      'custom_identity_int32',
      'text_orientation',
    ]) {
      const grpcMeta = numbers(await unary(t.client, 'ModelMetadata', { name }));
      expect(grpcMeta).toEqual(await httpJson(`/v2/models/${name}`));
    }
    const v1 = numbers(await unary(t.client, 'ModelMetadata', { name: 'simple', version: '1' }));
    expect(v1).toEqual(await httpJson('/v2/models/simple/versions/1'));
  });

  it('ModelMetadata of an unknown model fails NOT_FOUND with Triton text', async () => {
    const error = await unaryError(t.client, 'ModelMetadata', { name: 'nope' });
    expect(error.code).toBe(grpc.status.NOT_FOUND);
    expect(error.details).toBe("Request for unknown model: 'nope' is not found");
  });

  it('ModelConfig returns the same config as the HTTP JSON for every example model', async () => {
    for (const name of ['simple', 'simple_string', 'text_orientation']) {
      const { config } = await unary(t.client, 'ModelConfig', { name });
      expect(modelConfigFromMessage(config)).toEqual(await httpJson(`/v2/models/${name}/config`));
    }
  });

  it('RepositoryIndex lists the same models as the HTTP repository index', async () => {
    const { models } = await unary(t.client, 'RepositoryIndex', { ready: true });
    const http = await httpJson('/v2/repository/index', { method: 'POST', body: '{"ready": true}' });
    expect(models).toEqual(http.map((m: any) => ({ ...m, version: m.version ?? '' })));
    expect(models.map((m: any) => m.name)).toContain('simple');
  });
});

describe('gRPC ModelStatistics', () => {
  it('ModelStatistics returns the same numbers as HTTP stats after inferences', async () => {
    const inputs = [
      { name: 'INPUT0', datatype: 'INT32', shape: [2, 16] },
      { name: 'INPUT1', datatype: 'INT32', shape: [2, 16] },
    ];
    const data = int32Bytes(Array.from({ length: 32 }, (_, i) => i));
    for (let i = 0; i < 3; i++) {
      await unary(t.client, 'ModelInfer', { model_name: 'simple', inputs, raw_input_contents: [data, data] });
    }
    const http = await httpJson('/v2/models/simple/stats');
    const grpcStats = numbers(await unary(t.client, 'ModelStatistics', { name: 'simple' }));
    expect(grpcStats).toEqual(http);
    expect(http.model_stats[0].inference_count).toBeGreaterThanOrEqual(6);
    const all = numbers(await unary(t.client, 'ModelStatistics', { name: '' })) as any;
    expect(all.model_stats.map((s: any) => s.name)).toEqual(
      (await httpJson('/v2/models/stats')).model_stats.map((s: any) => s.name),
    );
  });

  it('ModelStatistics of an unknown model fails NOT_FOUND', async () => {
    const error = await unaryError(t.client, 'ModelStatistics', { name: 'nope' });
    expect(error.code).toBe(grpc.status.NOT_FOUND);
  });
});

describe('gRPC RPCs of missing features', () => {
  const cases: [string, unknown, string][] = [
    ['SystemSharedMemoryStatus', {}, 'shared-memory'],
    ['SystemSharedMemoryRegister', { name: 'r', key: '/k', byte_size: 64 }, 'shared-memory'],
    ['SystemSharedMemoryUnregister', { name: 'r' }, 'shared-memory'],
    ['CudaSharedMemoryStatus', {}, 'CUDA'],
    ['CudaSharedMemoryRegister', { name: 'r' }, 'CUDA'],
    ['CudaSharedMemoryUnregister', { name: 'r' }, 'CUDA'],
  ];
  for (const [rpc, request, mention] of cases) {
    it(`${rpc} answers UNIMPLEMENTED with a message that says what is missing`, async () => {
      const error = await unaryError(t.client, rpc, request);
      expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
      expect(error.details).toMatch(new RegExp(`^${rpc}: .* is not available on this server: `));
      expect(error.details).toContain(mention);
    });
  }
});
