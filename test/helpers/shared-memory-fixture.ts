/**
 * What the HTTP and gRPC system shared-memory e2e tests share: the /dev/shm regions a test file
 * creates (destroyed when it ends) and the check that the server still serves a plain inference
 * after an error. Each test file starts its own server and client; errors are read with rejection().
 */
import { expect } from 'vitest';
import { type InferInput, type InferResult, SharedMemoryRegionFile, tensor } from '../../src/client/index.js';

/** Regions of one test file. */
export interface SharedMemoryFixture {
  /** Creates a region of `byteSize` bytes under a name unique to this process and test file. */
  region(byteSize: number): SharedMemoryRegionFile;
  /** Destroys every region created so far (call in afterAll). */
  destroyRegions(): void;
}

/** A client that runs one inference: HttpClient or GrpcClient. */
export interface InferClient {
  /** Runs one inference on `model`. */
  infer(model: string, inputs: readonly InferInput[]): Promise<InferResult>;
}

/** Regions named `/nereid_e2e_<tag>_<pid>_<n>` for one test file (`tag`: e.g. `http`, `grpc`). */
export function sharedMemoryFixture(tag: string): SharedMemoryFixture {
  let serial = 0;
  const files: SharedMemoryRegionFile[] = [];
  return {
    region(byteSize: number): SharedMemoryRegionFile {
      const f = SharedMemoryRegionFile.create(`/nereid_e2e_${tag}_${process.pid}_${serial++}`, byteSize);
      files.push(f);
      return f;
    },
    destroyRegions(): void {
      for (const f of files) f.destroy();
    },
  };
}

/** The server still serves a plain inference on `simple` (checked after every error). */
export async function stillServes(client: InferClient): Promise<void> {
  const r = await client.infer('simple', [
    tensor('INPUT0', 'INT32', [1, 16], new Int32Array(16).fill(5)),
    tensor('INPUT1', 'INT32', [1, 16], new Int32Array(16).fill(2)),
  ]);
  expect(Array.from(r.output<Int32Array>('OUTPUT0'))).toEqual(new Array(16).fill(7));
  expect(Array.from(r.output<Int32Array>('OUTPUT1'))).toEqual(new Array(16).fill(3));
}
