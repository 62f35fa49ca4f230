/**
 * The system shared-memory extension over gRPC against a real server started with
 * allowClientShm, through the project's GrpcClient: the Register / Status / Unregister RPCs,
 * ModelInfer and ModelStreamInfer with tensors in /dev/shm regions (INT32 and BYTES), Triton's
 * error statuses and texts, the CUDA RPCs, and UNIMPLEMENTED when the flag is off.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, InferResult, sharedMemoryTensor, tensor } from '../../../src/client/index.js';
import { rejection } from '../../helpers/rejection.js';
import { sharedMemoryFixture, stillServes } from '../../helpers/shared-memory-fixture.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';

let t: TestGrpcServer;
let client: GrpcClient;
const { region, destroyRegions } = sharedMemoryFixture('grpc');

beforeAll(async () => {
  t = await startTestGrpcServer({ allowClientShm: true });
  client = new GrpcClient(t.grpcAddress);
});

afterAll(async () => {
  client.close();
  await t.close();
  destroyRegions();
});

describe('system shared memory over gRPC', () => {
  it('registers, reports and unregisters regions with the same shapes as HTTP', async () => {
    const f = region(96);
    await client.registerSystemSharedMemory('g_b', f.key, 32, 64);
    await client.registerSystemSharedMemory('g_a', f.key, 64);
    expect(await client.getSystemSharedMemoryStatus()).toEqual([
      { name: 'g_a', key: f.key, offset: 0, byte_size: 64 },
      { name: 'g_b', key: f.key, offset: 64, byte_size: 32 },
    ]);
    const http = await (await fetch(`${t.baseUrl}/v2/systemsharedmemory/status`)).json();
    expect(await client.getSystemSharedMemoryStatus()).toEqual(http);
    await client.unregisterSystemSharedMemory('g_a');
    expect((await client.getSystemSharedMemoryStatus()).map((r) => r.name)).toEqual(['g_b']);
    await client.unregisterSystemSharedMemory();
    expect(await client.getSystemSharedMemoryStatus()).toEqual([]);
  });

  it('runs ModelInfer on simple with inputs and outputs in regions and empty raw outputs', async () => {
    const input = region(128);
    const output = region(192);
    const a = Int32Array.from({ length: 16 }, (_, i) => i * i);
    const b = Int32Array.from({ length: 16 }, (_, i) => 3 * i);
    input.write([tensor('A', 'INT32', [16], a), tensor('B', 'INT32', [16], b)]);
    await client.registerSystemSharedMemory('gin', input.key, 128);
    await client.registerSystemSharedMemory('gout', output.key, 160, 32);
    const result = await client.infer(
      'simple',
      [
        sharedMemoryTensor('INPUT0', 'INT32', [1, 16], 'gin', 64),
        sharedMemoryTensor('INPUT1', 'INT32', [1, 16], 'gin', 64, 64),
      ],
      {
        outputs: [
          { name: 'OUTPUT0', sharedMemory: { region: 'gout', byteSize: 64 } },
          { name: 'OUTPUT1', sharedMemory: { region: 'gout', byteSize: 64, offsetBytes: 96 } },
        ],
      },
    );
    expect(result.shape('OUTPUT1')).toEqual([1, 16]);
    expect(result.raw('OUTPUT0').length).toBe(0);
    expect(Array.from(new Int32Array(output.read(32, 64).buffer))).toEqual(
      Array.from(a, (v, i) => v + b[i]!),
    );
    expect(Array.from(new Int32Array(output.read(32 + 96, 64).buffer))).toEqual(
      Array.from(a, (v, i) => v - b[i]!),
    );
    await client.unregisterSystemSharedMemory();
  });

  it('runs simple_string with BYTES in regions, on ModelInfer and on ModelStreamInfer', async () => {
    const input = region(512);
    const output = region(512);
    const x = Array.from({ length: 16 }, (_, i) => String(1000 + i));
    const y = Array.from({ length: 16 }, (_, i) => String(i * 7));
    const tx = tensor('X', 'BYTES', [16], x);
    const ty = tensor('Y', 'BYTES', [16], y);
    input.write([tx, ty], 16);
    await client.registerSystemSharedMemory('gs_in', input.key, 512);
    await client.registerSystemSharedMemory('gs_out', output.key, 512);
    const inputs = [
      sharedMemoryTensor('INPUT0', 'BYTES', [1, 16], 'gs_in', tx.data.length, 16),
      sharedMemoryTensor('INPUT1', 'BYTES', [1, 16], 'gs_in', ty.data.length, 16 + tx.data.length),
    ];
    const outputs = [
      { name: 'OUTPUT0', sharedMemory: { region: 'gs_out', byteSize: 200 } },
      { name: 'OUTPUT1', sharedMemory: { region: 'gs_out', byteSize: 200, offsetBytes: 256 } },
    ];
    await client.infer('simple_string', inputs, { outputs });
    const sums = x.map((v, i) => String(Number(v) + Number(y[i])));
    const diffs = x.map((v, i) => String(Number(v) - Number(y[i])));
    expect(output.readStrings(0, 16)).toEqual(sums);
    expect(output.readStrings(256, 16)).toEqual(diffs);

    output.write(new Uint8Array(512));
    const stream = client.stream();
    stream.send({ model: 'simple_string', inputs, outputs, requestId: 'shm-stream' });
    stream.end();
    const items = [];
    for await (const item of stream) items.push(item);
    expect(items).toHaveLength(1);
    expect(items[0]).toBeInstanceOf(InferResult);
    expect((items[0] as InferResult).raw('OUTPUT0').length).toBe(0);
    expect(output.readStrings(0, 16)).toEqual(sums);
    expect(output.readStrings(256, 16)).toEqual(diffs);
    await client.unregisterSystemSharedMemory();
  });

  it('answers registration errors with Triton statuses and texts', async () => {
    const f = region(32);
    await client.registerSystemSharedMemory('gdup', f.key, 32);
    const dup = await rejection(client.registerSystemSharedMemory('gdup', f.key, 16));
    expect(dup.grpcCode).toBe(grpc.status.ALREADY_EXISTS);
    expect(dup.message).toContain("shared memory region 'gdup' already in manager");
    const bounds = await rejection(client.registerSystemSharedMemory('gbig', f.key, 16, 17));
    expect(bounds.grpcCode).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bounds.message).toContain("failed to register shared memory region 'gbig': invalid args");
    const missing = await rejection(client.getSystemSharedMemoryStatus('nope'));
    expect(missing.grpcCode).toBe(grpc.status.NOT_FOUND);
    expect(missing.message).toContain("Unable to find system shared memory region: 'nope'");
    await client.unregisterSystemSharedMemory('gdup');
    await stillServes(client);
  });

  it('fails ModelInfer on an unknown region and an out-of-bounds input, then still serves', async () => {
    const f = region(64);
    await client.registerSystemSharedMemory('g64', f.key, 64);
    const plain = tensor('INPUT1', 'INT32', [1, 16], new Int32Array(16));
    const unknown = await rejection(
      client.infer('simple', [sharedMemoryTensor('INPUT0', 'INT32', [1, 16], 'gghost', 64), plain]),
    );
    expect(unknown.grpcCode).toBe(grpc.status.NOT_FOUND);
    expect(unknown.message).toContain("Unable to find shared memory region: 'gghost'");
    const bounds = await rejection(
      client.infer('simple', [sharedMemoryTensor('INPUT0', 'INT32', [1, 16], 'g64', 64, 8), plain]),
    );
    expect(bounds.grpcCode).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bounds.message).toContain("Invalid offset + byte size for shared memory region: 'g64'");
    await client.unregisterSystemSharedMemory('g64');
    await stillServes(client);
  });

  it('answers the CUDA RPCs: unregister succeeds, status is empty, register fails INVALID_ARGUMENT', async () => {
    await client.unregisterCudaSharedMemory();
    expect(await client.getCudaSharedMemoryStatus()).toEqual([]);
    const register = await new Promise<grpc.ServiceError | null>((resolve) => {
      (t.client as any).CudaSharedMemoryRegister(
        { name: 'gpu', raw_handle: Buffer.alloc(64), device_id: 0, byte_size: 8 },
        (err: grpc.ServiceError | null) => resolve(err),
      );
    });
    expect(register?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(register?.details).toBe("failed to register CUDA shared memory region: 'gpu', GPUs not supported");
    await stillServes(client);
  });
});

describe('system shared memory over gRPC without --allow-client-shm', () => {
  let off: TestGrpcServer;
  let offClient: GrpcClient;
  beforeAll(async () => {
    off = await startTestGrpcServer({ modelRepositories: [] });
    offClient = new GrpcClient(off.grpcAddress);
  });
  afterAll(async () => {
    offClient.close();
    await off.close();
  });

  it('answers the shared-memory RPCs UNIMPLEMENTED naming the flag', async () => {
    const f = region(8);
    const register = await rejection(offClient.registerSystemSharedMemory('r', f.key, 8));
    expect(register.grpcCode).toBe(grpc.status.UNIMPLEMENTED);
    expect(register.message).toContain('--allow-client-shm=true');
    expect((await rejection(offClient.unregisterCudaSharedMemory())).grpcCode).toBe(
      grpc.status.UNIMPLEMENTED,
    );
    expect(await offClient.isServerLive()).toBe(true);
  });
});
