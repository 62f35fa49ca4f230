/**
 * E2E: --http-max-inflight-bytes, the bound on request-body bytes all HTTP requests hold at once.
 * Raw sockets hold parts of large bodies; a body that does not fit (declared up front, or growing
 * chunk by chunk) gets 503 with Retry-After and its connection is closed unread, while a small
 * request from the project's client is still served. Compressed bodies: a gzip bomb stops at
 * --http-max-input-size, inflated bytes count toward the budget, and every byte is given back
 * once requests are answered or their clients disconnect.
 */
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, tensor } from '../../../src/client/index.js';
import { inferHeader, type RawSocket, rawSocket, waitFor } from '../../helpers/raw-http-socket.js';
import { exampleSubset, startTestServer, type TestServer } from '../../helpers/test-server.js';

const MAX_INPUT_BYTES = 1_000_000;

let repository: ReturnType<typeof exampleSubset>;
const open: { server: TestServer; sockets: RawSocket[] }[] = [];

beforeAll(() => {
  repository = exampleSubset(['simple']);
});

afterAll(() => repository.remove());

afterEach(async () => {
  for (const { server, sockets } of open.splice(0)) {
    for (const s of sockets) s.socket.destroy();
    await server.close();
  }
});

async function serve(
  maxInflightBytes: number,
): Promise<{ t: TestServer; port: number; sockets: RawSocket[] }> {
  const t = await startTestServer({
    modelRepositories: [repository.dir],
    http: { maxInputSizeBytes: MAX_INPUT_BYTES, maxInflightBytes },
  });
  const entry = { server: t, sockets: [] as RawSocket[] };
  open.push(entry);
  return { t, port: Number(new URL(t.baseUrl).port), sockets: entry.sockets };
}

/** A raw upload of an infer body declaring `declared` bytes, of which `sent` are sent now. */
function partialUpload(port: number, declared: number, sent: number): RawSocket {
  return rawSocket(port, Buffer.concat([Buffer.from(inferHeader(declared)), Buffer.alloc(sent, 0x78)]));
}

/** POSTs a gzip-encoded body to simple's infer route; resolves with status and body text. */
function postGzip(
  port: number,
  body: Buffer,
): Promise<{ status: number; text: string; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v2/models/simple/infer',
        method: 'POST',
        agent: false,
        headers: {
          'Content-Encoding': 'gzip',
          'Content-Type': 'application/json',
          'Content-Length': body.length,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text, retryAfter: res.headers['retry-after'] as string }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const smallInputs = () => [
  tensor('INPUT0', 'INT32', [1, 16], new Int32Array(16).fill(3)),
  tensor('INPUT1', 'INT32', [1, 16], new Int32Array(16).fill(1)),
];

describe('--http-max-inflight-bytes', () => {
  it('answers 503 with Retry-After to bodies beyond the bound while a small request is served', async () => {
    const { t, port, sockets } = await serve(2_000_000);
    const a = partialUpload(port, 900_000, 800_000);
    const b = partialUpload(port, 900_000, 800_000);
    sockets.push(a, b);
    expect(await waitFor(() => t.http.heldBodyBytes === 1_600_000, 5000)).toBe(true);

    // Declared up front: refused before a byte of it is read.
    const declared = rawSocket(port, inferHeader(900_000));
    sockets.push(declared);
    const refused = await declared.closed;
    expect(refused.text).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(refused.text).toMatch(/\r\nRetry-After: 1\r\n/i);
    expect(refused.text).toMatch(/\r\nConnection: close\r\n/i);
    expect(refused.text).toContain(
      'of 2000000 bytes are held by requests in flight (--http-max-inflight-bytes)',
    );

    // Chunked, no length: refused once its chunks pass the bound.
    const chunk = Buffer.alloc(100_000, 0x78);
    const chunked = rawSocket(
      port,
      'POST /v2/models/simple/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    sockets.push(chunked);
    await chunked.connected;
    for (let i = 0; i < 5 && !chunked.socket.destroyed; i++) {
      chunked.socket.write(
        Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
      );
    }
    const cut = await chunked.closed;
    expect(cut.text).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(t.http.heldBodyBytes).toBe(1_600_000);

    const client = new HttpClient(t.baseUrl);
    try {
      const result = await client.infer('simple', smallInputs());
      expect(Array.from(result.output<Int32Array>('OUTPUT1'))).toEqual(new Array(16).fill(2));
    } finally {
      await client.close();
    }

    // The held bodies complete (not JSON: 400) and give their bytes back.
    a.socket.write(Buffer.alloc(100_000, 0x78));
    b.socket.write(Buffer.alloc(100_000, 0x78));
    expect(await waitFor(() => a.received().includes('400 Bad Request'), 5000)).toBe(true);
    expect(await waitFor(() => b.received().includes('400 Bad Request'), 5000)).toBe(true);
    expect(await waitFor(() => t.http.heldBodyBytes === 0, 2000)).toBe(true);
  });

  it('gives the bytes of a body back when its client disconnects mid-way', async () => {
    const { t, port, sockets } = await serve(2_000_000);
    const a = partialUpload(port, 900_000, 500_000);
    sockets.push(a);
    expect(await waitFor(() => t.http.heldBodyBytes === 500_000, 5000)).toBe(true);
    a.socket.destroy();
    expect(await waitFor(() => t.http.heldBodyBytes === 0, 2000)).toBe(true);
  });

  it('stops inflating a gzip bomb at --http-max-input-size and gives every byte back', async () => {
    const { t, port } = await serve(4_000_000);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const answer = await postGzip(port, bomb);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain(`exceeds the maximum of ${MAX_INPUT_BYTES} bytes (--http-max-input-size)`);
    expect(await waitFor(() => t.http.heldBodyBytes === 0, 2000)).toBe(true);
  });

  it('counts inflated bytes toward the bound', async () => {
    const { t, port, sockets } = await serve(1_500_000);
    const a = partialUpload(port, 900_000, 800_000);
    sockets.push(a);
    expect(await waitFor(() => t.http.heldBodyBytes === 800_000, 5000)).toBe(true);
    const packed = gzipSync(Buffer.alloc(900_000, 0x20));
    const over = await postGzip(port, packed);
    expect(over.status).toBe(503);
    expect(over.retryAfter).toBe('1');
    expect(over.text).toContain('(--http-max-inflight-bytes)');
    a.socket.destroy();
    expect(await waitFor(() => t.http.heldBodyBytes === 0, 2000)).toBe(true);
    // With the budget free the same body inflates whole (and is then refused as empty JSON).
    const fits = await postGzip(port, packed);
    expect(fits.status).toBe(400);
    expect(fits.text).not.toContain('--http-max-inflight-bytes');
    expect(await waitFor(() => t.http.heldBodyBytes === 0, 2000)).toBe(true);
  });
});
