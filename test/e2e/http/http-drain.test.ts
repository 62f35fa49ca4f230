/**
 * E2E: `nereid serve` (the compiled CLI in a child process) drains HTTP on SIGTERM without resetting
 * a request. Keep-alive clients keep sending while the server receives SIGTERM: every request that
 * reached an open connection is answered (those during the drain with `Connection: close`), and the
 * only failures are new connections refused once the listener is closed, never a reset or a
 * connection closed under a request that was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, tensor } from '../../../src/client/index.js';
import { type CliServer, startCliServer } from '../../helpers/cli-server.js';
import { rawSocket, sleep, waitFor } from '../../helpers/raw-http-socket.js';
import { exampleSubset } from '../../helpers/test-server.js';

let repository: ReturnType<typeof exampleSubset>;
const servers: CliServer[] = [];

beforeAll(() => {
  repository = exampleSubset(['simple']);
});

afterAll(async () => {
  for (const s of servers) await s.kill();
  repository.remove();
});

const inputs = [
  tensor('INPUT0', 'INT32', [1, 16], new Int32Array(16).fill(1)),
  tensor('INPUT1', 'INT32', [1, 16], new Int32Array(16).fill(1)),
];

/** The transport error code under a client error (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, ...). */
function transportCode(err: unknown): string {
  const cause = (err as { cause?: { code?: string; cause?: { code?: string } } }).cause;
  return cause?.cause?.code ?? cause?.code ?? String(err);
}

describe('HTTP drain on SIGTERM', () => {
  it('answers every request sent on an open keep-alive connection while keep-alive clients keep sending', async () => {
    const s = await startCliServer([
      '--model-repository',
      repository.dir,
      '--allow-grpc=false',
      '--allow-metrics=false',
    ]);
    servers.push(s);
    const base = `http://127.0.0.1:${s.httpPort}`;
    const client = new HttpClient(base, { connections: 8 });
    let signalled = false;
    let answeredDuringDrain = 0;
    const failures: string[] = [];
    const loops = Array.from({ length: 8 }, async () => {
      for (;;) {
        try {
          await client.infer('simple', inputs);
          if (signalled) answeredDuringDrain++;
        } catch (err) {
          failures.push(transportCode(err));
          return;
        }
      }
    });

    // A raw keep-alive connection: one answer before the signal, one after it.
    const raw = rawSocket(s.httpPort, 'GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(await waitFor(() => raw.received().includes('\r\n\r\n'), 5000)).toBe(true);
    expect(raw.received()).toMatch(/\r\nConnection: keep-alive\r\n/i);

    await sleep(300);
    signalled = true;
    s.child.kill('SIGTERM');
    // The server drains from the moment it logs the signal (a busy server may take a while to see it).
    expect(await waitFor(() => s.stderr().includes('Received SIGTERM'), 5000)).toBe(true);
    raw.socket.write('GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const rawClosed = await raw.closed;
    const second = rawClosed.text.slice(rawClosed.text.indexOf('HTTP/1.1', 10));
    expect(second).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(second).toMatch(/\r\nConnection: close\r\n/i);

    await Promise.all(loops);
    await client.close();
    expect(await s.exited).toBe(0);
    expect(answeredDuringDrain).toBeGreaterThan(0);
    // New connections after the listener closed are refused; nothing else may fail.
    expect(failures.filter((code) => code !== 'ECONNREFUSED')).toEqual([]);
  }, 30_000);
});
