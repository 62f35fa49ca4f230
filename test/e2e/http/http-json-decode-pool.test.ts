/**
 * E2E: large JSON inference bodies decoded by the HTTP frontend's decode pool on a real server
 * with the real PaddleOCR orientation model: same answer as the binary body, 503 + Retry-After
 * past the pool's byte bound, and a decode thread that dies loses no request and hangs none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, inferBinary, simpleInputs } from '../../helpers/kserve-http.js';
import { exampleSubset, startTestServer, type TestServer } from '../../helpers/test-server.js';

const MAX_INPUT_BYTES = 1024 * 1024;
const PIXELS = new Float32Array(3 * 48 * 192).map((_, i) => Math.round(Math.sin(i) * 1e6) / 1e6);
const IMAGE_JSON = JSON.stringify({
  inputs: [{ name: 'x', shape: [1, 3, 48, 192], datatype: 'FP32', data: Array.from(PIXELS) }],
});

let repo: ReturnType<typeof exampleSubset>;
let t: TestServer;

beforeAll(async () => {
  repo = exampleSubset(['text_orientation', 'simple']);
  t = await startTestServer({
    modelRepositories: [repo.dir],
    // One body of the image's size fits in the pool at a time: 2 x 543 KB > 1 MiB.
    http: { maxInputSizeBytes: MAX_INPUT_BYTES, jsonDecodeThreads: 1, jsonDecodeMaxBytes: MAX_INPUT_BYTES },
  });
});

afterAll(async () => {
  await t?.close();
  repo?.remove();
});

function postImage(body: string = IMAGE_JSON): Promise<Response> {
  return fetch(`${t.baseUrl}/v2/models/text_orientation/infer`, { method: 'POST', body });
}

/** Resolves once the pool holds a body (the in-process server's state, polled between events). */
async function untilPoolHoldsABody(): Promise<void> {
  const pool = t.http.jsonDecodePool!;
  while (pool.pendingDecodes === 0) await new Promise((r) => setImmediate(r));
}

describe('JSON decode pool', () => {
  it('decodes a JSON body below --http-json-decode-min-bytes on the main thread, starting no thread', async () => {
    const { a, b } = simpleInputs(1);
    const small = JSON.stringify({
      inputs: [
        { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: Array.from(a) },
        { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', data: Array.from(b) },
      ],
    });
    const res = await fetch(`${t.baseUrl}/v2/models/simple/infer`, { method: 'POST', body: small });
    expect(res.status).toBe(200);
    expect((await res.json()).outputs[0].data[3]).toBe(a[3]! + b[3]!);
    expect(t.http.jsonDecodePool!.workers.length).toBe(0);
  });

  it('classifies a 543 KB JSON image received into a pool buffer and decoded in the pool exactly as the same image sent binary', async () => {
    expect(IMAGE_JSON.length).toBeGreaterThan(t.http.jsonDecodePool!.settings.minBytes);
    const res = await postImage();
    // The body was received into a buffer the pool lent, which came back with the answer.
    expect(t.http.jsonDecodePool!.freeBodyBuffers).toBe(1);
    expect(res.status).toBe(200);
    const json = await res.json();
    const binary = await inferBinary(t.baseUrl, 'text_orientation', [
      { name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], data: bytesOf(PIXELS) },
    ]);
    expect(binary.status).toBe(200);
    expect(json.outputs[0].data).toEqual(binary.json.outputs[0].data);
    expect(t.http.jsonDecodePool!.workers.length).toBe(1);
    // A second image reuses that buffer rather than a fresh one.
    expect((await postImage()).status).toBe(200);
    expect(t.http.jsonDecodePool!.freeBodyBuffers).toBe(1);
  });

  it('answers 503 with Retry-After past the pool byte bound, and every request gets an answer', async () => {
    const responses = await Promise.all(Array.from({ length: 12 }, () => postImage()));
    const outcomes = await Promise.all(
      responses.map(async (r) => ({
        status: r.status,
        retryAfter: r.headers.get('retry-after'),
        body: await r.json(),
      })),
    );
    const refused = outcomes.filter((o) => o.status === 503);
    expect(outcomes.filter((o) => o.status === 200).length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length + outcomes.filter((o) => o.status === 200).length).toBe(12);
    for (const o of refused) {
      expect(o.retryAfter).toBe('1');
      expect(o.body.error).toMatch(
        /^Cannot decode a \d+-byte JSON request body now: \d+ of 1048576 bytes are being decoded \(--http-json-decode-max-bytes\)$/,
      );
    }
    expect(t.http.jsonDecodePool!.heldBytes).toBe(0);
  });

  it('answers 503 with Retry-After when the decode thread dies mid-body, then serves the next request', async () => {
    // ~1 MB of numbers: JSON.parse alone keeps the thread busy well past the poll below.
    const slow = `{"inputs":[{"name":"x","shape":[1,3,48,192],"datatype":"FP32","data":[${'0.25,'.repeat(200_000)}0]}]}`;
    expect(slow.length).toBeLessThan(MAX_INPUT_BYTES);
    const pending = postImage(slow);
    await untilPoolHoldsABody();
    await t.http.jsonDecodePool!.workers[0]!.terminate();
    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await res.json()).error).toMatch(
      /^Cannot decode the JSON request body: its decode thread stopped before answering \(it exited with code \d+\)$/,
    );
    const next = await postImage();
    expect(next.status).toBe(200);
  });
});
