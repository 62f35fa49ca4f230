/**
 * E2E: the gRPC frontend shuts down promptly even when a client cancelled a stream while its
 * request was still running (the client keeps its HTTP/2 session open; close() must not wait on it).
 */
import { expect, it } from 'vitest';
import { int32Bytes, openStream, startTestGrpcServer } from '../../helpers/test-grpc-server.js';
import { writeClientRepository } from '../client/client-fixtures.js';

const simple = (id: string) => ({
  model_name: 'simple',
  id,
  inputs: [
    { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
    { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
  ],
  raw_input_contents: [int32Bytes(new Array(16).fill(1)), int32Bytes(new Array(16).fill(2))],
});
const slow = {
  model_name: 'slow',
  inputs: [{ name: 'X', datatype: 'FP32', shape: [1] }],
  raw_input_contents: [Buffer.from(new Float32Array([0.5]).buffer)],
};

it('GrpcFrontend closes within its grace period after a stream was cancelled mid-request', async () => {
  const t = await startTestGrpcServer({ modelRepositories: [writeClientRepository().dir] });
  const s1 = openStream(t.client);
  s1.on('data', () => {});
  s1.write(simple('a'));
  s1.write({ ...simple('b'), model_name: 'nope' });
  s1.end();
  await new Promise((r) => s1.on('end', r));
  const s2 = openStream(t.client);
  s2.on('error', () => {});
  s2.on('data', () => {});
  s2.write(slow);
  s2.write(slow);
  s2.cancel();
  const s3 = openStream(t.client);
  s3.on('error', () => {});
  let n = 0;
  await new Promise<void>((resolve) => {
    s3.on('data', () => {
      if (++n === 2) {
        s3.cancel();
        resolve();
      }
    });
    for (let k = 0; k < 5; k++) s3.write(simple(`b${k}`));
  });
  expect(n).toBe(2);
  const started = performance.now();
  await t.close();
  expect(performance.now() - started).toBeLessThan(15_000);
}, 40_000);
