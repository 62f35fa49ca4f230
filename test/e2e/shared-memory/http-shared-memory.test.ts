/**
 * The system shared-memory extension over HTTP against a real server started with
 * allowClientShm: register / status / unregister, inference with inputs read from and outputs
 * written to /dev/shm regions at offsets (simple: INT32 add/sub; simple_string: BYTES), every
 * error with Triton's text and status, CUDA calls, and the server staying up after each error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, sharedMemoryTensor, tensor } from '../../../src/client/index.js';
import { rejection } from '../../helpers/rejection.js';
import { sharedMemoryFixture, stillServes } from '../../helpers/shared-memory-fixture.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let t: TestServer;
let client: HttpClient;
const { region, destroyRegions } = sharedMemoryFixture('http');

beforeAll(async () => {
  t = await startTestServer({ allowClientShm: true });
  client = new HttpClient(t.baseUrl);
});

afterAll(async () => {
  await client.close();
  await t.close();
  destroyRegions();
});

describe('system shared memory over HTTP', () => {
  it('advertises system_shared_memory in server metadata', async () => {
    expect((await client.serverMetadata()).extensions).toContain('system_shared_memory');
  });

  it('registers regions, reports their status and unregisters them one by one and all at once', async () => {
    const f = region(128);
    await client.registerSystemSharedMemory('st_a', f.key, 64);
    await client.registerSystemSharedMemory('st_b', f.key, 32, 64);
    expect(await client.getSystemSharedMemoryStatus('st_b')).toEqual([
      { name: 'st_b', key: f.key, offset: 64, byte_size: 32 },
    ]);
    const all = await client.getSystemSharedMemoryStatus();
    expect(all.map((r) => r.name)).toEqual(['st_a', 'st_b']);
    await client.unregisterSystemSharedMemory('st_a');
    expect((await client.getSystemSharedMemoryStatus()).map((r) => r.name)).toEqual(['st_b']);
    await client.unregisterSystemSharedMemory();
    expect(await client.getSystemSharedMemoryStatus()).toEqual([]);
  });

  it('runs simple with both inputs and both outputs in regions at offsets', async () => {
    const input = region(256);
    const output = region(256);
    const a = Int32Array.from({ length: 16 }, (_, i) => i);
    const b = Int32Array.from({ length: 16 }, (_, i) => 100 - i);
    input.write([tensor('A', 'INT32', [16], a), tensor('B', 'INT32', [16], b)], 32);
    await client.registerSystemSharedMemory('in_num', input.key, 224, 32);
    await client.registerSystemSharedMemory('out_num', output.key, 256);
    const result = await client.infer(
      'simple',
      [
        sharedMemoryTensor('INPUT0', 'INT32', [1, 16], 'in_num', 64, 0),
        sharedMemoryTensor('INPUT1', 'INT32', [1, 16], 'in_num', 64, 64),
      ],
      {
        outputs: [
          { name: 'OUTPUT0', sharedMemory: { region: 'out_num', byteSize: 64, offsetBytes: 16 } },
          { name: 'OUTPUT1', sharedMemory: { region: 'out_num', byteSize: 64, offsetBytes: 128 } },
        ],
      },
    );
    // Triton's answer for outputs in shared memory: name, datatype and shape, no data.
    expect(result.shape('OUTPUT0')).toEqual([1, 16]);
    expect(result.raw('OUTPUT0').length).toBe(0);
    expect(result.tensor('OUTPUT0').parameters.binary_data_size).toBeUndefined();
    const sum = new Int32Array(output.read(16, 64).buffer);
    const diff = new Int32Array(output.read(128, 64).buffer);
    expect(Array.from(sum)).toEqual(Array.from(a, (v, i) => v + b[i]!));
    expect(Array.from(diff)).toEqual(Array.from(a, (v, i) => v - b[i]!));
    await client.unregisterSystemSharedMemory();
  });

  it('mixes a shared-memory input with a request input and a normal output', async () => {
    const input = region(64);
    input.write(tensor('A', 'INT32', [16], new Int32Array(16).fill(10)));
    await client.registerSystemSharedMemory('in_mix', input.key, 64);
    const result = await client.infer('simple', [
      sharedMemoryTensor('INPUT0', 'INT32', [1, 16], 'in_mix', 64),
      tensor('INPUT1', 'INT32', [1, 16], new Int32Array(16).fill(4)),
    ]);
    expect(Array.from(result.output<Int32Array>('OUTPUT1'))).toEqual(new Array(16).fill(6));
    await client.unregisterSystemSharedMemory('in_mix');
  });

  it('runs simple_string with BYTES inputs and outputs in regions', async () => {
    const input = region(512);
    const output = region(512);
    const x = Array.from({ length: 16 }, (_, i) => String(i * 3));
    const y = Array.from({ length: 16 }, (_, i) => String(-i));
    const tx = tensor('X', 'BYTES', [16], x);
    const ty = tensor('Y', 'BYTES', [16], y);
    const end = input.write([tx, ty], 8);
    await client.registerSystemSharedMemory('in_str', input.key, 512);
    await client.registerSystemSharedMemory('out_str', output.key, 512);
    await client.infer(
      'simple_string',
      [
        sharedMemoryTensor('INPUT0', 'BYTES', [1, 16], 'in_str', tx.data.length, 8),
        sharedMemoryTensor('INPUT1', 'BYTES', [1, 16], 'in_str', ty.data.length, end - ty.data.length),
      ],
      {
        outputs: [
          { name: 'OUTPUT0', sharedMemory: { region: 'out_str', byteSize: 256 } },
          { name: 'OUTPUT1', sharedMemory: { region: 'out_str', byteSize: 256, offsetBytes: 256 } },
        ],
      },
    );
    expect(output.readStrings(0, 16)).toEqual(x.map((v, i) => String(Number(v) + Number(y[i]))));
    expect(output.readStrings(256, 16)).toEqual(x.map((v, i) => String(Number(v) - Number(y[i]))));
    await client.unregisterSystemSharedMemory();
  });

  it('refuses a duplicate region name with 400 and Triton text, keeping the first', async () => {
    const f = region(64);
    await client.registerSystemSharedMemory('dup', f.key, 64);
    const err = await rejection(client.registerSystemSharedMemory('dup', f.key, 32));
    expect(err.httpStatus).toBe(400);
    expect(err.message).toContain("shared memory region 'dup' already in manager");
    expect((await client.getSystemSharedMemoryStatus('dup'))[0]!.byte_size).toBe(64);
    await client.unregisterSystemSharedMemory('dup');
    await stillServes(client);
  });

  it('refuses a region beyond its object and a key that does not exist', async () => {
    const f = region(64);
    const bounds = await rejection(client.registerSystemSharedMemory('big', f.key, 64, 8));
    expect(bounds.httpStatus).toBe(400);
    expect(bounds.message).toContain("failed to register shared memory region 'big': invalid args");
    const missing = await rejection(client.registerSystemSharedMemory('none', '/nereid_no_such_object', 8));
    expect(missing.httpStatus).toBe(500);
    expect(missing.message).toContain("Unable to open shared memory region: '/nereid_no_such_object'");
    const traversal = await rejection(client.registerSystemSharedMemory('bad', '/../../etc/passwd', 8));
    expect(traversal.httpStatus).toBe(400);
    expect(await client.getSystemSharedMemoryStatus()).toEqual([]);
    await stillServes(client);
  });

  it('answers register bodies without key or byte_size with Triton text', async () => {
    const path = `${t.baseUrl}/v2/systemsharedmemory/region/x/register`;
    const noKey = await fetch(path, { method: 'POST', body: JSON.stringify({ byte_size: 8 }) });
    expect(noKey.status).toBe(400);
    expect(await noKey.json()).toEqual({ error: "Shared memory register request has no 'key' field" });
    const noSize = await fetch(path, { method: 'POST', body: JSON.stringify({ key: '/k' }) });
    expect(await noSize.json()).toEqual({ error: "Shared memory register request has no 'byte_size' field" });
    const noName = await fetch(`${t.baseUrl}/v2/systemsharedmemory/register`, { method: 'POST', body: '{}' });
    expect(noName.status).toBe(400);
    const status = await fetch(`${t.baseUrl}/v2/systemsharedmemory/region/nope/status`);
    expect(status.status).toBe(404);
    expect(await status.json()).toEqual({ error: "Unable to find system shared memory region: 'nope'" });
    await stillServes(client);
  });

  it('fails inference on an unknown region, an out-of-bounds tensor and a too small output', async () => {
    const f = region(64);
    await client.registerSystemSharedMemory('small', f.key, 64);
    const plain = tensor('INPUT1', 'INT32', [1, 16], new Int32Array(16));
    const unknown = await rejection(
      client.infer('simple', [sharedMemoryTensor('INPUT0', 'INT32', [1, 16], 'ghost', 64), plain]),
    );
    expect(unknown.httpStatus).toBe(404);
    expect(unknown.message).toBe("Unable to find shared memory region: 'ghost'");
    const bounds = await rejection(
      client.infer('simple', [sharedMemoryTensor('INPUT0', 'INT32', [1, 16], 'small', 64, 32), plain]),
    );
    expect(bounds.httpStatus).toBe(400);
    expect(bounds.message).toMatch(/^Invalid offset \+ byte size for shared memory region: 'small'/);
    const tooSmall = await rejection(
      client.infer('simple', [tensor('INPUT0', 'INT32', [1, 16], new Int32Array(16)), plain], {
        outputs: [{ name: 'OUTPUT0', sharedMemory: { region: 'small', byteSize: 32 } }],
      }),
    );
    expect(tooSmall.httpStatus).toBe(500);
    expect(tooSmall.message).toBe(
      "shared memory size specified with the request for output 'OUTPUT0' (32 bytes) should be at least 64 bytes to hold the results",
    );
    await client.unregisterSystemSharedMemory('small');
    await stillServes(client);
  });

  it('answers the CUDA calls: unregister (all or one) succeeds, status is empty, register fails', async () => {
    await client.unregisterCudaSharedMemory();
    await client.unregisterCudaSharedMemory('anything');
    expect(await client.getCudaSharedMemoryStatus()).toEqual([]);
    const res = await fetch(`${t.baseUrl}/v2/cudasharedmemory/region/gpu/register`, {
      method: 'POST',
      body: JSON.stringify({ raw_handle: { b64: 'AAAA' }, device_id: 0, byte_size: 8 }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: "failed to register CUDA shared memory region: 'gpu', GPUs not supported",
    });
    await stillServes(client);
  });
});

describe('system shared memory over HTTP without --allow-client-shm', () => {
  let off: TestServer;
  let offClient: HttpClient;
  beforeAll(async () => {
    off = await startTestServer({ modelRepositories: [] });
    offClient = new HttpClient(off.baseUrl);
  });
  afterAll(async () => {
    await offClient.close();
    await off.close();
  });

  it('refuses every shared-memory route with 501 naming the flag and does not advertise the extension', async () => {
    const f = region(8);
    const register = await rejection(offClient.registerSystemSharedMemory('r', f.key, 8));
    expect(register.httpStatus).toBe(501);
    expect(register.message).toContain('--allow-client-shm=true');
    expect((await rejection(offClient.getSystemSharedMemoryStatus())).httpStatus).toBe(501);
    expect((await rejection(offClient.unregisterCudaSharedMemory())).httpStatus).toBe(501);
    expect((await offClient.serverMetadata()).extensions).not.toContain('system_shared_memory');
    expect(await offClient.isServerLive()).toBe(true);
  });
});
