/**
 * E2E: response compression only where Triton compresses. With `Accept-Encoding: gzip` the infer
 * answer is gzipped; server metadata, model metadata, config, statistics, the repository index and
 * generate answers are not (tritonclient.http.aio inflates infer answers only, so its statistics
 * call failed on a gzipped answer).
 */
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleSubset, startTestServer, type TestServer } from '../../helpers/test-server.js';

let repository: ReturnType<typeof exampleSubset>;
let t: TestServer;
let port: number;

beforeAll(async () => {
  repository = exampleSubset(['simple', 'repeat_int32']);
  t = await startTestServer({ modelRepositories: [repository.dir] });
  port = Number(new URL(t.baseUrl).port);
});

afterAll(async () => {
  await t.close();
  repository.remove();
});

/** One request with Accept-Encoding: gzip; the raw body and its Content-Encoding. */
function fetchRaw(
  method: string,
  path: string,
  body = '',
): Promise<{ status: number; encoding: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent: false,
        headers: { 'Accept-Encoding': 'gzip', 'Content-Type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            encoding: res.headers['content-encoding'],
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const INFER_BODY = JSON.stringify({
  inputs: [
    { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: new Array(16).fill(4) },
    { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: new Array(16).fill(1) },
  ],
});

describe('response compression', () => {
  it('gzips the infer answer when the client accepts gzip', async () => {
    const answer = await fetchRaw('POST', '/v2/models/simple/infer', INFER_BODY);
    expect(answer.status).toBe(200);
    expect(answer.encoding).toBe('gzip');
    const json = JSON.parse(gunzipSync(answer.body).toString('utf8'));
    expect(json.outputs[0].data).toEqual(new Array(16).fill(5));
  });

  it.each([
    ['GET', '/v2'],
    ['GET', '/v2/models/simple'],
    ['GET', '/v2/models/simple/config'],
    ['GET', '/v2/models/stats'],
    ['GET', '/v2/models/simple/stats'],
    ['POST', '/v2/repository/index'],
  ])('does not compress %s %s even when the client accepts gzip', async (method, path) => {
    const answer = await fetchRaw(method, path);
    expect(answer.status).toBe(200);
    expect(answer.encoding).toBeUndefined();
    expect(() => JSON.parse(answer.body.toString('utf8'))).not.toThrow();
  });

  it('does not compress a generate answer', async () => {
    const answer = await fetchRaw(
      'POST',
      '/v2/models/repeat_int32/generate',
      JSON.stringify({ IN: [7], DELAY: [0], WAIT: [0] }),
    );
    expect(answer.status).toBe(200);
    expect(answer.encoding).toBeUndefined();
    expect(JSON.parse(answer.body.toString('utf8')).OUT).toBe(7);
  });
});
